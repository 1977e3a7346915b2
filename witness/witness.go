// Package witness gives the people who watch a ceremony a voice in its
// record: each witness holds an Ed25519 key of their own (or uses the SSH
// key they already have), cosigns the bundle's final checkpoint with it,
// and an auditor checks the cosignatures against a roster and a quorum.
//
// A witness key is the signer key of golang.org/x/mod/sumdb/note
// ("PRIVATE+KEY+<name>+<hash>+<key>"), kept in a file only its holder can
// read; its public half, the note verifier key "<name>+<hash>+<key>", goes
// on the roster. Cosigning adds one signature line to the checkpoint file:
// the note's text, and so every signature already on it, stays as it is.
//
// A roster file lists one witness a line, "<id> <verifier key>" or
// "<id> <ssh public key>" (an authorized_keys line); blank lines and lines
// starting with '#' are ignored.
package witness

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Participant is one witness on a roster.
type Participant struct {
	ID       string
	Verifier note.Verifier
	Key      string // the verifier key as written on the roster
}

// Roster is the list of witnesses expected to cosign.
type Roster struct {
	Participants []Participant
}

// ParseRoster reads a roster file.
func ParseRoster(r io.Reader) (*Roster, error) {
	var ro Roster
	seen := map[string]bool{}
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		var v note.Verifier
		key := ""
		switch {
		case len(fields) > 2 && isSSHLine(fields[1:]):
			key = strings.Join(fields[1:], " ")
			pub, ok := parseSSHKey(key)
			if !ok {
				return nil, fmt.Errorf("roster line %d: the SSH public key of %s does not parse", n, fields[0])
			}
			v = newSSHVerifier(fields[0], pub)
		case len(fields) == 2:
			key = fields[1]
			var err error
			if v, err = note.NewVerifier(key); err != nil {
				return nil, fmt.Errorf("roster line %d: verifier key of %s: %w", n, fields[0], err)
			}
		default:
			return nil, fmt.Errorf("roster line %d: want \"<id> <verifier key>\" or \"<id> <ssh public key>\"", n)
		}
		if seen[fields[0]] || seen[v.Name()+"+"+strconv.FormatUint(uint64(v.KeyHash()), 16)] {
			return nil, fmt.Errorf("roster line %d: %s or its key is listed twice", n, fields[0])
		}
		seen[fields[0]] = true
		seen[v.Name()+"+"+strconv.FormatUint(uint64(v.KeyHash()), 16)] = true
		ro.Participants = append(ro.Participants, Participant{ID: fields[0], Verifier: v, Key: key})
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return &ro, nil
}

// Verifiers returns the roster's keys, for transcript.VerifyOptions.
func (ro *Roster) Verifiers() []note.Verifier {
	vs := make([]note.Verifier, len(ro.Participants))
	for i, p := range ro.Participants {
		vs[i] = p.Verifier
	}
	return vs
}

// GenerateKey writes a new witness key named name to path, which must not
// exist, readable by its owner only, and returns the verifier key for the
// roster.
func GenerateKey(rand io.Reader, name, path string) (vkey string, err error) {
	skey, vkey, err := note.GenerateKey(rand, name)
	if err != nil {
		return "", err
	}
	key := []byte(skey + "\n")
	defer clear(key)
	return vkey, durable.Create(path, key, 0o600)
}

// Signer is a witness key loaded for cosigning. Close forgets it.
type Signer struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
}

var errKeyFile = errors.New("not a witness key file (PRIVATE+KEY+<name>+<hash>+<key>)")

// LoadSigner reads a witness key file. The key is kept in a byte slice
// that Close zeroes, never in a string.
func LoadSigner(path string) (*Signer, error) {
	raw, err := durable.ReadFile(path, 4096)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	// The name holds no '+'; the base64 key may.
	parts := bytes.SplitN(bytes.TrimSpace(raw), []byte("+"), 5)
	if len(parts) != 5 || string(parts[0]) != "PRIVATE" || string(parts[1]) != "KEY" || len(parts[3]) != 8 {
		return nil, errKeyFile
	}
	hash, err := strconv.ParseUint(string(parts[3]), 16, 32)
	if err != nil {
		return nil, errKeyFile
	}
	key := make([]byte, base64.StdEncoding.DecodedLen(len(parts[4])))
	defer clear(key)
	n, err := base64.StdEncoding.Decode(key, parts[4])
	if err != nil || n != 1+ed25519.SeedSize || key[0] != 1 {
		return nil, errKeyFile
	}
	s := &Signer{name: string(parts[2]), hash: uint32(hash), priv: ed25519.NewKeyFromSeed(key[1:n])}
	if s.hash != keyHash(s.name, s.priv.Public().(ed25519.PublicKey)) {
		s.Close()
		return nil, fmt.Errorf("%s: the key hash does not match the key", path)
	}
	return s, nil
}

