package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/ceremony-dev/ceremony/scripts"
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
	taken := []Participant{actor}
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
func (r *Runner) pick(ctx context.Context, step, role, as string, taken []Participant) (Participant, error) {
	var cands []Participant
	for _, p := range r.env.Roster {
		if slices.Contains(p.Roles, role) && !containsP(taken, p.ID) {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return Participant{}, fmt.Errorf("step %s: no one on the roster can act as %s (%s) here", step, role, r.roleTitle(role))
	}
	return r.pickFrom(ctx, fmt.Sprintf("Step %s: who is %s %s?", step, as, r.roleTitle(role)), cands)
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
func (r *Runner) setPeople(st *scripts.Step, b stepBegin) error {
	a, ok := r.participant(b.Actor)
	if !ok || !slices.Contains(a.Roles, st.By) {
		return fmt.Errorf("%w: step %s was done by %q, who does not hold %s", errDiverged, st.Number, b.Actor, st.By)
	}
	if len(b.Witnesses) != len(st.Witnesses) {
		return fmt.Errorf("%w: step %s has %d witnesses recorded, the script names %d", errDiverged, st.Number, len(b.Witnesses), len(st.Witnesses))
	}
	r.actor = &a
	for i, id := range b.Witnesses {
		w, ok := r.participant(id)
		if !ok || id == a.ID || !slices.Contains(w.Roles, st.Witnesses[i]) || containsP(r.witnesses, id) {
			r.actor, r.witnesses = nil, nil
			return fmt.Errorf("%w: step %s: witness %q does not fit", errDiverged, st.Number, id)
		}
		r.witnesses = append(r.witnesses, w)
	}
	return nil
}

func (r *Runner) participant(id string) (Participant, bool) {
	for _, p := range r.env.Roster {
		if p.ID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// holders lists the roster's participants holding role, in roster order.
func (r *Runner) holders(role string) []Participant {
	var out []Participant
	for _, p := range r.env.Roster {
		if slices.Contains(p.Roles, role) {
			out = append(out, p)
		}
	}
	return out
}

func (r *Runner) roleTitle(id string) string {
	for _, role := range r.plan.Roles {
		if role.ID == id {
			return role.Title
		}
	}
	return id
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

// checkInitials accepts a participant's initials or roster id, ignoring case.
func checkInitials(p Participant, typed string) error {
	typed = strings.TrimSpace(typed)
	if typed != "" && (strings.EqualFold(typed, Initials(p)) || strings.EqualFold(typed, p.ID)) {
		return nil
	}
	return fmt.Errorf("those are not the initials of %s", p.Name)
}

func ids(ps []Participant) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func containsP(ps []Participant, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
