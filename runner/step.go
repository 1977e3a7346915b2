package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// stepBegin is the data of step.begin: who was at the keyboard and who
// watched. Who stood up is a human answer, so it is recorded like any other.
type stepBegin struct {
	Actor     string   `json:"actor"`
	Witnesses []string `json:"witnesses"`
	Attempt   int      `json:"attempt"`
}

// stepEnd is the data of step.end.
type stepEnd struct {
	Status    string   `json:"status"` // done or skipped
	Confirmed []string `json:"confirmed,omitempty"`
	// ByPhone names, for each remote participant who confirmed, who typed
	// the initials they gave.
	ByPhone map[string]string `json:"by_phone,omitempty"`
}

// byPhone is who typed, for the remote people among ps, what they said.
func byPhone(keyboard room.Participant, ps ...room.Participant) map[string]string {
	var m map[string]string
	for _, p := range ps {
		if p.Remote {
			if m == nil {
				m = map[string]string{}
			}
			m[p.ID] = keyboard.ID
		}
	}
	return m
}

// fatal marks errors after which the run cannot go on at all: the
// transcript could not be written, or does not match the script.
type fatal struct{ err error }

func (f *fatal) Error() string { return f.err.Error() }
func (f *fatal) Unwrap() error { return f.err }

func (r *Runner) runStep(ctx context.Context, st *scripts.Step) error {
	r.states[r.act][r.step] = room.StepCurrent
	r.actor, r.witnesses = nil, nil
	// The step panel moves on before the room is asked who acts in it.
	r.progress()
	for attempt := 1; ; attempt++ {
		err := r.attempt(ctx, st, attempt)
		if err == nil {
			r.states[r.act][r.step] = room.StepDone
			r.progress()
			return nil
		}
		if stopping(ctx, err) {
			return err
		}
		decision, replayed, err := r.exception(ctx, st, err, attempt)
		if err != nil {
			return err
		}
		switch decision {
		case string(scripts.FailRetry):
			continue
		case string(scripts.FailSkip):
			if _, err := once(r, evStepEnd, st.Number, r.actorID(), func() (stepEnd, error) {
				return stepEnd{Status: "skipped"}, nil
			}); err != nil {
				return err
			}
			r.states[r.act][r.step] = room.StepSkipped
			r.progress()
			return nil
		default:
			if replayed {
				// The ceremony was aborted here and is being resumed: the
				// cause has been dealt with, so the step runs again.
				continue
			}
			r.states[r.act][r.step] = room.StepFailed
			r.progress()
			return ErrAborted
		}
	}
}

// stopping reports errors that end the run rather than the step.
func stopping(ctx context.Context, err error) bool {
	var quit *room.QuitError
	var f *fatal
	return ctx.Err() != nil || errors.As(err, &quit) || errors.As(err, &f)
}

func (r *Runner) attempt(ctx context.Context, st *scripts.Step, attempt int) error {
	r.actor, r.witnesses, r.shown = nil, nil, nil
	got, partial, err := r.recorded(st.Number, evStepBegin)
	if err != nil {
		return r.wrap(err)
	}
	var b stepBegin
	if got != nil {
		if err := json.Unmarshal(got[len(got)-1].Data, &b); err != nil {
			return &fatal{err}
		}
		if err := r.setPeople(st, b, got[len(got)-1].Seq+1); err != nil {
			return &fatal{err}
		}
	} else {
		if len(partial) > 0 {
			return &fatal{r.diverged(&partial[0], evStepBegin)}
		}
		if err := r.choosePeople(ctx, st); err != nil {
			return err
		}
		b = stepBegin{Actor: r.actor.ID, Witnesses: steps.IDs(r.witnesses), Attempt: attempt}
		if _, err := r.append(evStepBegin, st.Number, r.actor.ID, b); err != nil {
			return &fatal{err}
		}
	}
	r.progress()
	if st.HasRun {
		if err := r.script.RunStep(ctx, st, r); err != nil {
			return r.wrap(err)
		}
	}
	_, err = once(r, evStepEnd, st.Number, r.actor.ID, func() (stepEnd, error) {
		if err := r.env.UI.Confirm(ctx, room.Confirmation{Step: r.stepView(st), Shows: r.shown, Actor: *r.actor,
			Witnesses: r.witnesses, Keyboard: *r.actor, CheckInitials: room.CheckInitials}); err != nil {
			return stepEnd{}, err
		}
		return stepEnd{Status: "done", Confirmed: append([]string{r.actor.ID}, steps.IDs(r.witnesses)...),
			ByPhone: byPhone(*r.actor, r.witnesses...)}, nil
	})
	return r.wrap(err)
}

