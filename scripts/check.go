package scripts

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/steps"
)

// Roster is what the configuration says about the people and the share sets
// a ceremony starts with; Check holds the plan against it.
type Roster struct {
	Participants []Participant
	// Sets names share sets split at an earlier ceremony, which the script
	// may collect without splitting them first.
	Sets []string
}

// Participant is one person on the roster.
type Participant struct {
	ID    string
	Name  string
	Roles []string
}

// Problem is one thing wrong with a script, at a line of it.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Message
}

// Warnings are what check says of a plan that is not wrong but that the
// room should know: a step whose calls depend on what its primitives return
// (a branch on a typed value), so that the paper script shows one path of
// it. At run time such a step can still make only the calls the paper shows.
func Warnings(p *Plan) []Problem {
	var out []Problem
	for _, a := range p.Acts {
		for _, st := range a.Steps {
			if st.Varies {
				out = append(out, Problem{File: p.File, Line: st.Line, Message: fmt.Sprintf(
					"warning: what step %s calls depends on what its primitives return; the paper script shows one path, and the step may make no call it does not show", st.Number)})
			}
		}
	}
	return out
}

// Check reports every problem with the plan at once, in line order. With a
// nil roster, only what the script alone can get wrong is checked.
func Check(p *Plan, r *Roster) []Problem {
	return newChecker(p, r).problems
}

// newChecker checks p against r (nil: the script alone).
func newChecker(p *Plan, r *Roster) *checker {
	c := &checker{plan: p, roles: map[string]*Role{}, inputs: map[string]bool{},
		artifacts: map[string]int{}, keys: map[string]int{}, needs: map[string]int{}}
	for i := range p.Roles {
		c.roles[p.Roles[i].ID] = &p.Roles[i]
	}
	for _, in := range p.Inputs {
		c.inputs[in.Name] = true
	}
	if r != nil {
		c.people = map[string][]string{}
		for _, pt := range r.Participants {
			for _, role := range pt.Roles {
				c.people[role] = append(c.people[role], pt.ID)
			}
		}
	}
	c.separation(r)
	c.roleCounts()
	c.acts(r)
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
	return c
}

type checker struct {
	plan      *Plan
	roles     map[string]*Role
	inputs    map[string]bool
	people    map[string][]string // role id -> participant ids; nil without a roster
	artifacts map[string]int      // artifact name -> line that saves it
	keys      map[string]int      // key label -> line that generates it
	needs     map[string]int      // role id -> people the calls need
	problems  []Problem
}

func (c *checker) add(line int, format string, a ...any) {
	c.problems = append(c.problems, Problem{File: c.plan.File, Line: line, Message: fmt.Sprintf(format, a...)})
}

func (c *checker) role(line int, id, use string) bool {
	if _, ok := c.roles[id]; ok {
		return true
	}
	ids := make([]string, 0, len(c.roles))
	for _, r := range c.plan.Roles {
		ids = append(ids, r.ID)
	}
	c.add(line, "unknown role %q in %s (declared: %s)", id, use, strings.Join(ids, ", "))
	return false
}

func (c *checker) separation(r *Roster) {
	for _, group := range c.plan.Separate {
		for _, id := range group {
			c.role(c.plan.Line, id, "separate")
		}
	}
	if r == nil {
		return
	}
	for _, pt := range r.Participants {
		for _, held := range c.plan.HeldTogether(pt.Roles) {
			c.add(c.plan.Line, "separation of duties: %s holds %s, which the script keeps apart", pt.ID, strings.Join(held, " and "))
		}
	}
}

func (c *checker) roleCounts() {
	if c.people == nil {
		return
	}
	for _, role := range c.plan.Roles {
		n := len(c.people[role.ID])
		if n < role.Min {
			c.add(role.Line, "role %s needs at least %d %s, the roster has %d", role.ID, role.Min, plural(role.Min, "person", "people"), n)
		}
		if role.Max > 0 && n > role.Max {
			c.add(role.Line, "role %s allows at most %d %s, the roster has %d", role.ID, role.Max, plural(role.Max, "person", "people"), n)
		}
	}
}

