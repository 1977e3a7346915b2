package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Event types the runner records. Primitives record their result in one
// final event, after any number of intermediate ones; replay matches on
// them.
const (
	evStepBegin = "step.begin"       // who acts and who witnesses: actor, witnesses, attempt
	evStepEnd   = "step.end"         // status done or skipped, and who confirmed
	evResumed   = "ceremony.resumed" // where a resumed run goes on live
	evPaused    = "ceremony.paused"  // the operator left; the bundle can be resumed
	evRerun     = "primitive.rerun"  // a primitive interrupted part way runs again; void_events lists what is void
)

// errReplayedException makes a primitive stop where the recorded run raised
// an exception, so that the exception is replayed in its place.
var errReplayedException = errors.New("an exception was recorded here")

// ignored reports whether a recorded event is not the result of anything the
// script asks for: bookkeeping of the transcript and of earlier resumptions,
// including artifact files a crash left behind, which Resume records
// without a step. Checkpoints are signatures over what came before; a
// resumed run signs again where the recorded run ends.
func ignored(e *transcript.Event) bool {
	switch e.Type {
	case transcript.TypeBegin, transcript.TypeResume, transcript.TypeCheckpoint, evResumed, evPaused, EvConfigCorrected:
		return true
	case transcript.TypeArtifact:
		return e.Step == ""
	}
	return false
}

// peek returns the next recorded event that replay must account for, or nil
// once the recorded run is used up.
func (r *Runner) peek() *transcript.Event {
	for len(r.replay) > 0 && ignored(&r.replay[0]) {
		r.passed(r.replay[:1])
		r.replay = r.replay[1:]
	}
	if len(r.replay) == 0 {
		return nil
	}
	return &r.replay[0]
}

func (r *Runner) diverged(ev *transcript.Event, want string) error {
	return &steps.DivergenceError{Line: ev.Seq + 1, Step: r.stepNumber(),
		Reason: fmt.Sprintf("the event is %s for step %q where the script expects %s", ev.Type, ev.Step, want)}
}

// recorded looks in the recorded run for the result of what the runner is
// about to do in step: a final event of type final, perhaps
// after intermediates. It returns the consumed events, final last, when
// found; nil and nil when the recorded run is used up before the final
// event (the thing is to be done live; what it left is reported through
// the partial result); errReplayedException when the recorded run raised
// an exception first.
func (r *Runner) recorded(step, final string, intermediates ...string) (got, partial []transcript.Event, err error) {
	return r.recordedAny(step, []string{final}, intermediates...)
}

// recordedAny is recorded for a thing whose result may take one of several
// event types.
func (r *Runner) recordedAny(step string, finals []string, intermediates ...string) (got, partial []transcript.Event, err error) {
	for i := 0; ; {
		for len(r.replay) > i && ignored(&r.replay[i]) {
			i++
		}
		if i == len(r.replay) {
			partial = nonIgnored(r.replay)
			r.passed(r.replay)
			r.replay = nil
			if err := r.goLive(); err != nil {
				return nil, nil, err
			}
			return nil, partial, nil
		}
		ev := &r.replay[i]
		switch {
		case slices.Contains(finals, ev.Type) && ev.Step == step:
			got = nonIgnored(r.replay[:i+1])
			r.passed(r.replay[:i+1])
			r.replay = r.replay[i+1:]
			return got, nil, nil
		case ev.Type == steps.EvException && ev.Step == step && slices.Contains(intermediates, ev.Type) && raisedByScript(ev):
			// An exception the primitive itself asked the room to
			// approve (a certificate without end, say) is part of it.
			i++
		case ev.Type == steps.EvException && ev.Step == step:
			r.passed(r.replay[:i])
			r.replay = r.replay[i:]
			return nil, nil, errReplayedException
		case ev.Step == step && (ev.Type == evRerun || slices.Contains(intermediates, ev.Type)):
			i++
		default:
			return nil, nil, r.diverged(ev, strings.Join(finals, " or "))
		}
	}
}

func raisedByScript(ev *transcript.Event) bool {
	var d steps.ExceptionData
	return json.Unmarshal(ev.Data, &d) == nil && d.Raised == "script"
}

// passed notes the recorded events replay consumes: a resume among them
// ended the token session of the process before it, and the events after
// it, in this window, are those of the fresh session.
func (r *Runner) passed(evs []transcript.Event) {
	for _, e := range evs {
		if e.Type == transcript.TypeResume {
			r.session.Resumed()
			r.afterResume = e.Seq
		}
	}
}

func nonIgnored(evs []transcript.Event) []transcript.Event {
	var out []transcript.Event
	for i, e := range evs {
		if !ignored(&evs[i]) {
			out = append(out, e)
		}
	}
	return out
}

// live reports whether the runner has used up the recorded run.
func (r *Runner) live() bool { return r.peek() == nil }

// goLive is called once the recorded run is used up; on a resumed run it
// records where the live run takes over.
func (r *Runner) goLive() error {
	if r.w == nil {
		return errRecordEnds
	}
	if !r.resumed {
		return nil
	}
	r.resumed = false
	_, err := r.append(evResumed, r.stepNumber(), "", map[string]string{"step": r.stepNumber()})
	return err
}

// rerun records that a primitive interrupted part way runs again from its
// start, and which recorded events of its first run are void.
func (r *Runner) rerun(primitive string, partial []transcript.Event, why string) (uint64, error) {
	if len(partial) == 0 {
		return 0, nil
	}
	seqs := make([]uint64, len(partial))
	for i, e := range partial {
		seqs[i] = e.Seq
	}
	e, err := r.append(evRerun, r.stepNumber(), r.actorID(), map[string]any{
		"primitive": primitive, "void_events": seqs, "reason": why})
	return e.Seq, err
}

// once does one recorded thing: in replay it decodes the recorded result of
// type typ; live it runs do and records its result. Anything done part way
// before an interruption is done again from the start.
func once[T any](r *Runner, typ, step, actor string, do func() (T, error)) (T, error) {
	var v T
	got, partial, err := r.recorded(step, typ)
	if err != nil {
		return v, err
	}
	if got != nil {
		err := json.Unmarshal(got[len(got)-1].Data, &v)
		return v, err
	}
	if _, err := r.rerun(typ, partial, "interrupted before its result was recorded"); err != nil {
		return v, err
	}
	if v, err = do(); err != nil {
		return v, err
	}
	_, err = r.append(typ, step, actor, v)
	return v, err
}