// keyHash is the note package's key hash: the first four bytes of
// SHA-256(name + "\n" + 0x01 + public key).
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n\x01"))
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func (s *Signer) Name() string    { return s.name }
func (s *Signer) KeyHash() uint32 { return s.hash }
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	if s.priv == nil {
		return nil, errors.New("witness key is closed")
	}
	return ed25519.Sign(s.priv, msg), nil
}

// Close zeroes the private key.
func (s *Signer) Close() {
	clear(s.priv)
	s.priv = nil
}

// ErrNotComplete is returned by Cosign for a bundle that does not verify
// as complete: a witness signs only a finished, valid record.
var ErrNotComplete = errors.New("the bundle is not a complete, valid ceremony")

// Cosign verifies the bundle in dir and adds signer's signature to its
// checkpoint file. The file is replaced atomically; every signature on it
// stays. Cosigning twice with the same key changes nothing.
func Cosign(dir string, signer note.Signer) (*transcript.Report, error) {
	rep, n, err := openFinal(dir)
	if err != nil {
		return rep, err
	}
	if signer.Name() == transcript.Origin(rep.ID) {
		return rep, fmt.Errorf("a witness key may not be named %s, the name of the ceremony's session keys", signer.Name())
	}
	for _, sig := range append(n.Sigs, n.UnverifiedSigs...) {
		if sig.Name == signer.Name() && sig.Hash == signer.KeyHash() {
			return rep, nil // already cosigned
		}
	}
	out, err := note.Sign(n, signer)
	if err != nil {
		return rep, err
	}
	if err := transcript.ReplaceCheckpoint(dir, out); err != nil {
		return rep, err
	}
	return transcript.Verify(dir, transcript.VerifyOptions{})
}

func sessionVerifiers(rep *transcript.Report) note.Verifiers {
	var vs []note.Verifier
	for _, k := range rep.SessionKeys {
		if v, err := note.NewVerifier(k.Key); err == nil {
			vs = append(vs, v)
		}
	}
	return note.VerifierList(vs...)
}

// Result says which witnesses of a roster cosigned a bundle's final
// checkpoint.
type Result struct {
	Quorum   int      `json:"quorum"`
	Cosigned []string `json:"cosigned"` // roster ids
	Missing  []string `json:"missing"`
	// FromBundle is set when the roster came from the bundle's own
	// configuration rather than from the auditor: it binds the bundle to
	// the room only as far as the auditor trusts those keys.
	FromBundle bool `json:"from_bundle,omitempty"`
}

// Met reports whether enough witnesses cosigned.
func (r *Result) Met() bool { return len(r.Cosigned) >= r.Quorum }

// QuorumError: fewer witnesses cosigned than the policy needs.
type QuorumError struct{ Have, Need int }

func (e *QuorumError) Error() string {
	return fmt.Sprintf("%d of the roster's witnesses cosigned the final checkpoint; the policy needs %d", e.Have, e.Need)
}

// Check verifies the bundle in dir with the roster's keys and says who
// cosigned its final checkpoint. The error is Verify's, or a *QuorumError
// when the bundle is valid but too few witnesses cosigned.
func Check(dir string, ro *Roster, quorum int) (*transcript.Report, *Result, error) {
	rep, err := transcript.Verify(dir, transcript.VerifyOptions{Cosigners: ro.Verifiers()})
	if rep == nil {
		return nil, nil, err
	}
	res := &Result{Quorum: quorum}
	signed := map[string]bool{}
	if rep.Final != nil {
		for _, s := range rep.Final.Signers {
			signed[s.Name+"+"+s.KeyHash] = true
		}
	}
	for _, p := range ro.Participants {
		if signed[fmt.Sprintf("%s+%08x", p.Verifier.Name(), p.Verifier.KeyHash())] {
			res.Cosigned = append(res.Cosigned, p.ID)
		} else {
			res.Missing = append(res.Missing, p.ID)
		}
	}
	if err != nil {
		return rep, res, err
	}
	if !res.Met() {
		return rep, res, &QuorumError{Have: len(res.Cosigned), Need: quorum}
	}
	return rep, res, nil
}
