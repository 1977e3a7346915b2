package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/ceremony-dev/ceremony/runner"
)

// errLines renders a refusal the room can act on, wrapped to w cells.
func errLines(st *styles, msg string, w int) []string {
	return wrap(st.bad.Render("✗")+" "+msg, w, "  ")
}

// wrap breaks styled text into lines of w cells, indenting the continuations.
func wrap(s string, w int, indent string) []string {
	lines := strings.Split(ansi.Wrap(s, max(w-len(indent), 10), ""), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = indent + lines[i]
	}
	return lines
}

// chooser picks one option: the participant at the keyboard, usually.
type chooser struct {
	c   runner.Choice
	sel int
}

func newChooser(c runner.Choice) *chooser { return &chooser{c: c} }

func (p *chooser) title() string  { return p.c.Title }
func (p *chooser) wide() bool     { return false }
func (p *chooser) paste(string)   {}
func (p *chooser) keys() []string { return []string{"↑/↓ move", "1-9 pick", "enter choose"} }

func (p *chooser) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	switch s := k.String(); s {
	case "up", "k":
		p.sel = max(p.sel-1, 0)
	case "down", "j":
		p.sel = min(p.sel+1, len(p.c.Options)-1)
	case "enter":
		if len(p.c.Options) > 0 {
			return result{index: p.sel}, true, nil
		}
	default:
		if len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(p.c.Options) {
			p.sel = int(s[0] - '1')
		}
	}
	return result{}, false, nil
}

func (p *chooser) view(st *styles, w int) []string {
	lines := []string{""}
	for i, o := range p.c.Options {
		line := fmt.Sprintf("  %d  %s", i+1, o)
		if i == p.sel {
			line = st.current.Render(fmt.Sprintf("▶ %d  %s ", i+1, o))
		}
		lines = append(lines, line)
	}
	return lines
}

// confirmer asks the actor to confirm a step was carried out, then each
// witness to confirm with their own initials.
type confirmer struct {
	c runner.Confirmation
	// ask is what is confirmed, when it is not the step's instruction
	// already on screen (a checklist item, the clock, a sign-off).
	ask      string
	stage    int // 0: the actor; i > 0: witness i-1
	initials field
	err      string
}

func newConfirmer(c runner.Confirmation) *confirmer { return &confirmer{c: c} }

func (p *confirmer) title() string { return "Confirm step " + p.c.Step.Number }
func (p *confirmer) wide() bool    { return false }
func (p *confirmer) paste(string)  {}

func (p *confirmer) keys() []string {
	if p.stage == 0 {
		return []string{"enter confirm"}
	}
	return []string{"type initials", "enter confirm"}
}

func (p *confirmer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if k.String() != "enter" {
		if p.stage > 0 && p.initials.key(k) {
			p.err = ""
		}
		return result{}, false, nil
	}
	if p.stage > 0 {
		wit := p.c.Witnesses[p.stage-1]
		if p.c.CheckInitials != nil {
			if err := p.c.CheckInitials(wit, strings.TrimSpace(p.initials.String())); err != nil {
				p.err = err.Error()
				p.initials.clear()
				return result{}, false, nil
			}
		}
		p.initials.clear()
	}
	p.stage++
	p.err = ""
	return result{}, p.stage > len(p.c.Witnesses), nil
}

