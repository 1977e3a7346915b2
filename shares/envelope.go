package shares

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
)

const (
	envelopeMagic = "ceremony-envelope1"
	envelopeInfo  = "ceremony-shares-v1 envelope"
	// MaxEnvelope bounds what ParseEnvelope reads; an envelope of the
	// largest share is under 1 KiB.
	MaxEnvelope = 4096
)

// Envelope is one share sealed to one holder's device key: nothing to copy
// and nothing on a screen. Its header is public and authenticated; only the
// device that holds the recipient key opens it.
type Envelope struct {
	SetID       string
	Label       string
	Index, M, N int
	Holder      string // the holder's roster id
	Fingerprint string // of the sealed share, as the record publishes it
	// Card names the device that holds the recipient key (a YubiKey's
	// serial), so that the room can ask for the right one.
	Card      string
	Recipient *ecdh.PublicKey // P-256
	ephemeral *ecdh.PublicKey
	sealed    []byte
}

// EnvelopeError reports an envelope that cannot be read or opened, or whose
// contents disagree with its header.
type EnvelopeError struct{ Reason string }

func (e *EnvelopeError) Error() string { return "envelope: " + e.Reason }

// Seal encrypts s to the P-256 key to, held by holder's device card.
func Seal(s *Share, rec *Record, holder, card string, to *ecdh.PublicKey) (*Envelope, error) {
	if err := rec.Check(s); err != nil {
		return nil, err
	}
	if to.Curve() != ecdh.P256() {
		return nil, &EnvelopeError{Reason: "the recipient key is not on P-256"}
	}
	e := &Envelope{SetID: rec.SetID, Label: rec.Label, Index: s.index, M: s.m, N: s.n, Holder: holder,
		Fingerprint: s.Fingerprint(), Card: card, Recipient: to}
	if err := e.checkHeader(); err != nil {
		return nil, err
	}
	eph, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	e.ephemeral = eph.PublicKey()
	shared, err := eph.ECDH(to)
	if err != nil {
		return nil, &EnvelopeError{Reason: err.Error()}
	}
	defer clear(shared)
	aead, nonce, err := e.aead(shared)
	if err != nil {
		return nil, err
	}
	plain := s.encode()
	defer clear(plain)
	e.sealed = aead.Seal(nil, nonce, plain, e.header())
	return e, nil
}

// aead derives the envelope's key and nonce from the shared secret. The
// ephemeral key is new for every envelope, so each key seals one message.
func (e *Envelope) aead(shared []byte) (cipher.AEAD, []byte, error) {
	salt := append(e.ephemeral.Bytes(), e.Recipient.Bytes()...)
	okm, err := hkdf.Key(sha256.New, shared, salt, envelopeInfo, 32+12)
	if err != nil {
		return nil, nil, err
	}
	defer clear(okm)
	block, err := aes.NewCipher(okm[:32])
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return aead, append([]byte(nil), okm[32:]...), nil
}

// Open decrypts the envelope with agree, which computes the ECDH secret of
// the recipient key and the envelope's ephemeral key (on the holder's
// device), and returns the share after checking that it is the one the
// header names. The caller zeroes it.
func (e *Envelope) Open(agree func(ephemeral *ecdh.PublicKey) ([]byte, error)) (*Share, error) {
	shared, err := agree(e.ephemeral)
	if err != nil {
		return nil, err
	}
	defer clear(shared)
	aead, nonce, err := e.aead(shared)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nonce, e.sealed, e.header())
	if err != nil {
		return nil, &EnvelopeError{Reason: "it does not open with this key: it was sealed to another key, or altered"}
	}
	defer clear(plain)
	s, err := decodeBytes(plain)
	if err != nil {
		return nil, &EnvelopeError{Reason: "the sealed share is malformed: " + err.Error()}
	}
	if s.SetID() != e.SetID || s.index != e.Index || s.m != e.M || s.n != e.N || s.Fingerprint() != e.Fingerprint {
		s.Zero()
		return nil, &EnvelopeError{Reason: "the sealed share is not the one its header names"}
	}
	return s, nil
}

// CheckEnvelope holds an envelope's header to the record of its set: the
// set, threshold and the fingerprint published for its index. It says
// nothing of the sealed share, which only its device opens.
func (r *Record) CheckEnvelope(e *Envelope) error {
	switch {
	case e.SetID != r.SetID:
		return &ForeignSetError{Got: e.SetID, Want: r.SetID}
	case e.M != r.M || e.N != r.N:
		return &ThresholdError{GotM: e.M, GotN: e.N, WantM: r.M, WantN: r.N}
	case e.Index < 1 || e.Index > len(r.Fingerprints) || r.Fingerprints[e.Index-1] != e.Fingerprint:
		return &FingerprintError{Index: e.Index}
	}
	return nil
}

// EnvelopesOf picks, from envelopes of any splits (a bundle may hold
// several, or those of a split made void), the ones of rec's split, by
// holder. Each must agree with rec, no holder may have two, and there must
// be some.
func EnvelopesOf(rec *Record, envs []*Envelope) (map[string]*Envelope, error) {
	out := map[string]*Envelope{}
	for _, e := range envs {
		if e.SetID != rec.SetID {
			continue
		}
		if err := rec.CheckEnvelope(e); err != nil {
			return nil, fmt.Errorf("%v: %w", e, err)
		}
		if _, dup := out[e.Holder]; dup {
			return nil, &EnvelopeError{Reason: "two envelopes for " + e.Holder}
		}
		out[e.Holder] = e
	}
	if len(out) == 0 {
		return nil, &EnvelopeError{Reason: fmt.Sprintf("none of the %d envelopes given is of the split of set %s", len(envs), rec.SetID)}
	}
	return out, nil
}