// wrap marks the errors no exception can recover from.
func (r *Runner) wrap(err error) error {
	var rec *recordError
	if errors.Is(err, steps.ErrDiverged) || errors.As(err, &rec) {
		return &fatal{err}
	}
	return err
}

// exception asks the room what to do about err, or replays what it decided.
func (r *Runner) exception(ctx context.Context, st *scripts.Step, cause error, attempt int) (decision string, replayed bool, err error) {
	got, _, err := r.recorded(st.Number, steps.EvException)
	if err != nil {
		return "", false, &fatal{err}
	}
	if got != nil {
		var d steps.ExceptionData
		if err := json.Unmarshal(got[len(got)-1].Data, &d); err != nil {
			return "", false, &fatal{err}
		}
		return d.Decision, true, nil
	}
	d, err := r.askException(ctx, st, cause, attempt)
	if err != nil {
		return "", false, err
	}
	if _, err := r.append(steps.EvException, st.Number, d.Approver, d); err != nil {
		return "", false, &fatal{err}
	}
	return d.Decision, false, nil
}

func (r *Runner) askException(ctx context.Context, st *scripts.Step, cause error, attempt int) (steps.ExceptionData, error) {
	what, _, _ := strings.Cut(strings.TrimSpace(st.Text), "\n")
	form := room.ExceptionForm{Step: r.stepView(st), Attempt: attempt, Decisions: decisions(st), Approvers: r.approvers(),
		Expected: fmt.Sprintf("step %s completes: %s", st.Number, what)}
	raised := "operator"
	if !errors.Is(cause, room.ErrException) {
		raised = "failure"
		form.Happened = cause.Error()
	}
	for {
		rep, err := r.env.UI.Exception(ctx, form)
		if errors.Is(err, room.ErrException) {
			continue // the exception key on the exception form itself
		}
		if err != nil {
			return steps.ExceptionData{}, err
		}
		if !slices.Contains(form.Decisions, rep.Decision) {
			r.env.UI.Notice(room.Notice{Level: "error", Text: fmt.Sprintf("decision %q is not one of %s", rep.Decision, strings.Join(form.Decisions, ", "))})
			continue
		}
		if _, ok := r.participant(rep.Approver.ID); !ok {
			r.env.UI.Notice(room.Notice{Level: "error", Text: "the approver must be on the roster"})
			continue
		}
		return steps.ExceptionData{Expected: rep.Expected, Happened: rep.Happened, Decision: rep.Decision,
			Approver: rep.Approver.ID, Raised: raised}, nil
	}
}

// decisions lists what the script allows after a failure; aborting is always
// possible, since no script can force a room to go on.
func decisions(st *scripts.Step) []string {
	var d []string
	for _, f := range st.OnFailure {
		if !slices.Contains(d, string(f)) {
			d = append(d, string(f))
		}
	}
	if !slices.Contains(d, string(scripts.FailAbort)) {
		d = append(d, string(scripts.FailAbort))
	}
	// The form offers its first decision: trying again comes before giving
	// up, whatever order the script lists them in.
	if i := slices.Index(d, string(scripts.FailRetry)); i > 0 {
		d = append(append([]string{d[i]}, d[:i]...), d[i+1:]...)
	}
	return d
}

// approvers lists who may approve an exception: the step's witnesses in the
// room first, then everyone else in the room but the actor, and those on the
// phone last, since the form offers its first approver.
func (r *Runner) approvers() []room.Participant {
	var out []room.Participant
	for _, remote := range []bool{false, true} {
		for _, p := range append(append([]room.Participant(nil), r.witnesses...), r.env.Roster...) {
			if p.Remote == remote && (r.actor == nil || p.ID != r.actor.ID) && !containsP(out, p.ID) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 && r.actor != nil {
		out = append(out, *r.actor)
	}
	return out
}

func (r *Runner) stepView(st *scripts.Step) room.StepView {
	v := room.StepView{Number: st.Number, Text: st.Text, Role: st.By, RoleTitle: r.roleTitle(st.By), Witnesses: st.Witnesses}
	var does []string
	for _, c := range st.Calls {
		does = append(does, c.Brief())
	}
	v.Does = strings.Join(does, "; ")
	return v
}

// recordError is a failure to write the transcript.
type recordError struct{ err error }

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }
