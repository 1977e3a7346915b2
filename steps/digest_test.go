package steps_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/steps"
)

func TestCompareReadBack(t *testing.T) {
	d := steps.DigestOf([]byte("ksr"))
	words := strings.Join(d.Words, " ")
	wrongWord := append([]string(nil), d.Words...)
	wrongWord[5] = d.Words[7] // a real word of the list, in the wrong place
	wrongHex := []byte(d.Hex)
	wrongHex[10] ^= 1
	for _, tc := range []struct {
		name     string
		readBack string
		at       int
		mismatch bool
		unread   bool
	}{
		{"hex", d.Hex, -1, false, false},
		{"hex grouped and upper case", strings.ToUpper(d.Hex[:4] + " " + d.Hex[4:]), -1, false, false},
		{"words", words, -1, false, false},
		{"words in capitals", strings.ToUpper(words), -1, false, false},
		{"a different hex digit", string(wrongHex), 10, true, false},
		{"a different word", strings.Join(wrongWord, " "), 5, true, false},
		{"a bare yes", "yes", -1, false, true},
		{"half the words", strings.Join(d.Words[:16], " "), -1, false, true},
		{"short hex", d.Hex[:60], -1, false, true},
		{"a typo in a word", strings.Replace(words, d.Words[0], d.Words[0]+"x", 1), -1, false, true},
		{"nothing", "", -1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, err := d.Compare(tc.readBack)
			var mm *steps.MismatchError
			if got := errors.As(err, &mm); got != tc.mismatch {
				t.Fatalf("mismatch = %t (%v), want %t", got, err, tc.mismatch)
			}
			if got := errors.Is(err, steps.ErrUnreadable); got != tc.unread {
				t.Fatalf("unreadable = %t (%v), want %t", got, err, tc.unread)
			}
			if at != tc.at {
				t.Fatalf("first difference %d, want %d", at, tc.at)
			}
		})
	}
}

func FuzzCompare(f *testing.F) {
	d := steps.DigestOf([]byte("input"))
	f.Add(d.Hex)
	f.Add(strings.Join(d.Words, " "))
	f.Add("yes")
	f.Fuzz(func(t *testing.T, readBack string) {
		at, err := d.Compare(readBack)
		if err == nil && at != -1 {
			t.Fatalf("a match reports difference at %d", at)
		}
		var mm *steps.MismatchError
		if errors.As(err, &mm) && (at < 0 || at != mm.At) {
			t.Fatalf("mismatch at %d reports %d", mm.At, at)
		}
	})
}