// header is the authenticated part of the envelope's text, up to and
// including the blank line.
func (e *Envelope) header() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nset %s\nlabel %s\nshare %d of %d, threshold %d\nholder %s\nfingerprint %s\ncard %s\nrecipient %s\nephemeral %s\n\n",
		envelopeMagic, e.SetID, e.Label, e.Index, e.N, e.M, e.Holder, e.Fingerprint, e.Card,
		base64.StdEncoding.EncodeToString(e.Recipient.Bytes()), base64.StdEncoding.EncodeToString(e.ephemeral.Bytes()))
	return b.Bytes()
}

// Marshal returns the envelope's text form (see the package documentation).
func (e *Envelope) Marshal() []byte {
	return append(e.header(), base64.StdEncoding.EncodeToString(e.sealed)+"\n"...)
}

// String names the envelope by its public header.
func (e *Envelope) String() string {
	return fmt.Sprintf("envelope of share %d of set %s for %s (card %s)", e.Index, e.SetID, e.Holder, e.Card)
}

func (e *Envelope) checkHeader() error {
	text := func(s string) bool {
		for _, r := range s {
			if !unicode.IsPrint(r) {
				return false
			}
		}
		return s != ""
	}
	token := func(s string) bool { return text(s) && !strings.ContainsRune(s, ' ') && len(s) <= 64 }
	switch {
	case len(e.SetID) != 2*setIDLen || strings.Trim(e.SetID, "0123456789abcdef") != "":
		return &EnvelopeError{Reason: "the set id is 12 lowercase hex digits"}
	case !text(e.Label) || len(e.Label) > 200:
		return &EnvelopeError{Reason: "the label is printable text on one line"}
	case e.M < 2 || e.M > e.N || e.N > 255 || e.Index < 1 || e.Index > e.N:
		return &EnvelopeError{Reason: fmt.Sprintf("share %d of %d, threshold %d, is impossible", e.Index, e.N, e.M)}
	case !token(e.Holder) || !token(e.Card):
		return &EnvelopeError{Reason: "the holder and the card are one word each"}
	case len(e.Fingerprint) != 16 || strings.Trim(e.Fingerprint, "0123456789abcdef") != "":
		return &EnvelopeError{Reason: "the fingerprint is 16 lowercase hex digits"}
	}
	return nil
}

// ParseEnvelope reads an envelope's text form strictly: every line in its
// place, nothing before or after.
func ParseEnvelope(b []byte) (*Envelope, error) {
	if len(b) > MaxEnvelope {
		return nil, &EnvelopeError{Reason: fmt.Sprintf("more than %d bytes", MaxEnvelope)}
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) != 12 || lines[11] != "" || lines[9] != "" {
		return nil, &EnvelopeError{Reason: "an envelope has nine header lines, a blank line and the sealed share, each ending in a newline"}
	}
	if lines[0] != envelopeMagic {
		return nil, &EnvelopeError{Reason: "the first line is " + envelopeMagic}
	}
	keys := []string{"set", "label", "share", "holder", "fingerprint", "card", "recipient", "ephemeral"}
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, ok := strings.CutPrefix(lines[i+1], k+" ")
		if !ok {
			return nil, &EnvelopeError{Reason: fmt.Sprintf("line %d is %q followed by a space and its value", i+2, k)}
		}
		vals[i] = v
	}
	e := &Envelope{SetID: vals[0], Label: vals[1], Holder: vals[3], Fingerprint: vals[4], Card: vals[5]}
	if n, _ := fmt.Sscanf(vals[2], "%d of %d, threshold %d", &e.Index, &e.N, &e.M); n != 3 ||
		vals[2] != fmt.Sprintf("%d of %d, threshold %d", e.Index, e.N, e.M) {
		return nil, &EnvelopeError{Reason: "line 4 is share I of N, threshold M"}
	}
	if err := e.checkHeader(); err != nil {
		return nil, err
	}
	var err error
	if e.Recipient, err = point(vals[6]); err != nil {
		return nil, &EnvelopeError{Reason: "recipient: " + err.Error()}
	}
	if e.ephemeral, err = point(vals[7]); err != nil {
		return nil, &EnvelopeError{Reason: "ephemeral: " + err.Error()}
	}
	if e.sealed, err = base64.StdEncoding.Strict().DecodeString(lines[10]); err != nil || len(e.sealed) < minSecret+overhead+16 {
		return nil, &EnvelopeError{Reason: "the last line is the sealed share in base64"}
	}
	if !bytes.Equal(e.Marshal(), b) {
		return nil, &EnvelopeError{Reason: "not in its canonical form"}
	}
	return e, nil
}

// point reads an uncompressed P-256 point in base64.
func point(s string) (*ecdh.PublicKey, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64")
	}
	k, err := ecdh.P256().NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("not an uncompressed P-256 point")
	}
	return k, nil
}
