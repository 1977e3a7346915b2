package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/pgpwords"
)

// Digest is the SHA-256 of an input in the two forms a person reads aloud:
// lowercase hex and PGP words.
type Digest struct {
	Hex   string
	Words []string
}

// DigestOf hashes b.
func DigestOf(b []byte) Digest {
	sum := sha256.Sum256(b)
	return Digest{Hex: hex.EncodeToString(sum[:]), Words: pgpwords.Encode(sum[:])}
}

// ErrUnreadable is returned for a read-back that is neither the whole hash in
// hex nor the whole hash in PGP words, such as a bare "yes": it is not a
// comparison at all, so it is asked again rather than counted as a mismatch.
var ErrUnreadable = errors.New("the read-back is neither the hash in hex nor in PGP words")

// MismatchError is a read-back that is a well-formed hash, but not this one.
type MismatchError struct {
	At    int  // first differing hex digit or word, from 0
	Words bool // the read-back was in words
}

func (e *MismatchError) Error() string {
	if e.Words {
		return fmt.Sprintf("the read-back differs from the hash at word %d", e.At+1)
	}
	return fmt.Sprintf("the read-back differs from the hash at hex digit %d", e.At+1)
}

// Compare checks what the remote party read back, in hex (spaces and case
// ignored) or in PGP words. It returns -1 and nil on a match, the index of the
// first difference and a *MismatchError on a mismatch, and ErrUnreadable
// (wrapped, with the reason) when the read-back is not a whole hash.
func (d Digest) Compare(readBack string) (int, error) {
	fields := strings.Fields(strings.ToLower(readBack))
	compact := strings.Join(fields, "")
	if isHex(compact) {
		if len(compact) != len(d.Hex) {
			return -1, fmt.Errorf("%w: %d of %d hex digits", ErrUnreadable, len(compact), len(d.Hex))
		}
		for i := range compact {
			if compact[i] != d.Hex[i] {
				return i, &MismatchError{At: i}
			}
		}
		return -1, nil
	}
	if len(fields) != len(d.Words) {
		return -1, fmt.Errorf("%w: %d of %d words", ErrUnreadable, len(fields), len(d.Words))
	}
	for i, f := range fields {
		if _, _, ok := pgpwords.Lookup(f); !ok {
			return -1, fmt.Errorf("%w: word %d is not a PGP word", ErrUnreadable, i+1)
		}
	}
	for i, f := range fields {
		if !strings.EqualFold(f, d.Words[i]) {
			return i, &MismatchError{At: i, Words: true}
		}
	}
	return -1, nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
