// Package runner walks a ceremony's plan step by step: it asks the room
// through a UI, carries out each step's primitives, enforces who may act and
// who must witness, and records everything in the transcript.
//
// The transcript is the single source of truth. Everything a script sees
// that is not fixed by the script itself (the time, a typed value, a
// device's output, who stood at the keyboard) reaches it through a primitive
// whose result is recorded. Resuming after a crash is therefore running the
// script again and feeding it the recorded results until they run out, then
// going on live. Secrets (a combined PIN, freshly split shares) are never
// recorded, so the steps that held them run again, and the transcript says
// so with a primitive.rerun event.
package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ceremony-dev/ceremony/pgpwords"
	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Script is a loaded ceremony script; *scripts.Script is one.
type Script interface {
	Plan() *scripts.Plan
	RunStep(ctx context.Context, step *scripts.Step, host scripts.Host) error
}

// Env is what a run needs from the world around it.
type Env struct {
	UI     room.UI
	Roster []room.Participant
	// Bundle is the bundle directory, shown to the room and used to read
	// back artifacts a later step signs.
	Bundle    string
	Rehearsal bool
	// OpenToken opens the token a primitive names by PKCS#11 URI; "" means
	// the configured token. The runner closes it at the end.
	OpenToken func(uri string) (steps.Token, error)
	// InitToken initialises the token at uri with an SO and a user secret.
	InitToken func(uri string, soSecret, userSecret []byte) error
	// OpenCard opens the YubiKey with serial, or for "" the one in the
	// reader, with where its attestations must chain; nil where the
	// ceremony has no reader.
	OpenCard func(serial string) (piv.Card, *piv.Trust, error)
	// Input returns a declared input's bytes, checked against its size limit
	// and pinned hash.
	Input func(name string) ([]byte, error)
	// Sets are share sets split before this ceremony, by name.
	Sets map[string]*shares.Record
	// Envelopes are the shares of Sets sealed to their holders' cards, by
	// set name.
	Envelopes map[string][]*shares.Envelope
	// Now is the clock the clock primitive shows; time.Now when nil.
	Now func() time.Time
	// Machine returns host facts; steps.HostFacts when nil.
	Machine func() map[string]string
}

// ErrAborted is returned by Run when the room decided to abort the ceremony.
var ErrAborted = errors.New("the ceremony was aborted")

// Runner carries out one ceremony.
type Runner struct {
	script Script
	plan   *scripts.Plan
	w      *transcript.Writer
	env    Env
	view   room.Ceremony
	states [][]room.StepState

	replay  []transcript.Event // recorded events still to be fed back
	resumed bool               // replay was given and has not run out yet
	// fromResume is set for the whole of a resumed run: live primitives may
	// meet what the interrupted run left on a token.
	fromResume bool

	act, step int
	actor     *room.Participant
	witnesses []room.Participant
	// shown are the facts the running step's primitives produced, for its
	// closing confirmation.
	shown []room.Fact

	session *steps.Session // the token and share sets of the primitives
	// afterResume is the seq of the last resume event replay passed.
	afterResume uint64
}

// New prepares a run of script into the transcript w (nil only for
// Conform). recorded holds the
// events of an interrupted run of the same bundle (from transcript.Resume),
// or nil for a new ceremony.
func New(script Script, w *transcript.Writer, recorded []transcript.Event, env Env) *Runner {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Machine == nil {
		env.Machine = steps.HostFacts
	}
	plan := script.Plan()
	env.Roster = markRemote(env.Roster, plan.Roles)
	r := &Runner{script: script, plan: plan, w: w, env: env, act: -1, step: -1,
		replay: recorded, resumed: recorded != nil, fromResume: recorded != nil,
		session: steps.NewSession(env.Sets, env.OpenToken, env.InitToken)}
	if env.OpenCard != nil {
		r.session.UseCards(env.OpenCard)
	}
	r.view = room.Ceremony{Name: plan.Name, Version: plan.Version, Rehearsal: env.Rehearsal, Bundle: env.Bundle}
	for _, a := range plan.Acts {
		av := room.ActView{Title: a.Title}
		for i := range a.Steps {
			av.Steps = append(av.Steps, r.stepView(&a.Steps[i]))
		}
		r.view.Acts = append(r.view.Acts, av)
		r.states = append(r.states, make([]room.StepState, len(a.Steps)))
	}
	return r
}

