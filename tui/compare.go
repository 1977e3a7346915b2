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
// by the runner's closure, and a mismatch points at the first difference.
type comparer struct {
	c        room.Comparison
	readBack *textLine
	// diffHex and diffWord are the first differing hex digit or word of the
	// last mismatch, -1 when none.
	diffHex, diffWord int
	err               string
	// checking is set while Check runs.
	checking bool
}

func newComparer(c room.Comparison) *comparer {
	return &comparer{c: c, readBack: newTextLine(), diffHex: -1, diffWord: -1}
}

func (p *comparer) title() string {
	return "Compare out of band: " + p.c.Label
}
func (p *comparer) wide() bool          { return true }
func (p *comparer) paste(s string)      { p.readBack.insert(s) }
func (p *comparer) keys() []key.Binding { return []key.Binding{keyCheck, keyClear} }

func (p *comparer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if p.checking {
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
	if diff < 0 && err == nil {
		return result{}, true, nil
	}
	p.diffHex, p.diffWord = -1, -1
	if isHex(text) {
		p.diffHex = diff
	} else {
		p.diffWord = diff
	}
	switch {
	case err != nil:
		p.err = err.Error()
	case p.diffHex >= 0:
		p.err = fmt.Sprintf("the read-back differs from hex digit %d on (highlighted)", diff+1)
	default:
		p.err = fmt.Sprintf("the read-back differs from word %d on (highlighted)", diff+1)
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
	lines := wrap("Ask "+st.bold.Render(remote)+" to read their copy aloud and type what you hear: "+
		"a match is recorded as confirmed by "+p.c.Remote.Name+".", w, "")
	if p.c.Blind && p.diffHex < 0 && p.diffWord < 0 {
		lines = append(lines, "")
		lines = append(lines, wrap(st.dim.Render("The hash is not shown: "+p.c.Remote.Name+" reads it from their own copy first."), w, "")...)
	} else {
		lines = append(lines, "", st.dim.Render("SHA-256"))
		perLine := 8
		if w < 44 {
			perLine = 4
		}
		for _, l := range groupHex(p.c.Hex, 4, perLine, p.diffHex, st) {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "")
		lines = append(lines, wordGrid(st, p.c.Words, w, p.diffWord)...)
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
	longest := 0
	for _, word := range words {
		longest = max(longest, ansi.StringWidth(word))
	}
	cell := longest + 6
	cols := max(min((w-2)/cell, 8), 1)
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
