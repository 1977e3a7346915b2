package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestTinyScreens: a terminal shrunk to almost nothing still gets a screen
// that fits it, whatever is on it.
func TestTinyScreens(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {10, 3}, {20, 5}, {40, 10}, {59, 12}, {79, 23}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := benchScreen(200)
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(m.View().Content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%d lines on a screen of %d", len(lines), size[1])
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w != size[0] {
					t.Fatalf("line %q is %d cells on a screen of %d", ansi.Strip(l), w, size[0])
				}
			}
		})
	}
}

func TestSqueeze(t *testing.T) {
	cases := []struct {
		in   []string
		h    int
		want []string
	}{
		{[]string{"a", "", "b"}, 3, []string{"a", "", "b"}},
		{[]string{"a", "", "b", "", "c"}, 4, []string{"a", "b", "", "c"}},
		{[]string{"a", "", "b", "", "c"}, 3, []string{"a", "b", "c"}},
		{[]string{"a", "", "b", "", "c"}, 2, []string{"…", "c"}},
	}
	for _, c := range cases {
		if got := squeeze(c.in, c.h); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("squeeze(%q, %d) = %q, want %q", c.in, c.h, got, c.want)
		}
	}
}
