package tui

import (
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/room"
)

// outline is the list of acts and steps, flattened once so that a frame
// renders only the lines that fit, however long the ceremony.
type outline struct {
	acts    []room.ActView
	entries []entry
	states  [][]room.StepState
}

// entry is one outline line: an act (step < 0) or a step.
type entry struct{ act, step int }

func newOutline(c room.Ceremony) outline {
	o := outline{acts: c.Acts}
	for a, act := range c.Acts {
		o.entries = append(o.entries, entry{a, -1})
		for s := range act.Steps {
			o.entries = append(o.entries, entry{a, s})
		}
	}
	return o
}

func (o *outline) step(a, s int) (room.StepView, bool) {
	if a < 0 || a >= len(o.acts) || s < 0 || s >= len(o.acts[a].Steps) {
		return room.StepView{}, false
	}
	return o.acts[a].Steps[s], true
}

func (o *outline) state(a, s int) room.StepState {
	if a < len(o.states) && s < len(o.states[a]) {
		return o.states[a][s]
	}
	return room.StepPending
}

// progress counts finished steps (done or skipped) and all steps.
func (o *outline) progress() (done, total int) {
	for a, act := range o.acts {
		for s := range act.Steps {
			total++
			if st := o.state(a, s); st == room.StepDone || st == room.StepSkipped {
				done++
			}
		}
	}
	return done, total
}

func (o *outline) actState(a int) room.StepState {
	all := len(o.acts[a].Steps) > 0
	for s := range o.acts[a].Steps {
		switch o.state(a, s) {
		case room.StepCurrent:
			return room.StepCurrent
		case room.StepFailed:
			return room.StepFailed
		case room.StepDone, room.StepSkipped:
		default:
			all = false
		}
	}
	if all {
		return room.StepDone
	}
	return room.StepPending
}

var marks = map[room.StepState]string{
	room.StepPending: "·",
	room.StepCurrent: "▶",
	room.StepDone:    "✓",
	room.StepSkipped: "–",
	room.StepFailed:  "✗",
}

// view renders the outline in a column w wide and h high: a window of
// entries around the current step, then the progress bar.
func (o *outline) view(st *styles, w, h int) []string {
	if h < 3 {
		return nil
	}
	rows := h - 2
	cur := 0
	for i, e := range o.entries {
		if e.step >= 0 && o.state(e.act, e.step) == room.StepCurrent {
			cur = i
			break
		}
	}
	start := max(min(cur-rows/3, len(o.entries)-rows), 0)
	end := min(start+rows, len(o.entries))
	lines := make([]string, 0, h)
	for i := start; i < end; i++ {
		e := o.entries[i]
		if e.step < 0 || (i == start && start > 0) {
			// The act stays named even when its first steps scrolled away.
			mark := marks[o.actState(e.act)]
			if mark == "·" {
				mark = " "
			}
			lines = append(lines, fit(st.bold.Render(fmt.Sprintf("%s %d %s", mark, e.act+1, o.acts[e.act].Title)), w))
			continue
		}
		lines = append(lines, o.stepLine(st, e, w))
	}
	for len(lines) < rows {
		lines = append(lines, "")
	}
	done, total := o.progress()
	bar := w - 2
	filled := 0
	if total > 0 {
		filled = bar * done / total
	}
	lines = append(lines, "",
		st.good.Render(strings.Repeat("━", filled))+st.dim.Render(strings.Repeat("─", bar-filled)))
	return lines
}

func (o *outline) stepLine(st *styles, e entry, w int) string {
	v := o.acts[e.act].Steps[e.step]
	state := o.state(e.act, e.step)
	line := fmt.Sprintf("  %s %s %s", marks[state], v.Number, firstLine(v.Text))
	switch state {
	case room.StepCurrent:
		return st.current.Render(fit(line, w))
	case room.StepDone, room.StepSkipped:
		return st.dim.Render(fit(line, w))
	case room.StepFailed:
		return st.bad.Render(fit(line, w))
	}
	return line
}

// firstLine is the start of a step's instruction without its Markdown marks.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.NewReplacer("**", "", "`", "", "# ", "").Replace(s)
}
