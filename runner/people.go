package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// choosePeople asks who acts and who witnesses the step. The actor must hold
// the step's role; each witness must hold the witnessing role and be someone
// other than the actor and the other witnesses.
func (r *Runner) choosePeople(ctx context.Context, st *scripts.Step) error {
	actor, err := r.pick(ctx, st.Number, st.By, "acting as", nil)
	if err != nil {
		return err
	}
	r.actor = &actor
	taken := []room.Participant{actor}
	for _, role := range st.Witnesses {
		w, err := r.pick(ctx, st.Number, role, "witnessing as", taken)
		if err != nil {
			r.actor = nil
			return err
		}
		r.witnesses = append(r.witnesses, w)
		taken = append(taken, w)
	}
	return nil
}

// pick asks the room for someone holding role who is not in taken; with one
// candidate there is nothing to ask.
func (r *Runner) pick(ctx context.Context, step, role, as string, taken []room.Participant) (room.Participant, error) {
	var cands []room.Participant
	for _, p := range r.env.Roster {
		if slices.Contains(p.Roles, role) && !containsP(taken, p.ID) {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return room.Participant{}, fmt.Errorf("step %s: no one on the roster can act as %s (%s) here", step, role, r.roleTitle(role))
	}
	return steps.PickFrom(ctx, r.env.UI, fmt.Sprintf("Step %s: who is %s %s?", step, as, r.roleTitle(role)), cands)
}

// Pick is pick for the running step, for the primitives.
func (r *Runner) Pick(ctx context.Context, role, as string, taken []room.Participant) (room.Participant, error) {
	return r.pick(ctx, r.stepNumber(), role, as, taken)
}

// checkSeparation refuses a roster on which one person holds two roles the
// script keeps apart: no step could then be trusted to have two people.
func (r *Runner) checkSeparation() error {
	for _, p := range r.env.Roster {
		if broken := r.plan.HeldTogether(p.Roles); broken != nil {
			return fmt.Errorf("%s holds %s, which the script keeps separate", p.Name, strings.Join(broken[0], " and "))
		}
	}
	return nil
}

// setPeople restores who acted and witnessed from step.begin, checking the
// record against the roster and the roles as a live run would.
func (r *Runner) setPeople(st *scripts.Step, b stepBegin, line uint64) error {
	wrong := func(format string, a ...any) error {
		r.actor, r.witnesses = nil, nil
		return &steps.DivergenceError{Line: line, Step: st.Number, Reason: fmt.Sprintf(format, a...)}
	}
	a, ok := r.participant(b.Actor)
	if !ok || !slices.Contains(a.Roles, st.By) {
		return wrong("the step was done by %q, who does not hold %s", b.Actor, st.By)
	}
	if len(b.Witnesses) != len(st.Witnesses) {
		return wrong("%d witnesses are recorded, the script names %d", len(b.Witnesses), len(st.Witnesses))
	}
	r.actor = &a
	for i, id := range b.Witnesses {
		w, ok := r.participant(id)
		if !ok || id == a.ID || !slices.Contains(w.Roles, st.Witnesses[i]) || containsP(r.witnesses, id) {
			return wrong("witness %q is not someone else holding %s", id, st.Witnesses[i])
		}
		r.witnesses = append(r.witnesses, w)
	}
	return nil
}

func (r *Runner) participant(id string) (room.Participant, bool) {
	for _, p := range r.env.Roster {
		if p.ID == id {
			return p, true
		}
	}
	return room.Participant{}, false
}

func (r *Runner) roleTitle(id string) string {
	for _, role := range r.plan.Roles {
		if role.ID == id {
			return role.Title
		}
	}
	return id
}

func containsP(ps []room.Participant, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
