package scripts

import (
	"context"
	"slices"

	"github.com/ceremony-dev/ceremony/steps"
)

// Plan is what loading a ceremony script yields: everything the runner needs
// to walk the room through it, and everything `ceremony print` puts on paper.
type Plan struct {
	File     string // the script's path as given
	Name     string
	Version  string
	Roles    []Role
	Separate [][]string // role ids that no one person may hold together
	Inputs   []Input
	// Sets are share sets split at an earlier ceremony, which this one
	// continues from: the configuration's [sets] gives their records.
	Sets   []string
	Params []Param
	Acts   []Act
	Line   int // where ceremony { ... } is called; separation rules are reported here
}

// HeldTogether returns, for each group of roles the script keeps apart, the
// roles of that group among roles when there are two or more of them: the
// separations of duty that one person holding roles would break.
func (p *Plan) HeldTogether(roles []string) [][]string {
	var broken [][]string
	for _, group := range p.Separate {
		var held []string
		for _, id := range group {
			if slices.Contains(roles, id) {
				held = append(held, id)
			}
		}
		if len(held) > 1 {
			broken = append(broken, held)
		}
	}
	return broken
}

// Role is a part someone plays in the room.
type Role struct {
	ID       string // "CO"
	Title    string // "Crypto Officer"
	Min, Max int    // how many distinct people must hold it (Max 0: no limit)
	Remote   bool   // takes part from elsewhere, e.g. by phone
	Line     int
}

// Input is a file the ceremony takes in, named by the script and located by
// the configuration.
type Input struct {
	Name     string // "ksr"
	Title    string
	MaxBytes int64
	SHA256   string // expected hash, lowercase hex, when the script pins one
	// Rehearsal is what a rehearsal without a configured path is given in
	// its place: stand-ins of the right form (public keys whose private
	// halves no one has, say), so that every step can run.
	Rehearsal string
	// StandIn names a maker of rehearsal content in steps.StandIns, for an
	// input no fixed text can stand in for (a KSR for the days ahead).
	StandIn string
	// Optional inputs may be left out of the configuration; a step that
	// reads one that was not given fails.
	Optional bool
	Line     int
}

// Act is a group of steps, closed by a checkpoint.
type Act struct {
	Number int // from 1
	Title  string
	Line   int
	Steps  []Step
}

// Failure is what the script allows when a step fails or an exception is raised.
type Failure string

const (
	FailAbort Failure = "abort" // the default: the ceremony stops
	FailRetry Failure = "retry"
	FailSkip  Failure = "skip" // skipped with a recorded exception
)

// Step is one numbered step.
type Step struct {
	Number    string // "2.1": act number, step within the act
	Line      int
	By        string   // acting role id
	Witnesses []string // witnessing role ids
	Text      string   // instruction, Markdown
	OnFailure []Failure
	// Calls lists the primitives the step's function calls, as found by a
	// dry run at load time; for display ("what the step will do") and lint.
	Calls []steps.Call
	// Varies is set when a dry run with other placeholder values made other
	// calls: what the step does depends on what its primitives return, and
	// the paper script shows one path of it.
	Varies bool
	// HasRun reports whether the step carries a Lua function; a step without
	// one is a plain confirmation by its actor and witnesses.
	HasRun bool
}

// Host carries out, for real or in replay, the primitives a step's Lua
// function calls. The runner implements it; lint implements it with a dry
// run. The result is handed back to Lua: nil, string, float64, bool,
// []any or map[string]any.
type Host interface {
	Do(ctx context.Context, step *Step, c steps.Call) (any, error)
}

// Input is the declared input name.
func (p *Plan) Input(name string) (Input, bool) {
	for _, in := range p.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}
