// Package pgpwords converts bytes to and from the PGP word list, the 512
// words Juola and Zimmermann chose in 1995 to be told apart when read aloud.
//
// The list is two lists of 256 words. A byte at an even position (0, 2, 4 ...)
// is written with a two-syllable word from the even list, a byte at an odd
// position with a three-syllable word from the odd list. Because the two lists
// share no word, a word read in the wrong place is noticed: two neighbours
// swapped, a word dropped or said twice all put some word in the wrong column.
//
// Positions in this package's API count from 0; messages count words from 1,
// as people do on paper.
//
// Errors never contain the word that was typed or the words suggested in its
// place, so that they are safe to log even when the words encode a secret;
// a UI that shows suggestions to the person typing reads them from
// [UnknownWordError].Nearest.
package pgpwords

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Column names one of the two lists.
type Column int

const (
	Even Column = iota // two-syllable words, at positions 0, 2, 4 ...
	Odd                // three-syllable words, at positions 1, 3, 5 ...
)

func (c Column) String() string {
	if c == Odd {
		return "three-syllable"
	}
	return "two-syllable"
}

// ColumnAt says which list the word at position pos comes from.
func ColumnAt(pos int) Column {
	if pos%2 == 1 {
		return Odd
	}
	return Even
}

// index maps a lowercased word to its byte and column; both lists together
// hold 512 distinct words, so one map answers any word.
var index = func() map[string]entry {
	m := make(map[string]entry, 512)
	for i := range 256 {
		m[strings.ToLower(even[i])] = entry{byte(i), Even}
		m[strings.ToLower(odd[i])] = entry{byte(i), Odd}
	}
	return m
}()

type entry struct {
	b   byte
	col Column
}

// Word returns the word for b at position pos.
func Word(pos int, b byte) string {
	if ColumnAt(pos) == Odd {
		return odd[b]
	}
	return even[b]
}

// Encode returns one word per byte of b, alternating between the lists.
func Encode(b []byte) []string {
	words := make([]string, len(b))
	for i, x := range b {
		words[i] = Word(i, x)
	}
	return words
}

// Lookup finds a word in either list, ignoring case and surrounding space.
func Lookup(word string) (b byte, col Column, ok bool) {
	e, ok := index[strings.ToLower(strings.TrimSpace(word))]
	return e.b, e.col, ok
}

// maxTyped bounds what typed input is looked at: no list word is longer
// than 11 letters, so past it only the cost of comparing grows.
const maxTyped = 32