// Run walks the plan to its end. It returns ErrAborted when the room aborts,
// a *QuitError when the operator leaves (the bundle can be resumed), and the
// context's error when ctx ends.
func (r *Runner) Run(ctx context.Context) (err error) {
	defer r.session.Close()
	if err := r.session.UseEnvelopes(r.env.Envelopes); err != nil {
		return err
	}
	if err := r.checkSeparation(); err != nil {
		return err
	}
	r.env.UI.Begin(r.view)
	r.progress()
	for ai := range r.plan.Acts {
		r.act = ai
		for si := range r.plan.Acts[ai].Steps {
			r.step = si
			if err := r.runStep(ctx, &r.plan.Acts[ai].Steps[si]); err != nil {
				return r.stop(ctx, err)
			}
		}
		if err := r.checkpoint(); err != nil {
			return err
		}
	}
	if _, err := once(r, transcript.TypeEnd, "", "", func() (endData, error) {
		return endData{Complete: true}, nil
	}); err != nil {
		return err
	}
	if err := r.checkpoint(); err != nil {
		return err
	}
	r.end(true)
	return nil
}

type endData struct {
	Complete bool   `json:"complete"`
	Reason   string `json:"reason,omitempty"`
}

// stop ends a run that did not reach the end, recording why when the room
// decided it.
func (r *Runner) stop(ctx context.Context, err error) error {
	var quit *room.QuitError
	switch {
	case errors.Is(err, ErrAborted):
		r.checkpoint()
		r.end(false)
	case errors.As(err, &quit):
		r.append(evPaused, r.stepNumber(), r.actorID(), map[string]string{"reason": quit.Reason})
		r.checkpoint()
		r.end(false)
	case ctx.Err() != nil:
		// The process is going away: the transcript stays as it is, and
		// resume takes over from there.
		return ctx.Err()
	}
	return err
}

func (r *Runner) end(complete bool) {
	if r.w == nil {
		return
	}
	n, head := r.w.Head()
	r.env.UI.End(room.Summary{Complete: complete, Events: n, Head: fmt.Sprintf("%x", head),
		HeadWords: pgpwords.Encode(head[:]), Bundle: r.env.Bundle})
}

// checkpoint signs the transcript at the end of an act. While the recorded
// run goes on past this point there is nothing to sign: it signed there
// itself.
func (r *Runner) checkpoint() error {
	if r.w == nil || !r.live() {
		return nil
	}
	if _, err := r.w.Checkpoint(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	r.progress()
	return nil
}

func (r *Runner) progress() {
	if r.w == nil {
		return
	}
	n, head := r.w.Head()
	// The UI may keep what it is given while the runner goes on: it gets
	// copies.
	states := make([][]room.StepState, len(r.states))
	for i, a := range r.states {
		states[i] = append([]room.StepState(nil), a...)
	}
	st := room.Status{Events: n, HeadWords: pgpwords.Encode(head[:4]), Act: r.act, Step: r.step,
		States: states, Witnesses: append([]room.Participant(nil), r.witnesses...), Time: r.env.Now().UTC()}
	if r.actor != nil {
		a := *r.actor
		st.Actor = &a
	}
	r.env.UI.Progress(st)
}

// append records an event live.
func (r *Runner) append(typ, step, actor string, data any) (transcript.Event, error) {
	if r.w == nil {
		return transcript.Event{}, errRecordEnds
	}
	e, err := r.w.Append(typ, step, actor, data)
	if err != nil {
		return e, &recordError{fmt.Errorf("recording %s: %w", typ, err)}
	}
	r.progress()
	return e, nil
}

func (r *Runner) stepNumber() string {
	if r.act < 0 || r.step < 0 {
		return ""
	}
	return r.plan.Acts[r.act].Steps[r.step].Number
}

func (r *Runner) actorID() string {
	if r.actor == nil {
		return ""
	}
	return r.actor.ID
}

// markRemote marks the participants whose every role is played from
// elsewhere: what they confirm is typed for them.
func markRemote(roster []room.Participant, roles []scripts.Role) []room.Participant {
	remote := map[string]bool{}
	for _, r := range roles {
		remote[r.ID] = r.Remote
	}
	out := make([]room.Participant, len(roster))
	for i, p := range roster {
		p.Remote = len(p.Roles) > 0
		for _, id := range p.Roles {
			p.Remote = p.Remote && remote[id]
		}
		out[i] = p
	}
	return out
}
