// Package tui is the screen of the ceremony room: a full-screen terminal UI,
// built on Bubble Tea, that implements room.UI.
//
// Everyone in the room watches one screen, often projected, and takes turns
// at the keyboard. The screen shows, from top to bottom: a header with the
// ceremony's name and version, LIVE or REHEARSAL, the UTC clock to the second
// and the transcript's event count and head; the outline of acts and steps;
// the current step with who acts and who witnesses; the prompt; and a footer
// with the keys that work now.
//
// The runner calls the UI methods from its own goroutine; each prompt method
// hands a request to the program and blocks until the room answers, ctx ends
// or the program stops. Every check of what was typed is done by the closures
// the runner puts in the request: this package only renders and collects.
// Submit and Check, which record what they accept, run off the program's
// event loop and may report progress; the other closures run on it and must
// not call back into the UI.
//
// Two keys work on every screen: ctrl+e records an exception (the pending
// prompt returns room.ErrException) and ctrl+c asks to leave, which needs a
// reason (the pending prompt returns a *room.QuitError).
//
// The program runs on the alternate screen, so nothing typed or shown, shares
// included, is left in the terminal's scrollback.
package tui

import (
	"context"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/ceremony-dev/ceremony/room"
)

// Options configure a UI. The zero value is the room's terminal: standard
// input and output, the system clock, the terminal's size, colour.
type Options struct {
	Input  io.Reader // nil: standard input (or the controlling terminal)
	Output io.Writer // nil: standard output
	// Clock gives the time shown in the header; nil is time.Now. Films of a
	// ceremony are synced against it, so it is shown in UTC to the second.
	Clock func() time.Time
	// Width and Height are the screen size to assume when Output is not a
	// terminal (tests); a terminal's own size wins, and resizing is followed.
	Width, Height int
	// NoColor renders with text attributes only (bold, reverse), as the
	// NO_COLOR convention asks; LIVE and REHEARSAL stay unmistakable.
	NoColor bool
}

// UI implements room.UI on a full-screen terminal program.
type UI struct {
	opts Options
	reqs chan envelope // from the runner's goroutine to the program
	done chan struct{} // closed when Run returns
}

var _ room.UI = (*UI)(nil)

// New returns a UI; call Run to put it on the screen.
func New(opts Options) *UI {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &UI{opts: opts, reqs: make(chan envelope), done: make(chan struct{})}
}

// Run shows the screen in the caller's goroutine until Close is called (and,
// when the end screen is up, the room has acknowledged it) or the program is
// stopped by a signal. Prompts pending when it returns answer with a
// *room.QuitError.
func (u *UI) Run() error {
	defer close(u.done)
	opts := []tea.ProgramOption{}
	if u.opts.Input != nil {
		opts = append(opts, tea.WithInput(u.opts.Input))
	}
	if u.opts.Output != nil {
		opts = append(opts, tea.WithOutput(u.opts.Output))
	}
	if u.opts.Width > 0 && u.opts.Height > 0 {
		opts = append(opts, tea.WithWindowSize(u.opts.Width, u.opts.Height))
	}
	if u.opts.NoColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(u.Model(), opts...).Run()
	return err
}

// Model returns the Bubble Tea model behind the screen, for running it in a
// program of the caller's own (tests drive it with teatest).
func (u *UI) Model() tea.Model { return newModel(u) }

// Close tells the screen the runner has finished. The program ends at once,
// or, when the end screen is up, once the room presses enter.
func (u *UI) Close() { u.post(closeMsg{}) }

// envelope carries a message from the runner's goroutine; seen is closed
// once the model has taken it in, so that what the runner reported is on the
// screen before the runner goes on.
type envelope struct {
	msg  tea.Msg
	seen chan struct{}
}

// post hands a message to the program and waits until the model has it.
func (u *UI) post(msg tea.Msg) {
	env := envelope{msg, make(chan struct{})}
	select {
	case u.reqs <- env:
	case <-u.done:
		return
	}
	select {
	case <-env.seen:
	case <-u.done:
	}
}

// listen is the program's side of the channel: one message at a time, in the
// order the runner sent them.
func (u *UI) listen() tea.Msg {
	select {
	case env := <-u.reqs:
		return env
	case <-u.done:
		return nil
	}
}

// result is the room's answer to one prompt.
type result struct {
	index  int
	value  []byte
	report room.ExceptionReport
	err    error
}

// request is a prompt on its way to the screen with the channel its answer
// comes back on.
type request struct {
	prompt prompt
	reply  chan result
}

type cancelMsg struct{ req *request }
type closeMsg struct{}
type beginMsg room.Ceremony
type progressMsg room.Status
type noticeMsg room.Notice
type endMsg room.Summary

// errClosed is what a prompt answers when the program ended under it, which
// the runner records as the room leaving.
var errClosed = &room.QuitError{Reason: "the ceremony screen was closed"}

func (u *UI) ask(ctx context.Context, p prompt) result {
	req := &request{prompt: p, reply: make(chan result, 1)}
	select {
	case u.reqs <- envelope{msg: req}:
	case <-ctx.Done():
		return result{err: ctx.Err()}
	case <-u.done:
		return result{err: errClosed}
	}
	select {
	case r := <-req.reply:
		return r
	case <-ctx.Done():
		// Taking the prompt off the screen must not hold the runner up.
		go u.post(cancelMsg{req})
		return result{err: ctx.Err()}
	case <-u.done:
		return result{err: errClosed}
	}
}

// Begin implements room.UI.
func (u *UI) Begin(c room.Ceremony) { u.post(beginMsg(c)) }

// Progress implements room.UI.
func (u *UI) Progress(s room.Status) { u.post(progressMsg(s)) }

// Notice implements room.UI.
func (u *UI) Notice(n room.Notice) { u.post(noticeMsg(n)) }

// End implements room.UI.
func (u *UI) End(s room.Summary) { u.post(endMsg(s)) }

// Choose implements room.UI.
func (u *UI) Choose(ctx context.Context, c room.Choice) (int, error) {
	r := u.ask(ctx, newChooser(c))
	return r.index, r.err
}

// Confirm implements room.UI.
func (u *UI) Confirm(ctx context.Context, c room.Confirmation) error {
	return u.ask(ctx, newConfirmer(c)).err
}

// Value implements room.UI.
func (u *UI) Value(ctx context.Context, v room.ValueRequest) ([]byte, error) {
	r := u.ask(ctx, newValuer(v))
	return r.value, r.err
}

// Share implements room.UI.
func (u *UI) Share(ctx context.Context, s room.ShareEntry) error {
	return u.ask(ctx, newShareEntry(s)).err
}

// Compare implements room.UI.
func (u *UI) Compare(ctx context.Context, c room.Comparison) error {
	return u.ask(ctx, newComparer(c)).err
}

// Sheet implements room.UI.
func (u *UI) Sheet(ctx context.Context, s room.Sheet) error {
	return u.ask(ctx, newSheeter(s)).err
}

// Exception implements room.UI.
func (u *UI) Exception(ctx context.Context, f room.ExceptionForm) (room.ExceptionReport, error) {
	r := u.ask(ctx, newExceptionForm(f))
	return r.report, r.err
}
