// Package visible shows untrusted text as what it is: control characters
// and the Unicode controls that reorder text (bidirectional overrides and
// isolates) are written as escapes, so that a name, a label or a typed value
// can neither move the cursor, recolour the screen, forge a line on a share
// sheet, nor show one thing while being another. It is a leaf.
package visible

import (
	"fmt"
	"strings"
)

// Hidden reports whether r is a character that must not reach a screen or
// a page as itself: C0 and C1 controls, DEL, and the bidirectional and
// zero-width format characters.
func Hidden(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x200b, r == 0x200c, r == 0x200d, r == 0x200e, r == 0x200f, r == 0x061c, r == 0xfeff:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// String writes every hidden character of s, newlines included, as an
// escape: "\x1b", "\n", "\u202e".
func String(s string) string { return escape(s, false) }

// Text is String for text of several lines: newlines and tabs stay.
func Text(s string) string { return escape(s, true) }

func escape(s string, lines bool) string {
	if !strings.ContainsFunc(s, Hidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case lines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case Hidden(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case Hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Check refuses text with a hidden character, naming the first one and
// where it is; lines allows newlines and tabs.
func Check(s string, lines bool) error {
	for i, r := range s {
		if Hidden(r) && !(lines && (r == '\n' || r == '\t')) {
			return fmt.Errorf("it holds the control character %s at byte %d", escape(string(r), false), i)
		}
	}
	return nil
}
