package shares

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/pgpwords"
)

const (
	version   = 1
	setIDLen  = 6
	headerLen = 1 + setIDLen + 4 // version, set id, m, n, index, secret length
	// overhead is what a share adds to its secret: the header, the x
	// coordinate that ends the Shamir part, and the check bytes.
	overhead = headerLen + 1 + checkLen

	minSecret = 16
	maxSecret = 128

	linePrefix = "ceremony-share1:"
)

// Share is one holder's part of a split secret. Its payload is secret: a
// Share prints as its set and index only, and Zero wipes it.
type Share struct {
	setID [setIDLen]byte
	m, n  int
	index int
	// payload is the Shamir part: one byte per secret byte, then the x
	// coordinate.
	payload []byte
	label   string // known for shares made by a split, empty for decoded ones
}

// SetID returns the set id in hex.
func (s *Share) SetID() string { return hex.EncodeToString(s.setID[:]) }

// M returns the threshold, N the count, Index this share's number (1..N).
func (s *Share) M() int     { return s.m }
func (s *Share) N() int     { return s.n }
func (s *Share) Index() int { return s.index }

// String names the share without anything secret, so a share that reaches a
// log by accident leaks nothing.
func (s *Share) String() string {
	return fmt.Sprintf("share %d of set %s", s.index, s.SetID())
}

// GoString keeps %#v from printing the payload.
func (s *Share) GoString() string { return s.String() }

// encode returns the share's bytes; the caller zeroes them.
func (s *Share) encode() []byte {
	b := make([]byte, 0, headerLen+len(s.payload)+checkLen)
	b = append(b, version)
	b = append(b, s.setID[:]...)
	b = append(b, byte(s.m), byte(s.n), byte(s.index), byte(len(s.payload)-1))
	b = append(b, s.payload...)
	p := parity(b)
	return append(b, p[:]...)
}

// Words returns the share as PGP words, the form printed on its sheet and
// typed back at a ceremony. Go strings cannot be wiped: callers keep the
// words no longer than they must.
func (s *Share) Words() []string {
	b := s.encode()
	defer clear(b)
	return pgpwords.Encode(b)
}

// Line returns the compact one-line form used in files:
// "ceremony-share1:" followed by the share's bytes in lowercase hex.
func (s *Share) Line() string {
	b := s.encode()
	defer clear(b)
	return linePrefix + hex.EncodeToString(b)
}

// Fingerprint names the share without revealing it: the first 8 bytes of
// SHA-256 over a domain prefix and the share's bytes, in hex. The record of
// a split publishes each share's fingerprint.
func (s *Share) Fingerprint() string {
	b := s.encode()
	defer clear(b)
	return fingerprint(b)
}

func fingerprint(b []byte) string {
	h := sha256.New()
	h.Write([]byte("ceremony-shares-v1 fingerprint\x00"))
	h.Write(b)
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:8])
}

// Zero wipes the share's payload. The share is unusable afterwards.
func (s *Share) Zero() {
	if s != nil {
		clear(s.payload)
	}
}

// WordsPerShare returns how many words each share of the set has.
func WordsPerShare(rec *Record) int { return rec.SecretBytes + overhead }

// Word checks the letters typed at position pos (0-based) of a share: they
// must spell a word of the PGP word list, of the column pos takes. It
// returns the list's word, so that the typed letters need not be kept, or a
// *pgpwords.UnknownWordError, whose Nearest field holds suggestions for the
// person typing, or a *pgpwords.ColumnError.
func Word(pos int, typed []byte) (string, error) {
	w, _, err := pgpwords.Typed(pos, typed)
	return w, err
}

// Complete returns the words that may be typed at position pos and begin
// with the typed prefix.
func Complete(pos int, prefix []byte) []string {
	return pgpwords.Complete(pos, prefix)
}

// ErrEmpty is returned when a share has no words at all.
var ErrEmpty = errors.New("the share is empty")

// LengthError reports a share with too few or too many words.
type LengthError struct {
	Have, Want int  // words
	AtLeast    bool // too short to tell the length: Want is the least a share has
	// LengthWord is the 1-based position of the word that gives the
	// length, when the check words do not match: that word may itself be
	// the mistyped one.
	LengthWord int
}

