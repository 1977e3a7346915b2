package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestMarkdown(t *testing.T) {
	st := newStyles(true)
	cases := []struct {
		name, text string
		w          int
		want       []string
	}{
		{"paragraphs", "one\ntwo\n\nthree", 40, []string{"one two", "three"}},
		{"wrapped", "Record the tamper-evident bag number of the HSM.", 20,
			[]string{"Record the tamper-", "evident bag number", "of the HSM."}},
		{"bullets", "- first item is long enough to wrap\n- second", 20,
			[]string{"• first item is long", "  enough to wrap", "• second"}},
		{"numbered", "1. one\n12. twelve", 20, []string{"1. one", "12. twelve"}},
		{"heading", "## Keys\nbody", 20, []string{"Keys", "body"}},
		{"inline", "a **bold** and `code` and *em*", 40, []string{"a bold and code and em"}},
		{"unclosed", "a ** b ` c", 40, []string{"a ** b ` c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := markdown(&st, c.text, c.w)
			for i := range got {
				got[i] = ansi.Strip(got[i])
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("markdown(%q, %d) =\n%s\nwant\n%s", c.text, c.w, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// FuzzMarkdown: whatever a script's author writes, the instruction renders
// without a panic and within the column it is given.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"", "**", "`a`", "- *x*\n1. y", "# **h**", "a**b`c*d", "10. x\n\n\n- "} {
		f.Add(s, 20)
	}
	st := newStyles(false)
	f.Fuzz(func(t *testing.T, text string, w int) {
		w = 10 + abs(w)%100
		for _, l := range markdown(&st, text, w) {
			if n := ansi.StringWidth(l); n > w {
				t.Fatalf("line %q is %d cells wide, the column %d", l, n, w)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
