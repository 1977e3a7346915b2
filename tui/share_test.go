package tui_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/ceremony-dev/ceremony/room"
)

// A stand-in word list with the two columns of the PGP list: the checks are
// the runner's closures, so the test writes the refusals it wants to see.
var columns = [2][]string{
	{"snapline", "snapshot", "tactics", "talon", "tapeworm", "uproot", "upset", "upshot"},
	{"retrieval", "tobacco", "tomorrow", "torpedo", "Wichita", "Yucatan"},
}

var share = []string{"tactics", "Yucatan", "uproot", "retrieval", "snapline", "Wichita"}

func complete(i int, prefix []byte) []string {
	var out []string
	for _, w := range columns[i%2] {
		if strings.HasPrefix(strings.ToLower(w), string(prefix)) {
			out = append(out, w)
		}
	}
	return out
}

func word(i int, typed []byte) (string, error) {
	in := func(col int) int {
		return slices.IndexFunc(columns[col], func(w string) bool { return strings.EqualFold(w, string(typed)) })
	}
	if at := in(i % 2); at >= 0 {
		return columns[i%2][at], nil
	}
	if in(1-i%2) >= 0 {
		return "", fmt.Errorf("word %d is a word of the other column: it may be swapped with its neighbour", i+1)
	}
	return "", &unknownWord{pos: i, nearest: []string{"upset", "upshot"}}
}

// unknownWord is a refusal that keeps its suggestions out of its message, as
// the share format's does.
type unknownWord struct {
	pos     int
	nearest []string
}

func (e *unknownWord) Error() string {
	return fmt.Sprintf("word %d is not in the PGP word list", e.pos+1)
}
func (e *unknownWord) Suggestions() []string { return e.nearest }

func shareEntry(submit func([]string) error) room.ShareEntry {
	if submit == nil {
		submit = func([]string) error { return nil }
	}
	return room.ShareEntry{Holder: carol, Label: "hsm-user", K: 2, M: 3, Words: len(share),
		Word: word, Complete: complete, Submit: submit}
}

// TestShareEntry drives the share-entry widget through each state and each
// refusal; no golden may show a word of the share.
func TestShareEntry(t *testing.T) {
	refuse := func(msg string) func([]string) error {
		return func([]string) error { return errors.New(msg) }
	}
	cases := []struct {
		name   string
		submit func([]string) error
		typed  string // words as typed, space-separated; a trailing space finishes the last
		want   string // on the screen afterwards
	}{
		{"start", nil, "", "waiting for letters"},
		{"typing", nil, "tac yuc up", "typing…"},
		{"ambiguous_prefix", nil, "tac yuc up ", "more letters needed: 3 words"},
		{"no_word_starts_so", nil, "tac yuc upx", "no word for this position"},
		{"unknown_word", nil, "tac yuc uproat ", "nearest: upset, upshot"},
		{"wrong_column", nil, "tac talon ", "other column"},
		{"checksum_mismatch", refuse("the share's check words do not match: a word is wrong somewhere; compare every word with the sheet"),
			"tac yuc upr ret snapl wic ", "check words do not match"},
		{"foreign_set", refuse("the share belongs to set 7c1e, not to set 9a40: it is from another split"),
			"tac yuc upr ret snapl wic ", "another split"},
		{"duplicate", refuse("share 2 was already entered by Dana Diaz"),
			"tac yuc upr ret snapl wic ", "already entered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newKSK(t, 80, 24)
			r.ui.Progress(at(0, 1))
			got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, shareEntry(c.submit)) }))
			r.waitFor("Share entry · Carol Chen · share 2 of 3")
			typeWords(r, c.typed)
			r.waitFor(c.want)
			noShareOnScreen(t, r.screen())
			r.golden()
			pending(t, got)
		})
	}
}