func (c *checker) acts(r *Roster) {
	sets := map[string]int{} // share set -> line of the split that creates it
	if r != nil {
		for _, s := range r.Sets {
			sets[s] = 0
		}
	}
	for _, s := range c.plan.Sets {
		if _, ok := sets[s]; r != nil && !ok {
			c.add(c.plan.Line, "share set %s comes from an earlier ceremony: name its public record in the configuration's [sets]", s)
		}
		sets[s] = 0
	}
	numbers := map[string]int{}
	for _, act := range c.plan.Acts {
		if len(act.Steps) == 0 {
			c.add(act.Line, "act %d %q has no steps", act.Number, act.Title)
		}
		for i := range act.Steps {
			st := &act.Steps[i]
			if first, dup := numbers[st.Number]; dup {
				c.add(st.Line, "step number %s is used twice (first at line %d)", st.Number, first)
			} else {
				numbers[st.Number] = st.Line
			}
			c.step(st)
			for _, req := range st.Calls {
				c.call(req, sets)
			}
		}
	}
}

func (c *checker) step(st *Step) {
	byOK := c.role(st.Line, st.By, "by")
	// A role with min = 0 may be empty, but not when a step needs it.
	for _, id := range append([]string{st.By}, st.Witnesses...) {
		if r, ok := c.roles[id]; ok && r.Min == 0 && c.people != nil && len(c.people[id]) == 0 {
			c.add(st.Line, "step %s needs someone holding role %s, and no one on the roster does", st.Number, id)
		}
	}
	for _, w := range st.Witnesses {
		if !c.role(st.Line, w, "witness") || !byOK {
			continue
		}
		// A witness must be someone other than the actor.
		if c.people == nil {
			if w == st.By && c.roles[w].Max == 1 {
				c.add(st.Line, "step %s: role %s both acts and witnesses, but only one person may hold it", st.Number, w)
			}
			continue
		}
		actors := c.people[st.By]
		if len(actors) == 1 && len(c.people[w]) > 0 && onlyOf(c.people[w], actors[0]) {
			c.add(st.Line, "step %s: %s is the only %s and the only %s, so no one else can witness", st.Number, actors[0], st.By, w)
		}
	}
}

// call holds one primitive call against the plan, through the Linter the
// call reports to.
func (c *checker) call(call steps.Call, sets map[string]int) {
	call.Lint(&linter{c: c, line: call.Loc().Line, sets: sets})
}

// linter is the steps.Linter of one call.
type linter struct {
	c    *checker
	line int
	sets map[string]int // share set -> line of the split that creates it; 0 for the configuration's
}

func (l *linter) Problem(format string, a ...any) { l.c.add(l.line, format, a...) }
func (l *linter) Role(id, use string) bool        { return l.c.role(l.line, id, use) }

func (l *linter) People(role string) (int, bool) {
	if l.c.people == nil {
		return 0, false
	}
	return len(l.c.people[role]), true
}

func (l *linter) Input(name string) {
	if !l.c.inputs[name] {
		l.Problem("input %q is used but not declared in ceremony { inputs = ... }", name)
	}
}

func (l *linter) UseSet(name string) {
	if _, ok := l.sets[name]; !ok {
		l.Problem("share set %q is used before any split_secret creates it", name)
	}
}

func (l *linter) NewSet(name string) {
	first, ok := l.sets[name]
	switch {
	case !ok:
		l.sets[name] = l.line
	case first > 0:
		l.Problem("share set %q is split twice (first at line %d)", name, first)
	default:
		l.Problem("share set %q already exists (the configuration declares it)", name)
	}
}

func (l *linter) Needs(role string, n int, why string) {
	l.c.needs[role] = max(l.c.needs[role], n)
	if have, known := l.People(role); known && have < n {
		l.Problem("%s, the roster has %d", why, have)
	}
}

func (l *linter) Artifact(name string) {
	l.once(l.c.artifacts, "artifact %q is made twice (first at line %d)", name)
}
func (l *linter) Key(label string) {
	l.once(l.c.keys, "key %q is made twice (first at line %d)", label)
}

func (l *linter) Saved(name string) bool {
	_, ok := l.c.artifacts[name]
	return ok
}

// once reports a second use of a name that must be unique: a duplicate
// would stop the ceremony halfway.
func (l *linter) once(seen map[string]int, twice, name string) {
	if first, ok := seen[name]; ok {
		l.Problem(twice, name, first)
		return
	}
	seen[name] = l.line
}

// RosterNeeds is how many people each role of the plan needs: as many as
// the role's minimum, and as many as any call needs (enough holders for
// every split).
func RosterNeeds(p *Plan) map[string]int {
	c := newChecker(p, nil)
	for _, r := range p.Roles {
		c.needs[r.ID] = max(r.Min, 1, c.needs[r.ID])
	}
	return c.needs
}

func onlyOf(ids []string, id string) bool {
	for _, x := range ids {
		if x != id {
			return false
		}
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