func (p *confirmer) view(st *styles, w int) []string {
	box := func(done bool) string {
		if done {
			return st.good.Render("[✓]")
		}
		return "[ ]"
	}
	var lines []string
	if p.ask != "" {
		lines = append(lines, markdown(st, p.ask, w)...)
	}
	lines = append(lines, "",
		box(p.stage > 0)+" "+st.bold.Render(p.c.Actor.Name)+" ("+strings.Join(p.c.Actor.Roles, ", ")+") confirms",
	)
	for i, wit := range p.c.Witnesses {
		line := box(p.stage > i+1) + " " + st.bold.Render(wit.Name) + " (" + strings.Join(wit.Roles, ", ") + ") witnesses"
		if p.stage == i+1 {
			line += " — initials: " + p.initials.render(st)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "")
	switch {
	case p.err != "":
		lines = append(lines, errLines(st, p.err, w)...)
	case p.stage == 0:
		lines = append(lines, wrap(p.c.Actor.Name+", press enter to confirm.", w, "")...)
	default:
		lines = append(lines, wrap(p.c.Witnesses[p.stage-1].Name+", type your initials and press enter.", w, "")...)
	}
	return lines
}

// valuer asks for one typed value; a secret is never shown.
type valuer struct {
	v     runner.ValueRequest
	input field
	err   string
}

func newValuer(v runner.ValueRequest) *valuer {
	return &valuer{v: v, input: field{secret: v.Secret}}
}

func (p *valuer) title() string  { return p.v.Label }
func (p *valuer) wide() bool     { return false }
func (p *valuer) keys() []string { return []string{"enter submit", "ctrl+u clear"} }

func (p *valuer) paste(s string) {
	// A secret is typed by the one who knows it, not pasted from somewhere
	// it was stored.
	if !p.v.Secret {
		p.input.insert(s)
	}
}

func (p *valuer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if k.String() != "enter" {
		if p.input.key(k) {
			p.err = ""
		}
		return result{}, false, nil
	}
	if p.v.Validate != nil {
		if err := p.v.Validate(p.input.buf); err != nil {
			p.err = err.Error()
			if p.v.Secret {
				p.input.clear()
			}
			return result{}, false, nil
		}
	}
	return result{value: p.input.take()}, true, nil
}

func (p *valuer) view(st *styles, w int) []string {
	lines := []string{}
	if p.v.Help != "" {
		lines = append(lines, st.dim.Render(p.v.Help))
	}
	if p.v.Secret {
		lines = append(lines, st.dim.Render("Secret: nothing you type is shown."))
	}
	lines = append(lines, "", "> "+p.input.render(st))
	if p.err != "" {
		lines = append(lines, "")
		lines = append(lines, errLines(st, p.err, w)...)
	}
	return lines
}

// sheeter shows one holder their share sheet: first a screen that sends
// everyone else's eyes away, then the sheet, then nothing.
type sheeter struct {
	s     runner.Sheet
	shown bool
}

func newSheeter(s runner.Sheet) *sheeter { return &sheeter{s: s} }

func (p *sheeter) title() string {
	return "Share sheet for " + p.s.Holder.Name
}
func (p *sheeter) wide() bool   { return true }
func (p *sheeter) paste(string) {}
func (p *sheeter) clears()      {}

func (p *sheeter) keys() []string {
	if p.shown {
		return []string{"enter done: clear the screen"}
	}
	return []string{"enter show the sheet"}
}

func (p *sheeter) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if k.String() != "enter" {
		return result{}, false, nil
	}
	if !p.shown {
		p.shown = true
		return result{}, false, nil
	}
	return result{}, true, nil
}

func (p *sheeter) view(st *styles, w int) []string {
	name := p.s.Holder.Name
	if !p.shown {
		lines := []string{"", st.bold.Render(name) + ", step up to the screen."}
		lines = append(lines, wrap("Everyone else: look away from the screen and the projector until it is cleared.", w, "")...)
		return append(lines, "", name+", press enter to show your sheet.")
	}
	lines := []string{"", st.bold.Render(p.s.Title), ""}
	if len(p.s.Words) > 0 {
		// Laid out here, the words fit the screen whatever the sheet's text.
		lines = append(lines, wordGrid(st, p.s.Words, w, -1)...)
	} else {
		lines = append(lines, strings.Split(strings.TrimRight(p.s.Body, "\n"), "\n")...)
	}
	lines = append(lines, "")
	return append(lines, wrap(name+", press enter once you have your sheet: the screen is cleared.", w, "")...)
}

// exceptionForm collects what was expected, what happened, the decision and
// who approved it.
type exceptionForm struct {
	f                  runner.ExceptionForm
	expected, happened field
	decision, approver int
	focus              int
	err                string
}

const (
	fieldExpected = iota
	fieldHappened
	fieldDecision
	fieldApprover
	fieldCount
)

func newExceptionForm(f runner.ExceptionForm) *exceptionForm {
	p := &exceptionForm{f: f}
	p.happened.insert(f.Happened)
	return p
}

func isExceptionForm(p prompt) bool {
	_, ok := p.(*exceptionForm)
	return ok
}

