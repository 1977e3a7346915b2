package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ceremony-dev/ceremony/room"
)

// FuzzShareEntryNeverEchoes types any sequence of keys into the share entry
// and checks, after every key, that no word it accepted and none of the
// letters being typed (once they begin a word) are on the screen.
func FuzzShareEntryNeverEchoes(f *testing.F) {
	f.Add("tac yuc upr ret\x7f\x7f snapl wic ")
	f.Add("quixotic zebra\x7f\x7f\x7f\x7f\x7f\x7f tactics ")
	words := [2][]string{{"snapline", "tactics", "uproot"}, {"retrieval", "Wichita", "Yucatan"}}
	st := newStyles(true)
	f.Fuzz(func(t *testing.T, keys string) {
		var accepted []string
		p := newShareEntry(room.ShareEntry{Holder: room.Participant{Name: "Carol Chen"}, Label: "set", K: 1, M: 2, Words: 4,
			Complete: func(i int, prefix []byte) []string {
				var out []string
				for _, w := range words[i%2] {
					if strings.HasPrefix(strings.ToLower(w), string(prefix)) {
						out = append(out, w)
					}
				}
				return out
			},
			Word: func(i int, typed []byte) (string, error) {
				at := slices.IndexFunc(words[i%2], func(x string) bool { return strings.EqualFold(x, string(typed)) })
				if at < 0 {
					return "", errors.New("not a word of this position")
				}
				return words[i%2][at], nil
			},
			Submit: func(ws []string) error { return errors.New("refused") },
		})
		for _, r := range keys {
			var k tea.KeyPressMsg
			switch r {
			case ' ':
				k = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
			case 0x7f:
				k = tea.KeyPressMsg{Code: tea.KeyBackspace}
			default:
				k = tea.KeyPressMsg{Code: r, Text: string(r)}
			}
			_, _, work := p.key(k)
			if work != nil {
				msg := work().(finished)
				msg.outcome()
			}
			accepted = append(accepted[:0], p.words...)
			screen := strings.ToLower(ansi.Strip(strings.Join(p.view(&st, 80), "\n")))
			for _, w := range accepted {
				if strings.Contains(screen, strings.ToLower(w)) {
					t.Fatalf("accepted word %q on the screen:\n%s", w, screen)
				}
			}
			if b := string(p.buf); len(b) >= 3 && len(p.s.Complete(len(p.words), p.buf)) > 0 && strings.Contains(screen, b) {
				t.Fatalf("letters %q on the screen:\n%s", b, screen)
			}
		}
	})
}
