package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ceremony-dev/ceremony/room"
)

// prompt is one widget waiting for the room's answer.
type prompt interface {
	// title names the prompt in one line.
	title() string
	// key handles a key press; done reports that res is the answer. A
	// closure that records something (Submit, Check) runs off the event loop
	// in work, so that the runner can report progress while it runs; work's
	// message, a finished, brings the outcome back.
	key(k tea.KeyPressMsg) (res result, done bool, work tea.Cmd)
	// paste handles pasted text; widgets that must be typed ignore it.
	paste(s string)
	// view renders the prompt at the given width.
	view(st *styles, width int) []string
	// keys lists the prompt's bindings, switched on when they work now, for
	// the footer.
	keys() []key.Binding
	// wide reports that the prompt needs the whole width more than the
	// outline needs a column.
	wide() bool
}

// clearer marks prompts that showed something secret: once answered, the
// terminal is cleared outright rather than redrawn over.
type clearer interface{ clears() }

type tickMsg time.Time

// finished brings the outcome of a prompt's work back to the event loop.
type finished struct {
	prompt  prompt
	outcome func() (result, bool, tea.Cmd)
}

type model struct {
	ui            *UI
	st            styles
	help          help.Model
	width, height int
	now           time.Time

	cer     room.Ceremony
	status  room.Status
	outline outline
	notice  *room.Notice

	pending *request
	// quitField is non-nil while the room is asked why it is leaving.
	quitField *textLine
	quitErr   string
	// leaving and raised hold a confirmed quit or a pressed exception key
	// while no prompt is pending; the next prompt answers with them.
	leaving string
	raised  bool
	// working is set while the pending prompt's work runs: what it records
	// is not cut short, so the exception key and a quit wait for the next
	// prompt.
	working bool

	end              *room.Summary
	endSeen, closing bool

	md mdCache
}

func newModel(u *UI) *model {
	m := &model{
		ui: u, st: newStyles(u.opts.NoColor), now: u.opts.Clock(),
		width: u.opts.Width, height: u.opts.Height,
		status: room.Status{Act: -1, Step: -1},
	}
	m.help = newHelp(&m.st)
	return m
}

func (m *model) listen() tea.Cmd { return m.ui.listen }

func (m *model) tick() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *model) Init() tea.Cmd { return tea.Batch(m.listen(), m.tick()) }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tickMsg:
		m.now = m.ui.opts.Clock()
		return m, m.tick()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case envelope:
		cmd := m.fromRunner(msg.msg)
		if msg.seen != nil {
			close(msg.seen)
		}
		return m, tea.Batch(cmd, m.listen())
	case finished:
		// A prompt cancelled or answered meanwhile has no use for it.
		if m.pending != nil && m.pending.prompt == msg.prompt {
			m.working = false
			r, done, work := msg.outcome()
			cmd := m.settle(r, done, work)
			if m.pending != nil && !m.working {
				m.deferred()
			}
			return m, cmd
		}
	case tea.PasteMsg:
		switch {
		case m.quitField != nil:
			m.quitField.insert(msg.Content)
		case m.pending != nil:
			m.pending.prompt.paste(msg.Content)
		}
	}
	return m, nil
}

// fromRunner takes in what the runner reported or asked.
func (m *model) fromRunner(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case beginMsg:
		m.cer = room.Ceremony(msg)
		m.outline = newOutline(m.cer)
	case progressMsg:
		if msg.Act != m.status.Act || msg.Step != m.status.Step {
			// A new step starts clean: the last step's notice is history.
			m.notice = nil
		}
		m.status = room.Status(msg)
		m.outline.states = m.status.States
	case noticeMsg:
		n := room.Notice(msg)
		m.notice = &n
	case endMsg:
		s := room.Summary(msg)
		m.end = &s
	case *request:
		if c, ok := msg.prompt.(*confirmer); ok {
			if v, _ := m.outline.step(m.status.Act, m.status.Step); v.Text != c.c.Step.Text {
				c.ask = c.c.Step.Text
			}
		}
		m.pending = msg
		m.deferred()
	case cancelMsg:
		if m.pending == msg.req {
			m.pending, m.working = nil, false
		}
	case closeMsg:
		m.closing = true
		if m.end == nil || m.endSeen {
			return tea.Quit
		}
	}
	return nil
}

// deferred answers the pending prompt with a quit or an exception the room
// asked for while nothing could take it.
func (m *model) deferred() {
	switch {
	case m.leaving != "":
		m.answer(result{err: &room.QuitError{Reason: m.leaving}})
		m.leaving = ""
	case m.raised:
		m.answer(result{err: room.ErrException})
		m.raised = false
	}
}

func (m *model) answer(r result) {
	m.pending.reply <- r
	m.pending = nil
}

func (m *model) key(k tea.KeyPressMsg) tea.Cmd {
	if m.quitField != nil {
		return m.quitKey(k)
	}
	if m.end != nil && m.pending == nil {
		if key.Matches(k, keyCloseEnd) {
			m.endSeen = true
			if m.closing {
				return tea.Quit
			}
		}
		return nil
	}
	switch {
	case key.Matches(k, keyLeave):
		m.quitField = newTextLine()
		m.quitErr = ""
		if m.pending != nil {
			if p, ok := m.pending.prompt.(*sheeter); ok {
				// Staying brings back the look-away screen, never the sheet.
				p.hide()
			}
		}
		return nil
	case key.Matches(k, keyException):
		switch {
		case m.pending == nil, m.working:
			m.raised = true
		case isExceptionForm(m.pending.prompt):
			// Already recording one.
		default:
			m.answer(result{err: room.ErrException})
		}
		return nil
	}
	if m.pending == nil {
		return nil
	}
	r, done, work := m.pending.prompt.key(k)
	return m.settle(r, done, work)
}

// settle answers the pending prompt when it is done, and otherwise starts
// what work it has.
func (m *model) settle(r result, done bool, work tea.Cmd) tea.Cmd {
	if !done {
		m.working = work != nil
		return work
	}
	p := m.pending.prompt
	m.answer(r)
	if _, ok := p.(clearer); ok {
		return tea.ClearScreen
	}
	return nil
}

func (m *model) quitKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, keyStay):
		m.quitField = nil
	case key.Matches(k, keyQuitNow):
		reason := strings.TrimSpace(m.quitField.String())
		if reason == "" {
			m.quitErr = "say why the ceremony stops: the reason goes into the transcript"
			return nil
		}
		m.quitField = nil
		if m.pending != nil && !m.working {
			m.answer(result{err: &room.QuitError{Reason: reason}})
		} else {
			m.leaving = reason
		}
	default:
		m.quitField.key(k)
	}
	return nil
}
