package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Do carries out one primitive a step's function calls, or replays its
// recorded result; it makes the Runner the scripts.Host of every step, and
// the steps.Host of every primitive.
func (r *Runner) Do(ctx context.Context, _ *scripts.Step, c steps.Call) (any, error) {
	return c.Run(ctx, r)
}

var _ steps.Host = (*Runner)(nil)

func (r *Runner) currentStep() *scripts.Step { return &r.plan.Acts[r.act].Steps[r.step] }

func (r *Runner) Step() string                  { return r.stepNumber() }
func (r *Runner) StepRole() string              { return r.currentStep().By }
func (r *Runner) Actor() room.Participant       { return *r.actor }
func (r *Runner) Witnesses() []room.Participant { return r.witnesses }
func (r *Runner) Roster() []room.Participant    { return r.env.Roster }
func (r *Runner) Ceremony() string              { return r.plan.Name }
func (r *Runner) Prompts() room.Prompts         { return r.env.UI }
func (r *Runner) Now() time.Time                { return r.env.Now() }
func (r *Runner) Machine() map[string]string    { return r.env.Machine() }
func (r *Runner) Session() *steps.Session       { return r.session }
func (r *Runner) Resumed() bool                 { return r.fromResume }

func (r *Runner) Match(pattern, value string) (bool, error) {
	return scripts.MatchPattern(pattern, value)
}

// View is the current step as shown, with the instruction replaced by what
// a primitive asks.
func (r *Runner) View(text string) room.StepView {
	v := r.stepView(r.currentStep())
	v.Text = text
	return v
}

func (r *Runner) Input(name string) ([]byte, error) {
	if r.env.Input == nil {
		return nil, errors.New("this ceremony has no inputs")
	}
	return r.env.Input(name)
}

func (r *Runner) InputTitle(name string) string {
	for _, in := range r.plan.Inputs {
		if in.Name == name && in.Title != "" {
			return in.Title + " (" + name + ")"
		}
	}
	return name
}

// Replay is the one replay helper of every primitive: the recorded result
// when there is one, otherwise a live run that voids what an interrupted
// first run left.
func (r *Runner) Replay(primitive string, spec steps.Replay) (steps.Recorded, error) {
	got, partial, err := r.recordedAny(r.stepNumber(), spec.Final, spec.Steps...)
	if err != nil {
		return steps.Recorded{}, err
	}
	if got != nil {
		last := got[len(got)-1]
		rec := steps.Recorded{Type: last.Type, Seq: last.Seq, Data: last.Data}
		for _, e := range got[:len(got)-1] {
			// What a fresh session did is what counts after a resume.
			if e.Seq > r.afterResume {
				rec.Steps = append(rec.Steps, e.Type)
			}
		}
		return rec, nil
	}
	seq, err := r.rerun(primitive, partial, spec.Void)
	if err != nil {
		return steps.Recorded{}, err
	}
	return steps.Recorded{Interrupted: len(partial) > 0, Voided: partial, VoidSeq: seq}, nil
}

func (r *Runner) Show(label, value string) {
	r.shown = append(r.shown, room.Fact{Label: label, Value: value})
}

func (r *Runner) Append(typ, actor string, data any) error {
	if actor == "" {
		actor = r.actorID()
	}
	_, err := r.append(typ, r.stepNumber(), actor, data)
	return err
}

func (r *Runner) SaveArtifact(name string, content []byte) error {
	if _, err := r.w.AddArtifact(name, content, r.stepNumber(), r.actorID()); err != nil {
		return &recordError{fmt.Errorf("saving artifact %s: %w", name, err)}
	}
	r.progress()
	return nil
}

func (r *Runner) ReadArtifact(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(r.env.Bundle, transcript.ArtifactsDir, filepath.Base(name)))
}

// Leftover returns an artifact file a resumed ceremony finds already saved:
// the interrupted run wrote it but did not record the step's result, and
// transcript.Resume recorded the file on its own.
func (r *Runner) Leftover(name string) ([]byte, bool) {
	if !r.fromResume {
		return nil, false
	}
	b, err := r.ReadArtifact(name)
	return b, err == nil
}

// FreshName is name with the first free numeric suffix: the file an
// interrupted run tore while writing stays, recorded as it is.
func (r *Runner) FreshName(name string) string {
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s.%d", name, i)
		if _, err := os.Lstat(filepath.Join(r.env.Bundle, transcript.ArtifactsDir, c)); errors.Is(err, os.ErrNotExist) {
			return c
		}
	}
}
