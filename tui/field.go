package tui

import (
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// field is a one-line text input. It keeps its text in a byte slice so a
// secret can be zeroed, and edits only at the end: in the room, a value is
// typed, not composed.
type field struct {
	buf    []byte
	secret bool
}

// key applies an editing key and reports whether it was one.
func (f *field) key(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "backspace":
		if len(f.buf) > 0 {
			_, n := utf8.DecodeLastRune(f.buf)
			zero(f.buf[len(f.buf)-n:])
			f.buf = f.buf[:len(f.buf)-n]
		}
		return true
	case "ctrl+u":
		f.clear()
		return true
	}
	if k.Text != "" && k.Mod&^tea.ModShift == 0 {
		f.insert(k.Text)
		return true
	}
	return false
}

func (f *field) insert(s string) {
	for _, r := range s {
		// Newlines and other controls from a paste are not part of a value.
		if r >= ' ' && r != 0x7f {
			f.buf = utf8.AppendRune(f.buf, r)
		}
	}
}

func (f *field) clear() {
	zero(f.buf)
	f.buf = f.buf[:0]
}

// take hands the text over and forgets it.
func (f *field) take() []byte {
	b := f.buf
	f.buf = nil
	return b
}

func (f *field) String() string { return string(f.buf) }

// render shows the text with a cursor; a secret shows only whether anything
// has been typed, so neither it nor its length is on the screen.
func (f *field) render(st *styles) string {
	if f.secret {
		if len(f.buf) == 0 {
			return st.dim.Render("(nothing typed)") + st.cursor.Render(" ")
		}
		return st.dim.Render("(typed, hidden)") + st.cursor.Render(" ")
	}
	return string(f.buf) + st.cursor.Render(" ")
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
