package shares

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"unicode"

	"github.com/hashicorp/vault/shamir"
)

// DefaultSecretBytes is the size of the secrets Split generates.
const DefaultSecretBytes = 32

// Record is the public record of a split: everything a room needs to check
// shares and the combined secret, and nothing from which the secret or a
// share follows. It belongs in the transcript of the ceremony that split.
type Record struct {
	Format      int    `json:"format"`
	SetID       string `json:"set_id"`
	Label       string `json:"label"`
	M           int    `json:"m"`
	N           int    `json:"n"`
	SecretBytes int    `json:"secret_bytes"`
	// Commitment is HMAC-SHA-256 keyed with the set's salt over the secret,
	// in hex; see the package documentation.
	Commitment string `json:"commitment"`
	// Fingerprints[i] is the fingerprint of share i+1.
	Fingerprints []string `json:"fingerprints"`
}

// ParamError reports arguments a split cannot use.
type ParamError struct {
	Reason string
}

func (e *ParamError) Error() string { return "cannot split: " + e.Reason }

// Split generates a DefaultSecretBytes secret from crypto/rand and splits it
// into n shares, any m of which recover it. The caller zeroes the secret and
// the shares when done.
func Split(label string, m, n int) (secret []byte, rec *Record, set []*Share, err error) {
	secret = make([]byte, DefaultSecretBytes)
	if _, err := io.ReadFull(rand.Reader, secret); err != nil {
		return nil, nil, nil, fmt.Errorf("reading randomness: %w", err)
	}
	rec, set, err = SplitSecret(secret, label, m, n)
	if err != nil {
		clear(secret)
		return nil, nil, nil, err
	}
	return secret, rec, set, nil
}

// SplitSecret splits a secret of minSecret to maxSecret bytes (16 to 128)
// into n shares, any m of which recover it. The secret is not modified.
func SplitSecret(secret []byte, label string, m, n int) (*Record, []*Share, error) {
	if err := checkParams(len(secret), label, m, n); err != nil {
		return nil, nil, err
	}
	var id [setIDLen]byte
	if _, err := io.ReadFull(rand.Reader, id[:]); err != nil {
		return nil, nil, fmt.Errorf("reading randomness: %w", err)
	}
	parts, err := shamir.Split(secret, n, m)
	if err != nil {
		return nil, nil, fmt.Errorf("splitting: %w", err)
	}
	rec := &Record{
		Format:      version,
		SetID:       hex.EncodeToString(id[:]),
		Label:       label,
		M:           m,
		N:           n,
		SecretBytes: len(secret),
		Commitment:  hex.EncodeToString(commitment(id, secret)),
	}
	set := make([]*Share, n)
	for i, p := range parts {
		set[i] = &Share{setID: id, m: m, n: n, index: i + 1, payload: p, label: label}
		rec.Fingerprints = append(rec.Fingerprints, set[i].Fingerprint())
	}
	return rec, set, nil
}

func checkParams(secretLen int, label string, m, n int) error {
	switch {
	case secretLen < minSecret || secretLen > maxSecret:
		return &ParamError{Reason: fmt.Sprintf("a secret has %d to %d bytes, not %d", minSecret, maxSecret, secretLen)}
	case m < 2:
		return &ParamError{Reason: fmt.Sprintf("the threshold is at least 2, not %d", m)}
	case n < m:
		return &ParamError{Reason: fmt.Sprintf("%d shares cannot meet a threshold of %d", n, m)}
	case n > 255:
		return &ParamError{Reason: fmt.Sprintf("at most 255 shares, not %d", n)}
	case label == "" || len(label) > 200:
		return &ParamError{Reason: "a label has 1 to 200 bytes"}
	}
	for _, r := range label {
		if !unicode.IsPrint(r) {
			return &ParamError{Reason: "a label is printable text on one line"}
		}
	}
	return nil
}

// commitment is HMAC-SHA-256 with the set's salt as key and the secret as
// message: HKDF-Extract(salt, secret) in the words of RFC 5869.
func commitment(id [setIDLen]byte, secret []byte) []byte {
	mac := hmac.New(sha256.New, append([]byte("ceremony-shares-v1 commitment\x00"), id[:]...))
	mac.Write(secret)
	return mac.Sum(nil)
}

// Matches reports whether secret is the one the record commits to.
func (r *Record) Matches(secret []byte) bool {
	id, err := r.setID()
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(r.Commitment)
	if err != nil {
		return false
	}
	return hmac.Equal(commitment(id, secret), want)
}

func (r *Record) setID() ([setIDLen]byte, error) {
	var id [setIDLen]byte
	b, err := hex.DecodeString(r.SetID)
	if err != nil || len(b) != setIDLen {
		return id, &FormatError{Reason: fmt.Sprintf("a set id is %d hex digits", 2*setIDLen)}
	}
	copy(id[:], b)
	return id, nil
}

// ParseRecord reads a record written as JSON and checks that it is whole.
func ParseRecord(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, &FormatError{Reason: "a record is JSON: " + err.Error()}
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Record) validate() error {
	if r.Format != version {
		return &FormatError{Reason: fmt.Sprintf("record format %d is not known", r.Format)}
	}
	if _, err := r.setID(); err != nil {
		return err
	}
	if err := checkParams(r.SecretBytes, r.Label, r.M, r.N); err != nil {
		return &FormatError{Reason: "the record's parameters: " + err.Error()}
	}
	if c, err := hex.DecodeString(r.Commitment); err != nil || len(c) != sha256.Size {
		return &FormatError{Reason: "a commitment is 64 hex digits"}
	}
	if len(r.Fingerprints) != r.N {
		return &FormatError{Reason: fmt.Sprintf("the record lists %d fingerprints for %d shares", len(r.Fingerprints), r.N)}
	}
	return nil
}

// ForeignSetError reports a share from another split.
type ForeignSetError struct {
	Want, Got string // set ids
}

func (e *ForeignSetError) Error() string {
	return fmt.Sprintf("the share belongs to set %s, not to set %s: it is from another split", e.Got, e.Want)
}

// ThresholdError reports a share whose m or n disagrees with its set.
type ThresholdError struct {
	WantM, WantN int
	GotM, GotN   int
}

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("the share says %d of %d, but its set is %d of %d", e.GotM, e.GotN, e.WantM, e.WantN)
}

// FingerprintError reports a share that passes its own checks but is not the
// share published at the split under its index.
type FingerprintError struct {
	Index int
}

func (e *FingerprintError) Error() string {
	return fmt.Sprintf("share %d does not match the fingerprint recorded at the split", e.Index)
}

// Check verifies one share against the record without any other share: the
// holder's self-check. It returns a *ForeignSetError, *ThresholdError,
// *LengthError or *FingerprintError.
func (r *Record) Check(s *Share) error {
	if got := s.SetID(); got != r.SetID {
		return &ForeignSetError{Want: r.SetID, Got: got}
	}
	if s.m != r.M || s.n != r.N {
		return &ThresholdError{WantM: r.M, WantN: r.N, GotM: s.m, GotN: s.n}
	}
	if len(s.payload)-1 != r.SecretBytes {
		return &LengthError{Have: len(s.payload) - 1 + overhead, Want: WordsPerShare(r)}
	}
	if s.index > len(r.Fingerprints) || !hmac.Equal([]byte(s.Fingerprint()), []byte(r.Fingerprints[s.index-1])) {
		return &FingerprintError{Index: s.index}
	}
	return nil
}
