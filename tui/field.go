package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// line is a one-line input of a prompt: textLine for what may be seen,
// secretField for what may not.
type line interface {
	// key applies an editing key and reports whether the text changed.
	key(k tea.KeyPressMsg) bool
	insert(s string)
	render(st *styles) string
	// bytes is the text as it stands, for checking; take hands it over and
	// forgets it.
	bytes() []byte
	take() []byte
	clear()
}

// textLine edits text that is not secret (initials, a reason, a read-back,
// an exception's words) in a bubbles textinput: the cursor moves, words can
// be deleted, and what is typed is on the screen for the room to check.
type textLine struct{ m textinput.Model }

func newTextLine() *textLine {
	m := textinput.New()
	m.Prompt = ""
	s := m.Styles()
	s.Focused.Prompt, s.Focused.Text = lipgloss.NewStyle(), lipgloss.NewStyle()
	// A steady block: a blinking one would redraw the projected screen
	// twice a second for nothing.
	s.Cursor.Color, s.Cursor.Blink = lipgloss.NoColor{}, false
	m.SetStyles(s)
	// ctrl+e records an exception on every screen; the clipboard of the
	// machine is not the room's, and a terminal's paste arrives anyway.
	m.KeyMap.LineEnd = key.NewBinding(key.WithKeys("end"))
	m.KeyMap.Paste.SetEnabled(false)
	m.Focus()
	return &textLine{m}
}

func (t *textLine) key(k tea.KeyPressMsg) bool {
	before := t.m.Value()
	if key.Matches(k, keyClear) {
		// The whole line, wherever the cursor is: what the footer says.
		t.m.Reset()
	} else {
		t.m, _ = t.m.Update(k)
	}
	return t.m.Value() != before
}

func (t *textLine) insert(s string)       { t.m, _ = t.m.Update(tea.PasteMsg{Content: s}) }
func (t *textLine) set(s string)          { t.m.SetValue(s) }
func (t *textLine) String() string        { return t.m.Value() }
func (t *textLine) bytes() []byte         { return []byte(t.m.Value()) }
func (t *textLine) clear()                { t.m.Reset() }
func (t *textLine) render(*styles) string { return t.m.View() }

func (t *textLine) take() []byte {
	b := t.bytes()
	t.m.Reset()
	return b
}

// secretField is a one-line input for a secret. It keeps its text in a byte
// slice so that it can be zeroed, edits only at the end, and never shows what
// it holds, nor its length. No bubbles component ever sees it.
type secretField struct{ buf []byte }

func (f *secretField) key(k tea.KeyPressMsg) bool {
	switch {
	case key.Matches(k, keyErase):
		if len(f.buf) == 0 {
			return false
		}
		_, n := utf8.DecodeLastRune(f.buf)
		clear(f.buf[len(f.buf)-n:])
		f.buf = f.buf[:len(f.buf)-n]
		return true
	case key.Matches(k, keyClear):
		had := len(f.buf) > 0
		f.clear()
		return had
	}
	if k.Text != "" && k.Mod&^tea.ModShift == 0 {
		f.insert(k.Text)
		return true
	}
	return false
}

func (f *secretField) insert(s string) {
	for _, r := range s {
		// Controls are not part of a value.
		if r >= ' ' && r != 0x7f {
			f.buf = utf8.AppendRune(f.buf, r)
		}
	}
}

func (f *secretField) clear() {
	clear(f.buf)
	f.buf = f.buf[:0]
}

func (f *secretField) bytes() []byte { return f.buf }

func (f *secretField) take() []byte {
	b := f.buf
	f.buf = nil
	return b
}

// render says only whether anything has been typed.
func (f *secretField) render(st *styles) string {
	if len(f.buf) == 0 {
		return st.dim.Render("(nothing typed)") + st.cursor.Render(" ")
	}
	return st.dim.Render("(typed, hidden)") + st.cursor.Render(" ")
}