func (e *LengthError) Error() string {
	if e.LengthWord > 0 {
		return fmt.Sprintf("the share has %d words where its word %d says %d: a word is missing or doubled, or word %d itself is mistyped", e.Have, e.LengthWord, e.Want, e.LengthWord)
	}
	if e.AtLeast {
		return fmt.Sprintf("the share is truncated: it has %d words, a share has at least %d", e.Have, e.Want)
	}
	if e.Have < e.Want {
		return fmt.Sprintf("the share is truncated: it has %d words, a share of its set has %d", e.Have, e.Want)
	}
	return fmt.Sprintf("the share has %d words, a share of its set has %d: words are doubled or extra", e.Have, e.Want)
}

// ChecksumError reports words that are each valid but do not form a share:
// at least one was mistyped.
type ChecksumError struct{}

func (*ChecksumError) Error() string {
	return "the share's check words do not match: a word is wrong somewhere; compare every word with the sheet"
}

// FormatError reports a share whose check words match but whose contents are
// not a share of this format version.
type FormatError struct {
	Reason string
}

func (e *FormatError) Error() string { return "not a valid share: " + e.Reason }

// Decode parses a share from its words, checking every word's spelling and
// column, the length, and the check words. Errors are *pgpwords.UnknownWordError,
// *pgpwords.ColumnError, *LengthError, *ChecksumError, *FormatError or ErrEmpty;
// none of them contains share material.
func Decode(words []string) (*Share, error) {
	if len(words) == 0 {
		return nil, ErrEmpty
	}
	b, err := pgpwords.Decode(words)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return decodeBytes(b)
}

// ParseLine parses the compact one-line form written by Line.
func ParseLine(line string) (*Share, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, ErrEmpty
	}
	rest, ok := strings.CutPrefix(line, linePrefix)
	if !ok {
		return nil, &FormatError{Reason: "a share line begins with " + linePrefix}
	}
	b, err := hex.DecodeString(rest)
	if err != nil {
		return nil, &FormatError{Reason: "a share line is hexadecimal after its prefix"}
	}
	defer clear(b)
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	return decodeBytes(b)
}

func decodeBytes(b []byte) (*Share, error) {
	want := -1
	if len(b) > headerLen-1 {
		want = int(b[headerLen-1]) + overhead
	}
	if len(b) <= checkLen || !checkMatches(b) {
		// The length byte cannot be trusted when the check fails, but a
		// count that disagrees with it is most often a missing or extra word.
		switch {
		case want < 0:
			return nil, &LengthError{Have: len(b), Want: minSecret + overhead, AtLeast: true}
		case len(b) != want:
			return nil, &LengthError{Have: len(b), Want: want, LengthWord: headerLen}
		}
		return nil, &ChecksumError{}
	}
	if b[0] != version {
		return nil, &FormatError{Reason: fmt.Sprintf("format version %d is not known", b[0])}
	}
	if len(b) != want {
		return nil, &LengthError{Have: len(b), Want: want}
	}
	s := &Share{m: int(b[7]), n: int(b[8]), index: int(b[9])}
	copy(s.setID[:], b[1:1+setIDLen])
	secretLen := int(b[10])
	switch {
	case s.m < 2 || s.m > s.n:
		return nil, &FormatError{Reason: fmt.Sprintf("threshold %d of %d is impossible", s.m, s.n)}
	case s.index < 1 || s.index > s.n:
		return nil, &FormatError{Reason: fmt.Sprintf("index %d is outside 1..%d", s.index, s.n)}
	case secretLen < minSecret || secretLen > maxSecret:
		return nil, &FormatError{Reason: fmt.Sprintf("a %d-byte secret is outside %d..%d", secretLen, minSecret, maxSecret)}
	case b[len(b)-checkLen-1] == 0:
		// x = 0 would make the part the secret itself.
		return nil, &FormatError{Reason: "the part's x coordinate is zero"}
	}
	s.payload = make([]byte, secretLen+1)
	copy(s.payload, b[headerLen:len(b)-checkLen])
	return s, nil
}

func checkMatches(b []byte) bool {
	p := parity(b[:len(b)-checkLen])
	return subtle.ConstantTimeCompare(p[:], b[len(b)-checkLen:]) == 1
}
