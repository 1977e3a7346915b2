package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ceremony-dev/ceremony/room"
)

// shareEntry collects one crypto officer's share word by word. The words are
// never drawn: the screen shows a tick per accepted position, and the letters
// being typed show only as "typing". The letters live in buf, wiped as each
// word ends, and never in a string; an accepted word is the list's own.
type shareEntry struct {
	s     room.ShareEntry
	words []string
	buf   []byte
	// hint is a live remark on the letters typed so far; err the refusal of
	// the last word or of the whole share.
	hint, err string
	// checking is set while Submit runs.
	checking bool
	// reshow offers the holder their sheet again once a share was refused.
	reshow key.Binding
}

// suggester is an error that knows the valid words nearest to a mistyped
// one; the share format's word errors do, without naming them in Error, since
// they are for the eyes of the person typing only.
type suggester interface{ Suggestions() []string }

func newShareEntry(s room.ShareEntry) *shareEntry {
	p := &shareEntry{s: s, reshow: keyReshow}
	p.reshow.SetEnabled(false)
	return p
}

func (p *shareEntry) title() string {
	return fmt.Sprintf("Share entry · %s · share %d of %d", p.s.Holder.Name, p.s.K, p.s.M)
}
func (p *shareEntry) wide() bool { return true }
func (p *shareEntry) clears()    {}

// paste is refused, and says why: a share is typed from its paper sheet, and
// a share in a clipboard is a share stored somewhere it must not be. What was
// pasted is not looked at.
func (p *shareEntry) paste(string) {
	p.err = "pasting is refused: type the share from your paper sheet, and clear the clipboard it was copied to"
}

func (p *shareEntry) keys() []key.Binding {
	return []key.Binding{keyNextWord, keyErase, keyClearWord, p.reshow}
}

func (p *shareEntry) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if p.checking {
		return result{}, false, nil
	}
	switch {
	case key.Matches(k, p.reshow):
		p.clearBuf()
		p.words = nil
		return result{err: room.ErrShowSheet}, true, nil
	case key.Matches(k, keyNextWord):
		return p.next()
	case key.Matches(k, keyErase):
		p.err = ""
		if len(p.buf) > 0 {
			p.buf[len(p.buf)-1] = 0
			p.buf = p.buf[:len(p.buf)-1]
		} else if len(p.words) > 0 {
			// Back into the previous word: it is typed again from scratch.
			p.words = p.words[:len(p.words)-1]
		}
		p.live()
		return result{}, false, nil
	case key.Matches(k, keyClearWord):
		p.clearBuf()
		p.hint, p.err = "", ""
		return result{}, false, nil
	}
	if len(k.Text) == 1 && k.Mod&^tea.ModShift == 0 {
		c := k.Text[0]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' {
			p.buf = append(p.buf, c)
			p.err = ""
			p.live()
		}
	}
	return result{}, false, nil
}

// live remarks on the letters typed so far, before the word is finished.
func (p *shareEntry) live() {
	p.hint = ""
	if len(p.buf) > 0 && p.s.Complete != nil && len(p.s.Complete(len(p.words), p.buf)) == 0 {
		p.hint = "no word for this position starts with these letters: backspace to correct"
	}
}

func (p *shareEntry) clearBuf() {
	clear(p.buf)
	p.buf = p.buf[:0]
}

// next finishes the word being typed: completes a unique prefix, checks the
// word, and submits the share after its last word.
func (p *shareEntry) next() (result, bool, tea.Cmd) {
	if len(p.buf) == 0 {
		return result{}, false, nil
	}
	i := len(p.words)
	var c []string
	if p.s.Complete != nil {
		c = p.s.Complete(i, p.buf)
	}
	// A unique completion is the word; otherwise the letters must spell one.
	var word string
	var err error
	if len(c) == 1 {
		word = c[0]
	} else if word, err = p.s.Word(i, p.buf); err != nil && len(c) > 1 {
		p.hint = fmt.Sprintf("more letters needed: %d words start like this", len(c))
		return result{}, false, nil
	}
	p.clearBuf()
	p.hint = ""
	if err != nil {
		p.err = err.Error()
		var near suggester
		if errors.As(err, &near) && len(near.Suggestions()) > 0 {
			p.err += "; nearest: " + strings.Join(near.Suggestions()[:min(len(near.Suggestions()), 3)], ", ")
		}
		return result{}, false, nil
	}
	p.err = ""
	p.words = append(p.words, word)
	if len(p.words) < p.s.Words {
		return result{}, false, nil
	}
	words := p.words
	p.words, p.checking = nil, true
	return result{}, false, func() tea.Msg {
		err := p.s.Submit(words)
		return finished{p, func() (result, bool, tea.Cmd) { return p.submitted(err) }}
	}
}

func (p *shareEntry) submitted(err error) (result, bool, tea.Cmd) {
	p.checking = false
	if err != nil {
		p.err = "share not accepted: " + err.Error() + ". Type the whole share again from word 1"
		if p.s.Reshow {
			p.err += ", or press ctrl+r to see your sheet again and correct your copy"
			p.reshow.SetEnabled(true)
		}
		return result{}, false, nil
	}
	return result{}, true, nil
}

func (p *shareEntry) view(st *styles, w int) []string {
	name := p.s.Holder.Name
	lines := wrap(fmt.Sprintf("Set %q · %d more share(s) needed after this one. ", p.s.Label, p.s.M-p.s.K)+
		st.dim.Render("Only "+name+" at the keyboard: each word is checked as it is typed and never shown."), w, "")
	lines = append(lines, "")
	cols := max(min((w-2)/7, 12), 1)
	var row strings.Builder
	for i := range p.s.Words {
		cell := fmt.Sprintf("%3d ·  ", i+1)
		switch {
		case i < len(p.words):
			cell = fmt.Sprintf("%3d ", i+1) + st.good.Render("✓") + "  "
		case i == len(p.words):
			cell = st.current.Render(fmt.Sprintf("%3d ▸", i+1)) + "  "
		}
		row.WriteString(cell)
		if (i+1)%cols == 0 || i == p.s.Words-1 {
			lines = append(lines, row.String())
			row.Reset()
		}
	}
	typing := st.dim.Render("waiting for letters")
	switch {
	case p.checking:
		typing = st.bold.Render("checking the share…")
	case len(p.buf) > 0:
		typing = st.bold.Render("typing…")
	}
	lines = append(lines, "", fmt.Sprintf("Word %d of %d: ", min(len(p.words)+1, p.s.Words), p.s.Words)+typing)
	if p.hint != "" {
		lines = append(lines, wrap(st.warn.Render("! ")+p.hint, w, "  ")...)
	}
	if p.err != "" {
		lines = append(lines, errLines(st, p.err, w)...)
	}
	return lines
}
