package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// The primitives that only need the people in the room.

func (r *Runner) currentStep() *scripts.Step { return &r.plan.Acts[r.act].Steps[r.step] }

// viewWith is the current step as shown, with the instruction replaced by
// what a primitive asks.
func (r *Runner) viewWith(text string) StepView {
	v := r.stepView(r.currentStep())
	v.Text = text
	return v
}

func (r *Runner) confirmText(ctx context.Context, text string, actor Participant, witnesses []Participant) error {
	return r.env.UI.Confirm(ctx, Confirmation{Step: r.viewWith(text), Actor: actor, Witnesses: witnesses, CheckInitials: checkInitials})
}

func (r *Runner) confirm(ctx context.Context, q steps.Confirm) error {
	_, err := once(r, "confirm.done", r.stepNumber(), r.actorID(), func() (map[string]string, error) {
		return map[string]string{"text": q.Text}, r.confirmText(ctx, q.Text, *r.actor, r.witnesses)
	})
	return err
}

func (r *Runner) record(ctx context.Context, q steps.Record) (string, error) {
	type value struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	v, err := once(r, "record.value", r.stepNumber(), r.actorID(), func() (value, error) {
		req := ValueRequest{Label: q.Label, Validate: func(b []byte) error { return matchRecord(q.Pattern, string(b)) }}
		if q.Pattern != "" {
			req.Help = "must match the pattern " + q.Pattern
		}
		b, err := r.env.UI.Value(ctx, req)
		if err != nil {
			return value{}, err
		}
		if err := req.Validate(b); err != nil {
			return value{}, err
		}
		return value{Label: q.Label, Value: string(b)}, nil
	})
	return v.Value, err
}

func matchRecord(pattern, v string) error {
	if v == "" {
		return errors.New("a value is needed")
	}
	if pattern == "" {
		return nil
	}
	ok, err := scripts.MatchPattern(pattern, v)
	if err != nil {
		return fmt.Errorf("pattern %s: %w", pattern, err)
	}
	if !ok {
		return fmt.Errorf("the value does not match the pattern %s", pattern)
	}
	return nil
}

func (r *Runner) checklist(ctx context.Context, q steps.Checklist) error {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "checklist.done", "checklist.item")
	if err != nil || got != nil {
		return err
	}
	if err := r.rerun(q.Primitive(), partial, "the checklist was interrupted; every item is confirmed again"); err != nil {
		return err
	}
	for i, item := range q.Items {
		text := fmt.Sprintf("%s (%d of %d): %s", q.Title, i+1, len(q.Items), item)
		if err := r.confirmText(ctx, text, *r.actor, r.witnesses); err != nil {
			return err
		}
		if _, err := r.append("checklist.item", n, r.actorID(), map[string]any{"title": q.Title, "item": item, "index": i + 1}); err != nil {
			return err
		}
	}
	_, err = r.append("checklist.done", n, r.actorID(), map[string]any{"title": q.Title, "items": len(q.Items)})
	return err
}

func (r *Runner) clock(ctx context.Context) (string, error) {
	v, err := once(r, "clock.confirmed", r.stepNumber(), r.actorID(), func() (map[string]string, error) {
		now := r.env.Now().UTC().Truncate(time.Second)
		text := "The UTC time is " + now.Format(time.RFC3339) + ". Confirm that the room's clocks and the camera agree."
		return map[string]string{"time": now.Format(time.RFC3339)}, r.confirmText(ctx, text, *r.actor, r.witnesses)
	})
	return v["time"], err
}

func (r *Runner) machine() (map[string]string, error) {
	facts, err := once(r, "machine.facts", r.stepNumber(), r.actorID(), func() (map[string]string, error) {
		return r.env.Machine(), nil
	})
	if err == nil {
		r.env.UI.Notice(Notice{Level: "info", Text: fmt.Sprintf("host %s, %s, binary sha256 %s", facts["hostname"], facts["kernel"], facts["binary_sha256"])})
	}
	return facts, err
}

func (r *Runner) scriptException(ctx context.Context, q steps.Exception) error {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, evException)
	if err != nil || got != nil {
		return err
	}
	if err := r.rerun(q.Primitive(), partial, ""); err != nil {
		return err
	}
	approver, err := r.pick(ctx, n, q.Approver, "approving the exception as", nil)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Exception. Expected: %s. Happened: %s. Decision: %s. %s approves.", q.Expected, q.Happened, q.Decision, approver.Name)
	if err := r.confirmText(ctx, text, approver, nil); err != nil {
		return err
	}
	_, err = r.append(evException, n, approver.ID, exceptionData{Expected: q.Expected, Happened: q.Happened,
		Decision: q.Decision, Approver: approver.ID, Raised: "script"})
	return err
}

func (r *Runner) signoff(ctx context.Context) error {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "signoff.done", "signoff.participant")
	if err != nil || got != nil {
		return err
	}
	if err := r.rerun("signoff", partial, "the sign-off was interrupted; everyone signs off again"); err != nil {
		return err
	}
	text := fmt.Sprintf("I took part in %q and the transcript records what happened in the room.", r.plan.Name)
	for _, p := range r.env.Roster {
		if err := r.confirmText(ctx, text, p, nil); err != nil {
			return err
		}
		if _, err := r.append("signoff.participant", n, p.ID, map[string]string{"participant": p.ID}); err != nil {
			return err
		}
	}
	_, err = r.append("signoff.done", n, r.actorID(), map[string]any{"participants": ids(r.env.Roster)})
	return err
}
