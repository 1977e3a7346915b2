package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ceremony-dev/ceremony/room"
)

// comparer shows a hash for an out-of-band comparison and collects what the
// remote party reads back. A bare "yes" cannot pass: the read-back is checked
// by the runner's closure. A mismatch ends the comparison: the hash and the
// read-back are shown one above the other with the first difference marked,
// and enter takes the room on to the exception form.
type comparer struct {
	c        room.Comparison
	readBack *textLine
	// diffHex and diffWord are the first differing hex digit or word of the
	// mismatch, -1 when none.
	diffHex, diffWord int
	// heard is the read-back that did not match; mismatch is Check's error.
	heard    string
	mismatch error
	err      string
	// checking is set while Check runs.
	checking bool
	// check and next are the two uses of enter, one at a time.
	check, next key.Binding
}

func newComparer(c room.Comparison) *comparer {
	p := &comparer{c: c, readBack: newTextLine(), diffHex: -1, diffWord: -1, check: keyCheck, next: keyMismatchNext}
	p.next.SetEnabled(false)
	return p
}

func (p *comparer) title() string {
	return "Compare out of band: " + p.c.Label
}
func (p *comparer) wide() bool { return true }
func (p *comparer) keys() []key.Binding {
	clearKey := keyClear
	clearKey.SetEnabled(p.mismatch == nil)
	return []key.Binding{p.check, p.next, clearKey}
}

func (p *comparer) paste(s string) {
	if p.mismatch == nil {
		p.readBack.insert(s)
	}
}

func (p *comparer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	switch {
	case p.checking:
		return result{}, false, nil
	case p.mismatch != nil:
		if key.Matches(k, p.next) {
			return result{err: p.mismatch}, true, nil
		}
		return result{}, false, nil
	}
	if !key.Matches(k, keyCheck) {
		p.readBack.key(k)
		return result{}, false, nil
	}
	text := strings.TrimSpace(p.readBack.String())
	if text == "" {
		p.err = "type what " + p.c.Remote.Name + " reads back, word by word or digit by digit"
		return result{}, false, nil
	}
	p.checking = true
	return result{}, false, func() tea.Msg {
		diff, err := p.c.Check(text)
		return finished{p, func() (result, bool, tea.Cmd) { return p.checked(text, diff, err) }}
	}
}

func (p *comparer) checked(text string, diff int, err error) (result, bool, tea.Cmd) {
	p.checking = false
	switch {
	case diff < 0 && err == nil:
		return result{}, true, nil
	case diff < 0:
		// Not a whole hash: heard badly, typed again.
		p.err = err.Error()
		return result{}, false, nil
	}
	if err == nil {
		err = fmt.Errorf("the read-back differs at %d", diff+1)
	}
	p.heard, p.mismatch = text, err
	p.check.SetEnabled(false)
	p.next.SetEnabled(true)
	if isHex(text) {
		p.diffHex = diff
		p.err = fmt.Sprintf("MISMATCH from hex digit %d on (marked): the mismatch is recorded and the step halts", diff+1)
	} else {
		p.diffWord = diff
		p.err = fmt.Sprintf("MISMATCH from word %d on (marked): the mismatch is recorded and the step halts", diff+1)
	}
	return result{}, false, nil
}

func isHex(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r >= 'A' && r <= 'F', r == ' ', r == ':':
		default:
			return false
		}
	}
	return true
}

func (p *comparer) view(st *styles, w int) []string {
	remote := p.c.Remote.Name
	if len(p.c.Remote.Roles) > 0 {
		remote += " (" + strings.Join(p.c.Remote.Roles, ", ") + ")"
	}
	if p.mismatch != nil {
		return p.mismatchView(st, w)
	}
	lines := wrap("Ask "+st.bold.Render(remote)+" to read their copy aloud and type what you hear: "+
		"a match is recorded as confirmed by "+p.c.Remote.Name+".", w, "")
	if p.c.Blind {
		lines = append(lines, "")
		lines = append(lines, wrap(st.dim.Render("The hash is not shown: "+p.c.Remote.Name+" reads it from their own copy first, and the tool compares."), w, "")...)
	} else {
		lines = append(lines, "", st.dim.Render("SHA-256"))
		lines = append(lines, p.hexLines(st, w, p.c.Hex)...)
		lines = append(lines, "")
		lines = append(lines, wordGrid(st, p.c.Words, w, -1)...)
	}
	lines = append(lines, "", "Read back: "+p.readBack.render(st))
	if p.checking {
		lines = append(lines, st.bold.Render("checking…"))
	}
	if p.err != "" {
		lines = append(lines, errLines(st, p.err, w)...)
	}
	return lines
}