// TestShareEntryOffersTheSheetAgain: during a split, a refused share offers
// its holder their sheet again (ctrl+r), and a paste is refused with why.
func TestShareEntryOffersTheSheetAgain(t *testing.T) {
	r := newKSK(t, 80, 24)
	entry := shareEntry(func([]string) error {
		return errors.New("the share's check words do not match: a word is wrong somewhere; compare every word with the sheet")
	})
	entry.Reshow = true
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, entry) }))
	r.waitFor("Share entry · Carol Chen")
	if strings.Contains(r.screen(), "ctrl+r") {
		t.Fatalf("the sheet is offered again before a share was refused:\n%s", r.screen())
	}
	r.tm.Send(tea.PasteMsg{Content: "tactics Yucatan"})
	r.waitFor("pasting is refused")
	t.Run("paste", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	typeWords(r, "tac yuc upr ret snapl wic ")
	r.waitFor("see your sheet again")
	t.Run("refused", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	r.keys("ctrl+r")
	if _, err := await(t, got); !errors.Is(err, room.ErrShowSheet) {
		t.Fatalf("Share after ctrl+r = %v, want room.ErrShowSheet", err)
	}
}

func typeWords(r *screen, typed string) {
	for _, c := range typed {
		if c == ' ' {
			r.keys("space")
		} else {
			r.tm.Type(string(c))
		}
	}
}

func noShareOnScreen(t *testing.T, scr string) {
	t.Helper()
	for _, w := range share {
		if strings.Contains(strings.ToLower(scr), strings.ToLower(w)) {
			t.Fatalf("share word %q on the screen:\n%s", w, scr)
		}
	}
}

func TestShareAccepted(t *testing.T) {
	r := newKSK(t, 80, 24)
	var submitted [][]string
	submit := func(words []string) error {
		submitted = append(submitted, slices.Clone(words))
		if len(submitted) == 1 {
			return errors.New("the share's check words do not match")
		}
		return nil
	}
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, shareEntry(submit)) }))
	r.waitFor("Share entry")
	// A typo first, corrected with backspace; then a word taken back whole.
	typeWords(r, "tac yuc upr ret snapl wic ")
	r.waitFor("check words do not match")
	typeWords(r, "tacx")
	r.keys("backspace")
	typeWords(r, " yuc tal")
	r.keys("backspace", "backspace", "backspace", "backspace")
	typeWords(r, "yuc upr ret snapl wi")
	r.keys("enter")
	if _, err := await(t, got); err != nil {
		t.Fatal(err)
	}
	want := [][]string{share, share}
	if !slices.EqualFunc(submitted, want, slices.Equal) {
		t.Fatalf("submitted %v, want %v", submitted, want)
	}
	noShareOnScreen(t, r.screen())
	if strings.Contains(r.screen(), "Share entry") {
		t.Fatalf("the share entry stays on the screen after it was accepted:\n%s", r.screen())
	}
}

var (
	kskHex   = "9c4f1a7be03d58c26e1f90ab7d35c4e8a1f60b2d93c7e45f08a6b1d2c3e4f5a6"
	kskWords = []string{"ratchet", "disbelief", "bison", "hamburger", "reform", "conformist", "endow", "monument",
		"drumbeat", "commando", "willow", "responsive", "indoors", "candidate", "sterling", "tobacco",
		"payday", "stupendous", "allow", "bodyguard", "quadrant", "Waterloo", "tissue", "Wyoming",
		"ammo", "Pegasus", "ringbolt", "Wichita", "crucial", "Jupiter", "slingshot", "recover"}
)

