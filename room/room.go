// Package room is the contract between the runner, the primitives and the
// people in the room: the prompt kinds a ceremony may put to them and what
// they answer. The TUI, the plain console and the scripted rehearsal player
// implement UI; nothing here touches a terminal.
package room

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// UI is how the runner reaches the people in the room. The runner never
// touches a terminal: the TUI, the plain line console and the scripted
// rehearsal player each implement UI, and all three drive the same runner.
//
// Every prompt method blocks until the room answers or ctx ends. Domain
// checks (is this word in the list, is this share from the right set, does
// the read-back match) are done by the closures the runner puts in each
// request, never by the UI: a UI only renders and collects.
//
// Any prompt may return ErrException when the operator asks to record an
// exception, or an *QuitError when the operator confirms leaving; the runner
// then records what happened.
type UI interface {
	Prompts
	// Begin is called once, before the first step, with what the header and
	// the outline need.
	Begin(Ceremony)
	// Progress reports the transcript's state after every appended event and
	// the step the runner is on.
	Progress(Status)
	// Exception collects the exception form.
	Exception(ctx context.Context, f ExceptionForm) (ExceptionReport, error)
	// End shows the final checkpoint and where the bundle is.
	End(s Summary)
}

// Prompts are the kinds of question a primitive may put to the room. A
// primitive that needs another kind changes this contract and its three
// implementations, never a UI alone.
type Prompts interface {
	// Choose asks who is at the keyboard (or any other pick from a list).
	Choose(ctx context.Context, c Choice) (int, error)
	// Confirm asks the actor to confirm an instruction was carried out and,
	// when Witnesses is not empty, each witness to confirm with their initials.
	Confirm(ctx context.Context, c Confirmation) error
	// Value asks for a typed value. Secret values are entered with echo off and
	// returned in a buffer the runner zeroes.
	Value(ctx context.Context, v ValueRequest) ([]byte, error)
	// Share collects one crypto officer's share, word by word. It returns nil
	// once Submit accepted the whole share.
	Share(ctx context.Context, s ShareEntry) error
	// Compare shows a hash and collects what the remote party reads back.
	// It returns nil once Check reported a match.
	Compare(ctx context.Context, c Comparison) error
	// Sheet shows one holder their share sheet, only after everyone else
	// was asked to look away; it returns when the holder acknowledges, and
	// the UI clears the screen before returning.
	Sheet(ctx context.Context, s Sheet) error
	// Notice shows a message that needs no answer (a warning, a step's result).
	Notice(n Notice)
}

// ErrException is returned by a prompt when the operator pressed the
// exception key.
var ErrException = errors.New("operator raised an exception")

// QuitError is returned by a prompt when the operator confirmed leaving.
type QuitError struct{ Reason string }

func (e *QuitError) Error() string { return "operator quit: " + e.Reason }

// Ceremony is what the UI shows for the whole run.
type Ceremony struct {
	Name, Version string
	Rehearsal     bool
	Acts          []ActView
	Bundle        string // the bundle directory
}

// ActView is one act in the outline.
type ActView struct {
	Title string
	Steps []StepView
}

// StepView is one step as the UI shows it.
type StepView struct {
	Number    string   // "2.1"
	Text      string   // instruction, Markdown
	Role      string   // acting role id, e.g. "CA"
	RoleTitle string   // "Ceremony Administrator"
	Witnesses []string // witnessing role ids
	Does      string   // what the step will do, e.g. "verify_out_of_band: ksr"
}

// StepState is where a step stands.
type StepState int

const (
	StepPending StepState = iota
	StepCurrent
	StepDone
	StepSkipped
	StepFailed
)

// Status is the runner's state after an event.
type Status struct {
	Events    uint64   // events in the transcript so far
	HeadWords []string // the head hash's first four bytes as PGP words
	Act, Step int      // indexes into Ceremony.Acts and its Steps; -1 before the first
	States    [][]StepState
	Actor     *Participant // who acts in the current step, once chosen
	Witnesses []Participant
	Time      time.Time
}

// Participant is a person on the roster.
type Participant struct {
	ID, Name string
	Roles    []string
	// Remote is set for someone who takes part from elsewhere, by phone:
	// whatever they confirm is typed for them by the one at the keyboard.
	Remote bool
}

// Fact is one thing a step produced that the room confirms having seen: a
// recorded value, a public key's fingerprint, a token's serial.
type Fact struct{ Label, Value string }

// Choice is a pick from a list, typically the participant at the keyboard.
type Choice struct {
	Title   string
	Options []string
}

