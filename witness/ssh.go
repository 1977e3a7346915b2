package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/mod/sumdb/note"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/sshsig"
	"github.com/ceremony-dev/ceremony/transcript"
)

// CosignNamespace is the SSHSIG namespace of a witness's SSH cosignature:
//
//	ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n ceremony-checkpoint checkpoint.txt
const CosignNamespace = "ceremony-checkpoint"

// A witness may cosign with the SSH key they already have (on disk, in an
// agent, on a security key) instead of a witness key. Their roster line is
// "<id> <authorized_keys line>". Their signature is an SSHSIG over the
// checkpoint note's text, made with stock OpenSSH tools; it is kept on the
// checkpoint as a note signature named "ssh/<id>", whose bytes are the key
// hash and the SSHSIG blob, so the note's text and every other signature
// stay as they are.

// sshVerifier checks a witness's SSH cosignature on a checkpoint note.
type sshVerifier struct {
	name string
	key  ssh.PublicKey
	hash uint32
}

func newSSHVerifier(id string, key ssh.PublicKey) *sshVerifier {
	name := "ssh/" + id
	h := sha256.New()
	h.Write([]byte(name + "\nssh\n"))
	h.Write(key.Marshal())
	return &sshVerifier{name: name, key: key, hash: binary.BigEndian.Uint32(h.Sum(nil))}
}

func (v *sshVerifier) Name() string    { return v.name }
func (v *sshVerifier) KeyHash() uint32 { return v.hash }
func (v *sshVerifier) Verify(msg, sig []byte) bool {
	s, err := sshsig.ParseBlob(sig)
	return err == nil && bytes.Equal(s.PublicKey.Marshal(), v.key.Marshal()) && s.Verify(CosignNamespace, msg) == nil
}

// sshCosigner puts a signature made elsewhere on a note, as the note
// package adds signatures: it signs only the text it was made for.
type sshCosigner struct {
	*sshVerifier
	text, blob []byte
}

func (s *sshCosigner) Sign(msg []byte) ([]byte, error) {
	if !bytes.Equal(msg, s.text) {
		return nil, errors.New("the SSH signature was made over another checkpoint")
	}
	return s.blob, nil
}

// parseSSHKey reads the key of an SSH roster line: "ssh-ed25519 AAAA... comment".
func parseSSHKey(line string) (ssh.PublicKey, bool) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, false
	}
	if _, isCert := pub.(*ssh.Certificate); isCert {
		return nil, false
	}
	return pub, true
}

// CheckpointText is the text of a complete bundle's final checkpoint: what
// a witness signs, with ssh-keygen -Y sign or a witness key.
func CheckpointText(dir string) (*transcript.Report, []byte, error) {
	rep, n, err := openFinal(dir)
	if err != nil {
		return rep, nil, err
	}
	return rep, []byte(n.Text), nil
}

// openFinal verifies a complete bundle and opens its checkpoint file.
func openFinal(dir string) (*transcript.Report, *note.Note, error) {
	rep, err := transcript.Verify(dir, transcript.VerifyOptions{})
	if rep == nil {
		return nil, nil, err
	}
	if rep.Verdict != transcript.Complete || !rep.Bundle {
		return rep, nil, fmt.Errorf("%w: %s: %v", ErrNotComplete, rep.Verdict, err)
	}
	msg, err := durable.ReadFile(filepath.Join(dir, transcript.CheckpointFile), 1<<16)
	if err != nil {
		return rep, nil, err
	}
	// Verify read the same file; open it again only to keep its signatures.
	n, err := note.Open(msg, sessionVerifiers(rep))
	if err != nil {
		return rep, nil, fmt.Errorf("checkpoint: %w", err)
	}
	return rep, n, nil
}

// CosignSSH adds the SSH signature armoured (from ssh-keygen -Y sign over
// the checkpoint's text, namespace CosignNamespace) of the witness id,
// whose roster key is key, to the bundle's checkpoint file. A signature by
// another key, over another checkpoint or in another namespace is refused.
func CosignSSH(dir, id string, key ssh.PublicKey, armoured []byte) (*transcript.Report, error) {
	rep, n, err := openFinal(dir)
	if err != nil {
		return rep, err
	}
	sig, err := sshsig.Parse(armoured)
	if err != nil {
		return rep, err
	}
	if !bytes.Equal(sig.PublicKey.Marshal(), key.Marshal()) {
		return rep, fmt.Errorf("the signature is by key %s, not %s's %s", ssh.FingerprintSHA256(sig.PublicKey), id, ssh.FingerprintSHA256(key))
	}
	if err := sig.Verify(CosignNamespace, []byte(n.Text)); err != nil {
		return rep, fmt.Errorf("the signature is not over this bundle's final checkpoint: %w", err)
	}
	v := newSSHVerifier(id, key)
	for _, s := range append(n.Sigs, n.UnverifiedSigs...) {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return rep, nil // already cosigned
		}
	}
	out, err := note.Sign(n, &sshCosigner{sshVerifier: v, text: []byte(n.Text), blob: sig.Blob()})
	if err != nil {
		return rep, err
	}
	if err := transcript.ReplaceCheckpoint(dir, out); err != nil {
		return rep, err
	}
	return transcript.Verify(dir, transcript.VerifyOptions{Cosigners: []note.Verifier{v}})
}

// isSSHLine reports a roster key written as an SSH public key.
func isSSHLine(fields []string) bool {
	return len(fields) >= 2 && (strings.HasPrefix(fields[0], "ssh-") || strings.HasPrefix(fields[0], "ecdsa-") || strings.HasPrefix(fields[0], "sk-"))
}