// checkReadBack is a runner-side comparison: hex digits or words, spaces
// ignored. A read-back of the wrong length is unreadable (-1 and an error);
// a whole one that differs returns the index of the first difference.
func checkReadBack(s string) (int, error) {
	f := strings.Fields(strings.ToLower(s))
	if hex := strings.Join(f, ""); strings.Trim(hex, "0123456789abcdef") == "" {
		if len(hex) != len(kskHex) {
			return -1, fmt.Errorf("%d of %d hex digits", len(hex), len(kskHex))
		}
		for i := range kskHex {
			if hex[i] != kskHex[i] {
				return i, fmt.Errorf("the read-back differs at hex digit %d", i+1)
			}
		}
		return -1, nil
	}
	if len(f) != len(kskWords) {
		return -1, fmt.Errorf("%d of %d words", len(f), len(kskWords))
	}
	for i, w := range kskWords {
		if f[i] != strings.ToLower(w) {
			return i, fmt.Errorf("the read-back differs at word %d", i+1)
		}
	}
	return -1, nil
}

// misheard is the hash's words with word i replaced by w.
func misheard(i int, w string) string {
	words := append([]string(nil), kskWords...)
	words[i] = w
	return strings.Join(words, " ")
}

func comparison(check func(string) (int, error)) room.Comparison {
	if check == nil {
		check = checkReadBack
	}
	return room.Comparison{Label: "KSR ksr-root-2026-q4-0.xml", Hex: kskHex, Words: kskWords, Remote: zed, Check: check}
}

func TestCompare(t *testing.T) {
	wrongHex := kskHex[:31] + "9" + kskHex[32:]
	cases := []struct {
		name, readBack, want string
		w, h                 int

		lit string // highlighted as the first difference
	}{
		{"start", "", "Read back:", 80, 24, ""},
		{"hex_differs", wrongHex, "MISMATCH from hex digit 32", 80, 24, "c4e8"},
		{"words_differ", misheard(6, "endive"), "MISMATCH from word 7", 80, 24, "endow"},
		{"start_120x40", "", "Read back:", 120, 40, ""},
		// Short of room, the refusal stays and blank lines go.
		{"words_differ_80x20", misheard(6, "endive"), "MISMATCH from word 7", 80, 20, "endow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newKSK(t, c.w, c.h)
			got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Compare(ctx, comparison(nil)) }))
			r.waitFor("Compare out of band")
			if c.readBack != "" {
				r.tm.Type(c.readBack)
				r.keys("enter")
			}
			r.waitFor(c.want)
			r.golden()
			// Without colour the first difference is in reverse video.
			if lit := strings.Count(r.raw(), "\x1b[1;7m"+c.lit+"\x1b[m"); c.lit != "" && lit != 1 {
				t.Errorf("%q highlighted %d times, want once", c.lit, lit)
			}
			pending(t, got)
			if c.lit == "" {
				return
			}
			// A mismatch ends the comparison once the room has seen it.
			r.keys("enter")
			if _, err := await(t, got); err == nil || !strings.Contains(err.Error(), "differs at") {
				t.Fatalf("Compare after a mismatch = %v, want Check's error", err)
			}
		})
	}
}

// TestCompareNeedsTheReadBack shows that neither an empty answer nor a
// partial one passes or ends the prompt: only what Check calls a match does.
func TestCompareNeedsTheReadBack(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Compare(ctx, comparison(nil)) }))
	r.waitFor("Compare out of band")
	r.keys("enter")
	r.waitFor("type what Zed Zimmer reads back")
	r.tm.Type("yes")
	r.keys("enter")
	r.waitFor("1 of 32 words")
	pending(t, got)
	for range len("yes") {
		r.keys("backspace")
	}
	r.tm.Type(strings.Join(kskWords, " "))
	r.keys("enter")
	if _, err := await(t, got); err != nil {
		t.Fatal(err)
	}
}

func TestCompareShowsCheckError(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, noValue(func(ctx context.Context) error {
		return r.ui.Compare(ctx, comparison(func(string) (int, error) {
			return -1, errors.New("the read-back is neither hex digits nor PGP words")
		}))
	}))
	r.waitFor("Compare out of band")
	r.tm.Type("ninety-nine")
	r.keys("enter")
	r.waitFor("neither hex digits nor PGP words")
	pending(t, got)
}