func (p *exceptionForm) title() string {
	if p.f.Step.Number == "" {
		return "Exception"
	}
	return "Exception at step " + p.f.Step.Number
}
func (p *exceptionForm) wide() bool { return false }

func (p *exceptionForm) keys() []string {
	keys := []string{"tab next field", "shift+tab previous"}
	if p.focus >= fieldDecision {
		keys = append(keys, "←/→ change")
	}
	return append(keys, "enter next/record")
}

func (p *exceptionForm) text() *field {
	switch p.focus {
	case fieldExpected:
		return &p.expected
	case fieldHappened:
		return &p.happened
	}
	return nil
}

func (p *exceptionForm) paste(s string) {
	if f := p.text(); f != nil {
		f.insert(s)
	}
}

func (p *exceptionForm) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	p.err = ""
	switch k.String() {
	case "tab", "down":
		p.focus = (p.focus + 1) % fieldCount
		return result{}, false, nil
	case "shift+tab", "up":
		p.focus = (p.focus + fieldCount - 1) % fieldCount
		return result{}, false, nil
	case "left", "right":
		step := 1
		if k.String() == "left" {
			step = -1
		}
		switch p.focus {
		case fieldDecision:
			p.decision = cycle(p.decision, step, len(p.f.Decisions))
		case fieldApprover:
			p.approver = cycle(p.approver, step, len(p.f.Approvers))
		}
		return result{}, false, nil
	case "enter":
		if p.focus < fieldApprover {
			p.focus++
			return result{}, false, nil
		}
		return p.submit()
	}
	if f := p.text(); f != nil {
		f.key(k)
	}
	return result{}, false, nil
}

func cycle(i, step, n int) int {
	if n == 0 {
		return 0
	}
	return (i + step + n) % n
}

func (p *exceptionForm) submit() (result, bool, tea.Cmd) {
	r := runner.ExceptionReport{
		Expected: strings.TrimSpace(p.expected.String()),
		Happened: strings.TrimSpace(p.happened.String()),
	}
	switch {
	case r.Expected == "":
		p.err, p.focus = "say what was expected", fieldExpected
	case r.Happened == "":
		p.err, p.focus = "say what happened", fieldHappened
	case len(p.f.Decisions) == 0:
		p.err = "the script allows no decision here: leave the ceremony with ctrl+c"
	case len(p.f.Approvers) == 0:
		p.err = "no one on the roster may approve this exception: leave the ceremony with ctrl+c"
	default:
		r.Decision = p.f.Decisions[p.decision]
		r.Approver = p.f.Approvers[p.approver]
		return result{report: r}, true, nil
	}
	return result{}, false, nil
}

func (p *exceptionForm) view(st *styles, w int) []string {
	label := func(i int, name string) string {
		if i == p.focus {
			return st.current.Render(name)
		}
		return st.bold.Render(name)
	}
	text := func(i int, f *field) string {
		if i == p.focus {
			return f.render(st)
		}
		return f.String()
	}
	// A choice shows the option taken: a roster does not fit on one line.
	choice := func(i int, opts []string, sel int) string {
		switch {
		case len(opts) == 0:
			return st.dim.Render("(none allowed)")
		case i == p.focus:
			return st.current.Render("‹ "+opts[sel]+" ›") + st.dim.Render(fmt.Sprintf(" %d of %d", sel+1, len(opts)))
		}
		return opts[sel]
	}
	approvers := make([]string, len(p.f.Approvers))
	for i, a := range p.f.Approvers {
		approvers[i] = a.Name
		if len(a.Roles) > 0 {
			approvers[i] += " (" + strings.Join(a.Roles, ", ") + ")"
		}
	}
	lines := wrap("Record what departs from the script. Everyone in the room should agree on the words.", w, "")
	lines = append(lines, "",
		label(fieldExpected, "Expected:")+" "+text(fieldExpected, &p.expected),
		label(fieldHappened, "Happened:")+" "+text(fieldHappened, &p.happened),
		label(fieldDecision, "Decision:")+" "+choice(fieldDecision, p.f.Decisions, p.decision),
		label(fieldApprover, "Approver:")+" "+choice(fieldApprover, approvers, p.approver),
	)
	if p.err != "" {
		lines = append(lines, "")
		lines = append(lines, errLines(st, p.err, w)...)
	}
	return lines
}