// mismatchView shows the hash and what was heard one above the other, the
// first difference marked in both.
func (p *comparer) mismatchView(st *styles, w int) []string {
	var lines []string
	if p.diffHex >= 0 {
		heard := strings.ToLower(strings.Join(strings.FieldsFunc(p.heard, func(r rune) bool { return r == ' ' || r == ':' }), ""))
		lines = append(lines, st.dim.Render("SHA-256 of "+p.c.Label))
		lines = append(lines, p.hexLines(st, w, p.c.Hex)...)
		lines = append(lines, st.dim.Render("Read back by "+p.c.Remote.Name))
		lines = append(lines, p.hexLines(st, w, heard)...)
	} else {
		// Two grids of words do not fit a screen: the row that differs is
		// shown from each, and the two words are named.
		heard := strings.Fields(p.heard)
		want, got := "", ""
		if p.diffWord < len(p.c.Words) && p.diffWord < len(heard) {
			want, got = p.c.Words[p.diffWord], heard[p.diffWord]
		}
		lines = append(lines, wrap(fmt.Sprintf("Word %d: the hash of %s has %s, %s read back %s.", p.diffWord+1, p.c.Label,
			st.bold.Render(want), p.c.Remote.Name, st.bold.Render(got)), w, "")...)
		lines = append(lines, st.dim.Render("PGP words of the hash"))
		lines = append(lines, rowOf(wordGrid(st, p.c.Words, w, p.diffWord), p.diffWord, gridCols(p.c.Words, w))...)
		lines = append(lines, st.dim.Render("Read back by "+p.c.Remote.Name))
		lines = append(lines, rowOf(wordGrid(st, heard, w, p.diffWord), p.diffWord, gridCols(heard, w))...)
	}
	lines = append(lines, "")
	lines = append(lines, errLines(st, p.err, w)...)
	return append(lines, wrap("Press enter to record the exception: trying again is offered first.", w, "")...)
}

func (p *comparer) hexLines(st *styles, w int, hex string) []string {
	perLine := 8
	if w < 44 {
		perLine = 4
	}
	var lines []string
	for _, l := range groupHex(hex, 4, perLine, p.diffHex, st) {
		lines = append(lines, "  "+l)
	}
	return lines
}

// groupHex splits hex into groups of size digits, perLine groups a line,
// highlighting the group holding digit hi (when hi >= 0).
func groupHex(hex string, size, perLine, hi int, st *styles) []string {
	var lines []string
	var line []string
	for i := 0; i < len(hex); i += size {
		g := hex[i:min(i+size, len(hex))]
		if hi >= i && hi < i+size {
			g = st.highlight.Render(g)
		}
		line = append(line, g)
		if len(line) == perLine {
			lines = append(lines, strings.Join(line, " "))
			line = nil
		}
	}
	if len(line) > 0 || len(lines) == 0 {
		lines = append(lines, strings.Join(line, " "))
	}
	return lines
}

// wordGrid lays PGP words out in numbered columns, in bold, large enough to
// be read aloud from across the room; word hi is highlighted.
func wordGrid(st *styles, words []string, w, hi int) []string {
	longest := longestWord(words)
	cols := gridCols(words, w)
	var lines []string
	var b strings.Builder
	for i, word := range words {
		styled := st.big.Render(word)
		if i == hi {
			styled = st.highlight.Render(word)
		}
		b.WriteString(st.dim.Render(fmt.Sprintf("  %2d ", i+1)))
		b.WriteString(styled)
		b.WriteString(strings.Repeat(" ", longest-ansi.StringWidth(word)+1))
		if (i+1)%cols == 0 || i == len(words)-1 {
			lines = append(lines, b.String())
			b.Reset()
		}
	}
	return lines
}

func longestWord(words []string) int {
	longest := 0
	for _, word := range words {
		longest = max(longest, ansi.StringWidth(word))
	}
	return longest
}

// gridCols is how many columns wordGrid lays words out in at width w.
func gridCols(words []string, w int) int {
	return max(min((w-2)/(longestWord(words)+6), 8), 1)
}

// rowOf is the row of a grid of cols columns that holds word i.
func rowOf(grid []string, i, cols int) []string {
	if r := i / cols; r < len(grid) {
		return grid[r : r+1]
	}
	return nil
}