// TestClosuresMayReport: the runner records an event inside Submit and Check
// and reports progress from there; the screen must take it, not deadlock.
func TestClosuresMayReport(t *testing.T) {
	r := newKSK(t, 80, 24)
	submit := func([]string) error {
		r.ui.Progress(at(1, 1))
		return nil
	}
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, shareEntry(submit)) }))
	r.waitFor("Share entry")
	typeWords(r, "tac yuc upr ret snapl wic ")
	if _, err := await(t, got); err != nil {
		t.Fatal(err)
	}
	r.waitFor("step 2.2")
	check := func(s string) (int, error) {
		r.ui.Progress(at(0, 0))
		return checkReadBack(s)
	}
	cmp := ask(r, noValue(func(ctx context.Context) error { return r.ui.Compare(ctx, comparison(check)) }))
	r.waitFor("Compare out of band")
	r.tm.Type(kskHex)
	r.keys("enter")
	if _, err := await(t, cmp); err != nil {
		t.Fatal(err)
	}
	r.waitFor("step 1.1")
}

// TestExceptionKeyWaitsForTheCheck presses ctrl+e while Submit is still
// recording: the share's outcome stands, and the exception follows it.
func TestExceptionKeyWaitsForTheCheck(t *testing.T) {
	for _, accept := range []bool{true, false} {
		t.Run(fmt.Sprint("accepted=", accept), func(t *testing.T) {
			r := newKSK(t, 80, 24)
			release := make(chan struct{})
			submit := func([]string) error {
				<-release
				if accept {
					return nil
				}
				return errors.New("the share's check words do not match")
			}
			got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Share(ctx, shareEntry(submit)) }))
			r.waitFor("Share entry")
			typeWords(r, "tac yuc upr ret snapl wic ")
			r.waitFor("checking the share")
			r.keys("ctrl+e")
			r.waitFor("Exception requested")
			pending(t, got)
			close(release)
			_, err := await(t, got)
			if accept {
				if err != nil {
					t.Fatalf("the accepted share answered %v", err)
				}
				next := ask(r, func(ctx context.Context) (int, error) {
					return r.ui.Choose(ctx, room.Choice{Title: "Who?", Options: []string{"a"}})
				})
				if _, err := await(t, next); !errors.Is(err, room.ErrException) {
					t.Fatalf("the next prompt answered %v, want room.ErrException", err)
				}
			} else if !errors.Is(err, room.ErrException) {
				t.Fatalf("the refused share answered %v, want room.ErrException", err)
			}
		})
	}
}

// TestCompareBlind: a blind comparison keeps the hash off the screen while
// the read-back is typed, and shows it beside what was heard, the first
// difference marked, once a read-back was compared.
func TestCompareBlind(t *testing.T) {
	r := newKSK(t, 80, 24)
	blind := comparison(nil)
	blind.Blind = true
	got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Compare(ctx, blind) }))
	r.waitFor("The hash is not shown: Zed Zimmer reads it")
	t.Run("typing", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	if scr := r.screen(); strings.Contains(scr, kskHex[:4]) || strings.Contains(strings.ToLower(scr), strings.ToLower(kskWords[0])) {
		t.Fatalf("the hash is on the screen before the read-back:\n%s", scr)
	}
	r.tm.Type(misheard(6, "endive"))
	r.keys("enter")
	r.waitFor("word 7")
	t.Run("mismatch", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	scr := r.screen()
	if !strings.Contains(scr, "Read back by Zed Zimmer") || !strings.Contains(scr, "endive") || !strings.Contains(scr, "endow") {
		t.Fatalf("after a mismatch the hash and the read-back are not both shown:\n%s", scr)
	}
	pending(t, got)
	r.keys("enter")
	if _, err := await(t, got); err == nil {
		t.Fatal("a mismatch ended the comparison without an error")
	}
}
