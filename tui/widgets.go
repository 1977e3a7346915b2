package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ceremony-dev/ceremony/room"
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
	c    room.Choice
	sel  int
	pick key.Binding // the digits of the options there are
}

func newChooser(c room.Choice) *chooser {
	return &chooser{c: c, pick: digits(len(c.Options), "pick")}
}

func (p *chooser) title() string { return p.c.Title }
func (p *chooser) wide() bool    { return false }
func (p *chooser) paste(string)  {}

func (p *chooser) keys() []key.Binding {
	choose := keyChoose
	choose.SetEnabled(len(p.c.Options) > 0)
	return []key.Binding{joined("↑/↓", "move", keyUp, keyDown), p.pick, choose}
}

func (p *chooser) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	switch {
	case key.Matches(k, keyUp):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, keyDown):
		p.sel = min(p.sel+1, len(p.c.Options)-1)
	case key.Matches(k, keyChoose):
		if len(p.c.Options) > 0 {
			return result{index: p.sel}, true, nil
		}
	case key.Matches(k, p.pick):
		p.sel = int(k.String()[0] - '1')
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

// confirmer asks the actor, then each witness, to confirm with their own
// initials, under what the step produced. A remote participant's initials
// are typed by the one at the keyboard, as they give them by phone.
type confirmer struct {
	c room.Confirmation
	// ask is what is confirmed, when it is not the step's instruction
	// already on screen (a checklist item, the clock, a sign-off).
	ask      string
	stage    int // 0: the actor; i > 0: witness i-1
	initials *textLine
	err      string
}

func newConfirmer(c room.Confirmation) *confirmer {
	return &confirmer{c: c, initials: newTextLine()}
}

func (p *confirmer) title() string { return "Confirm step " + p.c.Step.Number }
func (p *confirmer) wide() bool    { return false }
func (p *confirmer) paste(string)  {}

func (p *confirmer) keys() []key.Binding { return []key.Binding{keyConfirm, keyClear} }

// people are who confirm, in order: the actor, then the witnesses.
func (p *confirmer) people() []room.Participant {
	return append([]room.Participant{p.c.Actor}, p.c.Witnesses...)
}

func (p *confirmer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if !key.Matches(k, keyConfirm) {
		if p.initials.key(k) {
			p.err = ""
		}
		return result{}, false, nil
	}
	who := p.people()[p.stage]
	if p.c.CheckInitials != nil {
		if err := p.c.CheckInitials(who, strings.TrimSpace(p.initials.String())); err != nil {
			p.err = err.Error()
			p.initials.clear()
			return result{}, false, nil
		}
	}
	p.initials.clear()
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
	if len(p.c.Shows) > 0 {
		lines = append(lines, "")
		lines = append(lines, facts(st, p.c.Shows, w)...)
	}
	lines = append(lines, "")
	for i, who := range p.people() {
		does := " confirms"
		if i > 0 {
			does = " witnesses"
		}
		line := box(p.stage > i) + " " + st.bold.Render(who.Name) + " (" + strings.Join(who.Roles, ", ") + ")" + does
		if who.Remote {
			line += ", by phone"
		}
		if p.stage == i {
			line += ": " + p.initials.render(st)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "")
	who := p.people()[p.stage]
	switch {
	case p.err != "":
		lines = append(lines, errLines(st, p.err, w)...)
	case who.Remote:
		lines = append(lines, wrap(p.c.Keyboard.Name+", type the initials "+who.Name+" gives by phone and press enter.", w, "")...)
	default:
		lines = append(lines, wrap(who.Name+", type your initials and press enter.", w, "")...)
	}
	return lines
}

// facts lays out what a step produced, each value under its label so that a
// key or a fingerprint is never cut.
func facts(st *styles, fs []room.Fact, w int) []string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, st.dim.Render(f.Label+":"))
		for _, l := range strings.Split(f.Value, "\n") {
			for _, part := range strings.Split(ansi.Wrap(l, max(w-2, 10), ""), "\n") {
				lines = append(lines, "  "+st.bold.Render(part))
			}
		}
	}
	return lines
}

