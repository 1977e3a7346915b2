package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ceremony-dev/ceremony/room"
)

// Below these widths the outline gives its column to the step and prompt:
// always below minOutline, and for wide prompts below roomyOutline.
const (
	minOutline   = 60
	roomyOutline = 100
)

func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = m.cer.Name
	return v
}

func (m *model) size() (int, int) {
	w, h := m.width, m.height
	if w <= 0 {
		w = 80
	}
	if h <= 0 {
		h = 24
	}
	return w, h
}

// render lays out the whole screen as exactly height lines of width cells.
func (m *model) render() string {
	w, h := m.size()
	lines := make([]string, 0, h)
	lines = append(lines, m.header(w)...)
	lines = append(lines, m.st.rule.Render(strings.Repeat("─", w)))
	footer := m.footer(w)
	bodyH := max(h-len(lines)-len(footer), 0)
	lines = append(lines, m.body(w, bodyH)...)
	lines = append(lines, footer...)
	var b strings.Builder
	b.Grow(h * (w + 16))
	for i, l := range lines[:min(len(lines), h)] {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fit(l, w))
	}
	return b.String()
}

// fit cuts or pads a styled line to exactly w cells.
func fit(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// spread puts left and right on one line of width w, with mid centred between.
func spread(w int, left, mid, right string) string {
	lw, mw, rw := ansi.StringWidth(left), ansi.StringWidth(mid), ansi.StringWidth(right)
	gap := w - lw - mw - rw
	if gap < 2 {
		return left + " " + mid + " " + right
	}
	before := max((w-mw)/2-lw, 1)
	if before > gap-1 {
		before = gap - 1
	}
	return left + strings.Repeat(" ", before) + mid + strings.Repeat(" ", gap-before) + right
}

func (m *model) header(w int) []string {
	name := " " + m.st.title.Render(m.cer.Name)
	if m.cer.Version != "" {
		name += " " + m.cer.Version
	}
	badge := m.st.live.Render(" ● LIVE CEREMONY ● ")
	if m.cer.Rehearsal {
		badge = m.st.rehearsal.Render(" REHEARSAL · NOT LIVE ")
	}
	clock := m.now.UTC().Format("2006-01-02 15:04:05") + " UTC "
	events := fmt.Sprintf(" events %d", m.status.Events)
	if len(m.status.HeadWords) > 0 {
		events += " · head " + m.st.bold.Render(strings.Join(m.status.HeadWords, " "))
	}
	done, total := m.outline.progress()
	where := fmt.Sprintf("%d/%d done ", done, total)
	if v, ok := m.outline.step(m.status.Act, m.status.Step); ok {
		where = "step " + v.Number + " · " + where
	}
	if ansi.StringWidth(name+badge+clock)+4 > w {
		// Narrow: the clock moves down rather than off the screen.
		second := " " + clock
		if ansi.StringWidth(clock+where)+4 <= w {
			second = spread(w, second, "", where)
		}
		return []string{spread(w, name, "", badge), second, events}
	}
	return []string{spread(w, name, badge, clock), spread(w, events, "", where)}
}

// footer lists the keys that work now, on as many lines as they need.
func (m *model) footer(w int) []string {
	var keys []key.Binding
	switch {
	case m.quitField != nil:
		keys = []key.Binding{keyQuitNow, keyStay}
	case m.pending != nil:
		// The exception key does nothing in the exception form.
		exception := keyException
		exception.SetEnabled(!isExceptionForm(m.pending.prompt))
		keys = append(m.pending.prompt.keys(), exception, keyLeave)
	case m.end != nil:
		keys = []key.Binding{keyCloseEnd}
	default:
		keys = []key.Binding{keyException, keyLeave}
	}
	return footerLines(&m.help, keys, w)
}

func (m *model) body(w, h int) []string {
	if m.end != nil && m.pending == nil && m.quitField == nil {
		return pad(clip(m.endView(w), h), h)
	}
	wide := m.pending != nil && m.pending.prompt.wide()
	if w < minOutline || (wide && w < roomyOutline) || len(m.outline.entries) == 0 {
		return pad(clip(m.main(w, h, wide), h), h)
	}
	ow := min(max(w*3/10, 24), 40)
	left := m.outline.view(&m.st, ow, h)
	right := m.main(w-ow-3, h, wide)
	sep := m.st.rule.Render(" │ ")
	out := make([]string, h)
	for i := range out {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = fit(l, ow) + sep + r
	}
	return out
}

// squeeze makes a prompt fit h lines: first its blank lines go, then its
// top, since what is being typed and the refusal of it are at the bottom.
func squeeze(lines []string, h int) []string {
	if len(lines) <= h {
		return lines
	}
	kept := lines[:0:0]
	for i, l := range lines {
		if l != "" || len(lines)-i+len(kept) <= h {
			kept = append(kept, l)
		}
	}
	if len(kept) > h && h > 0 {
		kept = append([]string{"…"}, kept[len(kept)-h+1:]...)
	}
	return kept
}

// pad fills lines up to h, so that the footer stays at the bottom.
func pad(lines []string, h int) []string {
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// clip keeps the first h lines, marking what was cut.
func clip(lines []string, h int) []string {
	if len(lines) <= h {
		return lines
	}
	if h == 0 {
		return nil
	}
	lines = lines[:h]
	lines[h-1] = "…"
	return lines
}

// main is the right-hand column: the current step, the last notice, the
// prompt. When space is short the step's text gives way to the prompt.
func (m *model) main(w, h int, wide bool) []string {
	var p []string
	switch {
	case m.quitField != nil:
		p = m.quitView(w)
	case m.pending != nil:
		p = append([]string{m.st.title.Render(m.pending.prompt.title())}, m.pending.prompt.view(&m.st, w)...)
	case m.raised:
		p = []string{m.st.warn.Render("Exception requested: the form opens when the current operation ends.")}
	case m.leaving != "":
		p = []string{m.st.warn.Render("Leaving: the ceremony stops when the current operation ends.")}
	case m.cer.Name == "":
		p = []string{m.st.dim.Render("Waiting for the ceremony to begin…")}
	default:
		p = []string{m.st.dim.Render("Working…")}
	}
	switch {
	case m.raised && m.pending != nil:
		p = append(p, "", m.st.warn.Render("Exception requested: the form opens when this check ends."))
	case m.leaving != "" && m.pending != nil:
		p = append(p, "", m.st.warn.Render("Leaving: the ceremony stops when this check ends."))
	}
	if m.notice != nil {
		p = append(m.noticeView(w), p...)
	}
	p = squeeze(p, h)
	room := h - len(p) - 1
	var step []string
	if wide {
		step = m.stepLine(w)
	} else {
		step = m.stepView(w)
	}
	if len(step) > room {
		step = m.stepLine(w)
	}
	if len(step) > room {
		step = nil
	}
	if len(step) > 0 {
		step = append(step, "")
	}
	return append(step, p...)
}

func (m *model) noticeView(w int) []string {
	st := m.st.good
	mark := "✓ "
	switch m.notice.Level {
	case "warn":
		st, mark = m.st.warn, "! "
	case "error":
		st, mark = m.st.bad, "✗ "
	}
	return append(wrap(st.Render(mark)+m.notice.Text, w, "  "), "")
}

// stepLine is the current step in one line, for when the prompt needs room.
func (m *model) stepLine(w int) []string {
	v, ok := m.outline.step(m.status.Act, m.status.Step)
	if !ok {
		return nil
	}
	return []string{m.st.bold.Render("Step "+v.Number) + " · " + m.who(v)}
}

func (m *model) who(v room.StepView) string {
	s := "by " + m.st.bold.Render(v.Role)
	if a := m.status.Actor; a != nil {
		s += " " + a.Name
	}
	if len(v.Witnesses) > 0 {
		s += " · witness " + m.st.bold.Render(strings.Join(v.Witnesses, ", "))
		if len(m.status.Witnesses) > 0 {
			names := make([]string, len(m.status.Witnesses))
			for i, p := range m.status.Witnesses {
				names[i] = p.Name
			}
			s += " " + strings.Join(names, ", ")
		}
	}
	return s
}

func (m *model) stepView(w int) []string {
	v, ok := m.outline.step(m.status.Act, m.status.Step)
	if !ok {
		return nil
	}
	act := m.cer.Acts[m.status.Act].Title
	lines := []string{m.st.title.Render("Step "+v.Number) + m.st.dim.Render(" · "+act)}
	lines = append(lines, m.md.render(&m.st, v.Text, w)...)
	role := v.Role
	if v.RoleTitle != "" {
		role += " (" + v.RoleTitle + ")"
	}
	if a := m.status.Actor; a != nil {
		role += " — " + a.Name
	}
	lines = append(lines, m.st.dim.Render("acts:     ")+m.st.bold.Render(role))
	if len(v.Witnesses) > 0 {
		wit := strings.Join(v.Witnesses, ", ")
		if len(m.status.Witnesses) > 0 {
			names := make([]string, len(m.status.Witnesses))
			for i, p := range m.status.Witnesses {
				names[i] = p.Name
			}
			wit += " — " + strings.Join(names, ", ")
		}
		lines = append(lines, m.st.dim.Render("witness:  ")+m.st.bold.Render(wit))
	}
	if v.Does != "" {
		lines = append(lines, m.st.dim.Render("does:     ")+m.st.code.Render(v.Does))
	}
	return lines
}

func (m *model) quitView(w int) []string {
	lines := []string{m.st.warn.Render("Leave the ceremony?"), ""}
	lines = append(lines, wrap("The ceremony stops here and the transcript records why. "+
		"Type the reason and press enter, or press esc to stay.", w, "")...)
	lines = append(lines, "", "Reason: "+m.quitField.render(&m.st))
	if m.quitErr != "" {
		lines = append(lines, "")
		lines = append(lines, errLines(&m.st, m.quitErr, w)...)
	}
	return lines
}

func (m *model) endView(w int) []string {
	s := m.end
	var lines []string
	if s.Complete {
		lines = append(lines, m.st.good.Render("The ceremony is complete."))
	} else {
		lines = append(lines, m.st.warn.Render("The ceremony stopped before its end."))
	}
	lines = append(lines, "")
	lines = append(lines, wrap(fmt.Sprintf("Final checkpoint: %d events. Internal witness, copy the head onto the paper script:", s.Events), w, "")...)
	lines = append(lines, "")
	lines = append(lines, wordGrid(&m.st, s.HeadWords, w, -1)...)
	lines = append(lines, "", m.st.dim.Render("head (hex): ")+groupHex(s.Head, 4, 8, -1, &m.st)[0])
	for _, l := range groupHex(s.Head, 4, 8, -1, &m.st)[1:] {
		lines = append(lines, "            "+l)
	}
	lines = append(lines, "", "Bundle: "+m.st.bold.Render(s.Bundle))
	if m.closing {
		lines = append(lines, "", "Press enter to close the screen.")
	}
	return lines
}