// folded is typed input trimmed of surrounding space and lowercased into
// buf, which lives on the caller's stack and is cleared by it: letters that
// may spell a share are never copied into a string that cannot be wiped.
func folded(buf *[maxTyped]byte, typed []byte) []byte {
	t := bytes.TrimSpace(typed)
	n := copy(buf[:], t)
	for i := range n {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf[:n]
}

// Typed decodes the letters typed at position pos, checking that they are a
// word of the list and of the column pos takes, and returns the list's own
// word: the typed letters are not kept, as a string or otherwise.
func Typed(pos int, typed []byte) (word string, b byte, err error) {
	var buf [maxTyped]byte
	defer clear(buf[:])
	f := folded(&buf, typed)
	// A map index by string(f) does not copy f.
	e, ok := index[string(f)]
	if !ok || len(bytes.TrimSpace(typed)) > maxTyped {
		return "", 0, &UnknownWordError{Pos: pos, Nearest: Nearest(pos, typed, 3)}
	}
	if want := ColumnAt(pos); e.col != want {
		return "", 0, &ColumnError{Pos: pos, Want: want}
	}
	return Word(pos, e.b), e.b, nil
}

// ErrEmpty is returned by Decode for no words at all.
var ErrEmpty = errors.New("no words given")

// UnknownWordError reports a word that is in neither list.
type UnknownWordError struct {
	Pos int // 0-based position of the word
	// Nearest lists the closest words of the right column, best first. It is
	// for the eyes of the person typing and is left out of Error.
	Nearest []string
}

func (e *UnknownWordError) Error() string {
	return fmt.Sprintf("word %d is not in the PGP word list", e.Pos+1)
}

// Suggestions returns Nearest to a UI that knows the error only by this
// method, so that it can offer the words to the person typing.
func (e *UnknownWordError) Suggestions() []string { return e.Nearest }

// Cause is DecodeWord's and Decode's guess at why a word is in the wrong column.
type Cause int

const (
	CauseUnknown Cause = iota // only this word is misplaced
	CauseSwap                 // this word and the next are both misplaced: likely swapped
	CauseShift                // every word from here on is misplaced: one missing or doubled before
)

// ColumnError reports a valid word at a position that takes the other list.
type ColumnError struct {
	Pos   int    // 0-based position of the word
	Want  Column // the column position Pos takes
	Cause Cause  // filled in by Decode, which sees the neighbours
}

func (e *ColumnError) Error() string {
	msg := fmt.Sprintf("word %d is a %s word where a %s word belongs", e.Pos+1, e.Want^1, e.Want)
	switch e.Cause {
	case CauseSwap:
		msg += fmt.Sprintf(": words %d and %d look swapped", e.Pos+1, e.Pos+2)
	case CauseShift:
		msg += fmt.Sprintf(": a word looks missing or doubled before word %d", e.Pos+1)
	}
	return msg
}

// DecodeWord decodes the word at position pos, checking that it is in the
// list and in the column pos takes.
func DecodeWord(pos int, word string) (byte, error) {
	_, b, err := Typed(pos, []byte(word))
	return b, err
}

// Decode turns words back into bytes. It stops at the first word that is
// unknown or in the wrong column and returns an *UnknownWordError or a
// *ColumnError for it.
func Decode(words []string) ([]byte, error) {
	if len(words) == 0 {
		return nil, ErrEmpty
	}
	out := make([]byte, len(words))
	for i, w := range words {
		b, err := DecodeWord(i, w)
		if ce, ok := err.(*ColumnError); ok {
			ce.Cause = misplacement(words, i)
		}
		if err != nil {
			clear(out)
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// misplacement looks past a misplaced word at i: if the words after it are
// misplaced too, the cause is a shift; if only the next one is, a swap.
func misplacement(words []string, i int) Cause {
	wrong := 0
	for j := i; j < len(words); j++ {
		_, col, ok := Lookup(words[j])
		if !ok || col == ColumnAt(j) {
			break
		}
		wrong++
	}
	rest := len(words) - i
	switch {
	case wrong == rest && rest >= 3:
		return CauseShift
	case wrong >= 2:
		return CauseSwap
	}
	return CauseUnknown
}

// lists are the two lists in lower case, for comparing with typed input.
var lists = func() (l [2][256]string) {
	for i := range 256 {
		l[Even][i], l[Odd][i] = strings.ToLower(even[i]), strings.ToLower(odd[i])
	}
	return l
}()

// column is the list position pos takes, as written and in lower case.
func column(pos int) (words, lower *[256]string) {
	if ColumnAt(pos) == Odd {
		return &odd, &lists[Odd]
	}
	return &even, &lists[Even]
}

// Complete returns, alphabetically, the words of the column position pos
// takes that begin with the typed prefix (ignoring case).
func Complete(pos int, prefix []byte) []string {
	words, lower := column(pos)
	var buf [maxTyped]byte
	defer clear(buf[:])
	p := folded(&buf, prefix)
	var out []string
	for i, w := range lower {
		// Comparing with string(p) does not copy p.
		if len(w) >= len(p) && w[:len(p)] == string(p) {
			out = append(out, words[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// Nearest returns up to k words of the column position pos takes, closest to
// the typed word by edit distance (a swap of two adjacent letters counts as
// one edit), ties broken alphabetically.
func Nearest(pos int, typed []byte, k int) []string {
	words, lower := column(pos)
	var buf [maxTyped]byte
	defer clear(buf[:])
	w := folded(&buf, typed)
	type cand struct {
		word, lower string
		d           int
	}
	cands := make([]cand, 0, len(words))
	for i, c := range words {
		cands = append(cands, cand{c, lower[i], distance(w, lower[i])})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].lower < cands[j].lower
	})
	out := make([]string, 0, k)
	for _, c := range cands[:min(k, len(cands))] {
		out = append(out, c.word)
	}
	return out
}

// distance is the optimal-string-alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent letters, the typist's errors.
// The list is ASCII, so bytes are letters.
func distance(a []byte, b string) int {
	var rows [3][maxTyped + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
