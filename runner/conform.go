package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// errRecordEnds stops a conformance replay where the recorded events end.
var errRecordEnds = errors.New("the recorded events end here")

// Conform replays script against the recorded events of a bundle as resume
// does, but with no token and no people: every recorded result is fed back,
// and nothing is ever done live. It returns nil when the events are exactly
// what the script makes of its recorded results, in order and by the roles
// it names (for an unfinished ceremony, a prefix of them), and otherwise
// the first *steps.DivergenceError. env gives the roster, the bundle and
// the inputs; its UI and token are not used.
func Conform(ctx context.Context, script Script, events []transcript.Event, env Env) error {
	env.UI, env.OpenToken, env.InitToken = silentRoom{}, nil, nil
	r := New(script, nil, events, env)
	r.resumed = false
	if err := r.checkSeparation(); err != nil {
		return &steps.DivergenceError{Line: 1, Reason: err.Error()}
	}
	err := r.Run(ctx)
	var div *steps.DivergenceError
	switch {
	case errors.As(err, &div):
		return div
	case errors.Is(err, errRecordEnds):
		return nil
	case err != nil:
		return fmt.Errorf("replaying the script: %w", err)
	}
	if ev := r.peek(); ev != nil {
		return &steps.DivergenceError{Line: ev.Seq + 1, Reason: fmt.Sprintf("the script has ended, and makes no %s event", ev.Type)}
	}
	return nil
}

// silentRoom is the room of a conformance replay: it shows nothing, and no
// question may be put to it, since every answer must come from the record.
type silentRoom struct{}

func (silentRoom) Begin(room.Ceremony)                              {}
func (silentRoom) Progress(room.Status)                             {}
func (silentRoom) Notice(room.Notice)                               {}
func (silentRoom) End(room.Summary)                                 {}
func (silentRoom) Choose(context.Context, room.Choice) (int, error) { return 0, errRecordEnds }
func (silentRoom) Confirm(context.Context, room.Confirmation) error { return errRecordEnds }
func (silentRoom) Value(context.Context, room.ValueRequest) ([]byte, error) {
	return nil, errRecordEnds
}
func (silentRoom) Share(context.Context, room.ShareEntry) error   { return errRecordEnds }
func (silentRoom) Compare(context.Context, room.Comparison) error { return errRecordEnds }
func (silentRoom) Sheet(context.Context, room.Sheet) error        { return errRecordEnds }
func (silentRoom) Exception(context.Context, room.ExceptionForm) (room.ExceptionReport, error) {
	return room.ExceptionReport{}, errRecordEnds
}