// Confirmation asks an actor, then witnesses, to confirm, each with their
// own initials or roster id.
type Confirmation struct {
	Step StepView
	// Shows is what the step produced: the UI shows it above the names, so
	// that nobody confirms what they were not shown.
	Shows     []Fact
	Actor     Participant
	Witnesses []Participant
	// Keyboard is who types for a remote participant the initials they give
	// by phone: the step's actor.
	Keyboard Participant
	// CheckInitials returns nil when initials are those of the participant.
	CheckInitials func(p Participant, initials string) error
}

// ValueRequest asks for one value.
type ValueRequest struct {
	Label  string
	Help   string // e.g. the expected form, in words
	Secret bool
	// Validate returns an error an operator can act on, or nil.
	Validate func([]byte) error
}

// ShareEntry drives the share-entry widget for one crypto officer.
type ShareEntry struct {
	Holder Participant
	Label  string // the share set's label
	K, M   int    // this is share K of the M needed
	Words  int    // how many words a share has
	// Word checks the letters typed at position i (0-based) and returns the
	// word of the list they spell; the error names the nearest valid words.
	// The letters stay in a byte slice the UI wipes, never in a string.
	Word func(i int, typed []byte) (string, error)
	// Complete offers completions of the letters typed at position i.
	Complete func(i int, prefix []byte) []string
	// Submit checks the whole share, the words as Word and Complete gave
	// them; a nil error means it was accepted. The runner clears the slice
	// once it is done with it.
	Submit func(words []string) error
	// Reshow is set when the holder may ask to see their own sheet again
	// (a split checking the copies it just handed out): once a share was
	// refused, the UI offers it, and Share returns ErrShowSheet.
	Reshow bool
}

// ErrShowSheet is returned by Share when the holder asked to see their sheet
// again because their copy does not check.
var ErrShowSheet = errors.New("the holder asked to see their sheet again")

// Comparison drives the out-of-band comparison widget.
type Comparison struct {
	Label  string   // e.g. "KSR ksr-root-2017-q2-0.xml"
	Hex    string   // lowercase hex, the UI groups it
	Words  []string // PGP words
	Remote Participant
	// Blind keeps the hash off the screen until a read-back has been
	// compared: the remote party reads from their own copy, and the one
	// typing cannot copy what they should be hearing from the screen.
	Blind bool
	// Check compares what the remote party read back (hex or PGP words);
	// it returns -1 and nil on a match. A read-back that is not a whole hash
	// returns -1 and an error: the UI asks for it again. A mismatch returns
	// the index of the first differing digit or word and an error, and ends
	// the comparison: the UI shows the hash and the read-back with the
	// difference marked, and once the room has seen them Compare returns
	// Check's error.
	Check func(readBack string) (firstDiff int, err error)
}

// Sheet is one holder's share sheet on screen.
type Sheet struct {
	Holder Participant
	Title  string
	Label  string   // the share set's label, as ShareEntry.Label names it later
	Body   string   // the sheet's text, words numbered in rows
	Words  []string // the share's words, for UIs that lay them out themselves
	// What every sheet carries, whatever the UI: the set, the share's
	// fingerprint, this share's index, the threshold and the date.
	Set, Fingerprint string
	Index, M, N      int
	Date             string
	// Void, when set, is the record of an earlier split of the same set that
	// an interruption made void: the UI shows it in large type.
	Void string
	// Again is set when the holder sees their sheet a second time to fix
	// their copy.
	Again bool
}

// ExceptionForm asks for an exception's details.
type ExceptionForm struct {
	Step StepView
	// Attempt is how many times the step has been tried, this one included.
	Attempt int
	// Expected and Happened are prefilled: what the step was to do, and
	// what went wrong when the runner knows it. The room may reword both.
	Expected, Happened string
	// Options the script allows: "retry", "skip", "abort".
	Decisions []string
	Approvers []Participant
}

// ExceptionReport is a filled exception form.
type ExceptionReport struct {
	Expected, Happened, Decision string
	Approver                     Participant
}

// Notice is a message that needs no answer.
type Notice struct {
	Level string // "info", "warn", "error"
	Text  string
}

// Summary is what the room sees at the end.
type Summary struct {
	Complete  bool
	Events    uint64
	Head      string   // hex
	HeadWords []string // the whole head as PGP words, for the paper script
	Bundle    string
}

// Initials are what a participant writes on the paper script: the first
// letter of each part of their name.
func Initials(p Participant) string {
	var b strings.Builder
	for _, f := range strings.Fields(p.Name) {
		for _, c := range f {
			b.WriteRune(unicode.ToUpper(c))
			break
		}
	}
	return b.String()
}

// CheckInitials accepts a participant's initials or roster id, ignoring case.
func CheckInitials(p Participant, typed string) error {
	typed = strings.TrimSpace(typed)
	if typed != "" && (strings.EqualFold(typed, Initials(p)) || strings.EqualFold(typed, p.ID)) {
		return nil
	}
	return fmt.Errorf("those are not the initials of %s", p.Name)
}