// valuer asks for one typed value; a secret is never shown.
type valuer struct {
	v     room.ValueRequest
	input line
	err   string
}

func newValuer(v room.ValueRequest) *valuer {
	p := &valuer{v: v, input: newTextLine()}
	if v.Secret {
		p.input = &secretField{}
	}
	return p
}

func (p *valuer) title() string       { return p.v.Label }
func (p *valuer) wide() bool          { return false }
func (p *valuer) keys() []key.Binding { return []key.Binding{keySubmit, keyClear} }

func (p *valuer) paste(s string) {
	// A secret is typed by the one who knows it, not pasted from somewhere
	// it was stored.
	if !p.v.Secret {
		p.input.insert(s)
	}
}

func (p *valuer) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	if !key.Matches(k, keySubmit) {
		if p.input.key(k) {
			p.err = ""
		}
		return result{}, false, nil
	}
	if p.v.Validate != nil {
		if err := p.v.Validate(p.input.bytes()); err != nil {
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
	s     room.Sheet
	shown bool
	// show and done are the two uses of enter, one at a time.
	show, done key.Binding
}

func newSheeter(s room.Sheet) *sheeter {
	p := &sheeter{s: s, show: keySheetShow, done: keySheetDone}
	p.hide()
	return p
}

func (p *sheeter) title() string {
	if p.s.Again {
		return "Share sheet for " + p.s.Holder.Name + ", again"
	}
	return "Share sheet for " + p.s.Holder.Name
}
func (p *sheeter) wide() bool   { return true }
func (p *sheeter) paste(string) {}
func (p *sheeter) clears()      {}

// hide goes back to the look-away screen: whatever takes the screen from a
// sheet (a question to leave, an exception) gives it back only that way.
func (p *sheeter) hide() {
	p.shown = false
	p.show.SetEnabled(true)
	p.done.SetEnabled(false)
}

func (p *sheeter) keys() []key.Binding { return []key.Binding{p.show, p.done} }

func (p *sheeter) key(k tea.KeyPressMsg) (result, bool, tea.Cmd) {
	switch {
	case key.Matches(k, p.show):
		p.shown = true
		p.show.SetEnabled(false)
		p.done.SetEnabled(true)
	case key.Matches(k, p.done):
		return result{}, true, nil
	}
	return result{}, false, nil
}

func (p *sheeter) view(st *styles, w int) []string {
	name := p.s.Holder.Name
	if !p.shown {
		var lines []string
		if p.s.Void != "" {
			lines = append(lines, banner(st, p.s.Void, w)...)
		}
		lines = append(lines, "", st.bold.Render(name)+", step up to the screen.")
		if p.s.Again {
			lines = append(lines, wrap("Your copy did not check: your sheet is shown again so that you can correct it.", w, "")...)
		}
		lines = append(lines, wrap("Everyone else: look away from the screen until it is cleared.", w, "")...)
		return append(lines, "", name+", press enter to show your sheet.")
	}
	lines := []string{st.bold.Render(p.s.Title)}
	if p.s.Void != "" {
		lines = append(lines, st.bad.Render(" EVERY EARLIER SHEET OF SET "+strings.ToUpper(p.s.Set)+" IS VOID "))
	}
	lines = append(lines,
		fmt.Sprintf("Holder %s · share %d of %d, any %d recover · %s", name, p.s.Index, p.s.N, p.s.M, p.s.Date),
		st.dim.Render("Set id ")+p.s.Set+st.dim.Render(" · fingerprint ")+p.s.Fingerprint, "")
	if len(p.s.Words) > 0 {
		// Laid out here, the words fit the screen whatever the sheet's text.
		lines = append(lines, wordGrid(st, p.s.Words, w, -1)...)
	} else {
		lines = append(lines, strings.Split(strings.TrimRight(p.s.Body, "\n"), "\n")...)
	}
	lines = append(lines, "")
	return append(lines, wrap(name+", copy the set id, fingerprint and words onto your sheet, check them, and press enter: the screen is cleared.", w, "")...)
}

// banner is a message for the whole room in the largest type a terminal
// has: reverse video in a box across the screen.
func banner(st *styles, msg string, w int) []string {
	inner := max(w-4, 10)
	var lines []string
	edge := st.bad.Render(strings.Repeat(" ", inner+2))
	lines = append(lines, edge)
	for _, l := range strings.Split(ansi.Wrap(msg, inner, ""), "\n") {
		lines = append(lines, st.bad.Render(" "+l+strings.Repeat(" ", max(inner-ansi.StringWidth(l), 0))+" "))
	}
	return append(lines, edge)
}

// exceptionForm collects what was expected, what happened, the decision and
// who approved it.
type exceptionForm struct {
	f                  room.ExceptionForm
	expected, happened *textLine
	decision, approver int
	focus              int
	err                string
	// change holds ←/→, which change a choice and leave a text field's
	// cursor alone: on only while a choice has the focus.
	left, right, change key.Binding
}

const (
	fieldExpected = iota
	fieldHappened
	fieldDecision
	fieldApprover
	fieldCount
)

func newExceptionForm(f room.ExceptionForm) *exceptionForm {
	p := &exceptionForm{f: f, expected: newTextLine(), happened: newTextLine(), left: keyChoiceL, right: keyChoiceR}
	p.expected.set(f.Expected)
	p.happened.set(f.Happened)
	p.refocus()
	return p
}

// refocus switches the choice keys on or off for the field with the focus.
func (p *exceptionForm) refocus() {
	p.left.SetEnabled(p.focus >= fieldDecision)
	p.right.SetEnabled(p.focus >= fieldDecision)
	p.change = joined("←/→", "change", p.left, p.right)
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

func (p *exceptionForm) keys() []key.Binding {
	return []key.Binding{keyNextField, keyPrevField, p.change, keyFormEnter}
}

func (p *exceptionForm) text() *textLine {
	switch p.focus {
	case fieldExpected:
		return p.expected
	case fieldHappened:
		return p.happened
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
	defer p.refocus()
	switch {
	case key.Matches(k, keyNextField):
		p.focus = (p.focus + 1) % fieldCount
	case key.Matches(k, keyPrevField):
		p.focus = (p.focus + fieldCount - 1) % fieldCount
	case key.Matches(k, p.change):
		step := 1
		if key.Matches(k, p.left) {
			step = -1
		}
		switch p.focus {
		case fieldDecision:
			p.decision = cycle(p.decision, step, len(p.f.Decisions))
		case fieldApprover:
			p.approver = cycle(p.approver, step, len(p.f.Approvers))
		}
	case key.Matches(k, keyFormEnter):
		if p.focus < fieldApprover {
			p.focus++
			return result{}, false, nil
		}
		return p.submit()
	default:
		if f := p.text(); f != nil {
			f.key(k)
		}
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
	r := room.ExceptionReport{
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
	text := func(i int, f *textLine) string {
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
	intro := "Record what departs from the script. Everyone in the room should agree on the words."
	if p.f.Attempt > 1 {
		intro = fmt.Sprintf("The step has been tried %d times. ", p.f.Attempt) + intro
	}
	lines := wrap(intro, w, "")
	// A long text is wrapped under its label, never cut: what happened is
	// often a whole error message.
	lines = append(lines, "")
	lines = append(lines, wrap(label(fieldExpected, "Expected:")+" "+text(fieldExpected, p.expected), w, "          ")...)
	lines = append(lines, wrap(label(fieldHappened, "Happened:")+" "+text(fieldHappened, p.happened), w, "          ")...)
	lines = append(lines,
		label(fieldDecision, "Decision:")+" "+choice(fieldDecision, p.f.Decisions, p.decision),
		label(fieldApprover, "Approver:")+" "+choice(fieldApprover, approvers, p.approver),
	)
	if p.err != "" {
		lines = append(lines, "")
		lines = append(lines, errLines(st, p.err, w)...)
	}
	return lines
}
