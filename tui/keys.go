package tui

import (
	"strconv"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The keys of the screen. Each binding is both what a key press is matched
// against and what the footer says about it, so the footer cannot promise a
// key that does nothing. Prompts copy the ones they use and switch them off
// and on as their state changes; a switched-off binding neither matches nor
// shows.
var (
	keyException = key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "exception"))
	keyLeave     = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "leave"))
	keyQuitNow   = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "leave and record the reason"))
	keyStay      = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stay"))
	keyCloseEnd  = key.NewBinding(key.WithKeys("enter", "ctrl+c"), key.WithHelp("enter", "close the screen"))

	keyUp     = key.NewBinding(key.WithKeys("up", "k"))
	keyDown   = key.NewBinding(key.WithKeys("down", "j"))
	keyChoose = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose"))

	keyConfirm      = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm"))
	keySubmit       = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit"))
	keyCheck        = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "check the read-back"))
	keyMismatchNext = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "record the exception"))
	keyClear        = key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear"))
	keyErase        = key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "correct"))

	keySheetShow = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show the sheet"))
	keySheetDone = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done: clear the screen"))
	keyReshow    = key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "see my sheet again"))

	keyNextWord  = key.NewBinding(key.WithKeys("space", "tab", "enter"), key.WithHelp("space/tab/enter", "next word"))
	keyClearWord = key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear word"))

	keyNextField = key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field"))
	keyPrevField = key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous"))
	keyChoiceL   = key.NewBinding(key.WithKeys("left"))
	keyChoiceR   = key.NewBinding(key.WithKeys("right"))
	keyFormEnter = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next/record"))
)

// joined is the one footer entry for bindings that do one thing in two
// directions (↑/↓ move): it matches what they match and is on when the first
// of them is.
func joined(keys, desc string, bs ...key.Binding) key.Binding {
	var all []string
	for _, b := range bs {
		all = append(all, b.Keys()...)
	}
	j := key.NewBinding(key.WithKeys(all...), key.WithHelp(keys, desc))
	j.SetEnabled(bs[0].Enabled())
	return j
}

// digits binds 1 to n (at most 9), for picking the nth of n options.
func digits(n int, desc string) key.Binding {
	n = min(n, 9)
	if n < 1 {
		return key.NewBinding(key.WithDisabled())
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(i + 1)
	}
	h := "1"
	if n > 1 {
		h += "-" + keys[n-1]
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, desc))
}

func newHelp(st *styles) help.Model {
	h := help.New()
	h.ShortSeparator = " · "
	h.Styles.ShortKey = st.key
	h.Styles.ShortDesc = lipgloss.NewStyle()
	h.Styles.ShortSeparator = st.dim
	h.Styles.Ellipsis = st.dim
	return h
}

// footerLines renders the bindings that are on, on as many lines of w cells
// as they need: a key left off the footer is a key the room does not know.
func footerLines(h *help.Model, bs []key.Binding, w int) []string {
	sepW := ansi.StringWidth(h.ShortSeparator)
	var lines []string
	var line []key.Binding
	width := 1 // the leading space
	for _, b := range bs {
		if !b.Enabled() {
			continue
		}
		bw := ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc)
		if len(line) > 0 && width+sepW+bw > w {
			lines = append(lines, " "+h.ShortHelpView(line))
			line, width = nil, 1
		}
		if len(line) > 0 {
			width += sepW
		}
		line = append(line, b)
		width += bw
	}
	return append(lines, " "+h.ShortHelpView(line))
}
