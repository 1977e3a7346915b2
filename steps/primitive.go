// Package steps holds the primitives a ceremony script calls, one file each.
//
// A primitive's file says everything about it: its Lua name, how its
// arguments are read, the placeholder result of a dry run, what it adds to
// `ceremony check`, what it says on the paper script and on screen, and what
// it does against a Host. The file registers it in init; the script loader,
// the runner, the paper script and check find it in the registry and know no
// primitive by name.
//
// Primitives never import gopher-lua (they read arguments through Args,
// which the scripts package implements) nor the runner (they run against
// Host, which the runner implements).
package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Namespaces are the Lua tables primitives may live in ("hsm.sign"); a
// primitive without a dot is a global function.
var Namespaces = []string{"hsm", "x509", "ssh", "dnssec", "piv"}

// Primitive is one registered primitive.
type Primitive struct {
	// Name is the Lua name, "confirm" or "hsm.sign".
	Name string
	// Parse reads the arguments of one call. Args reports wrong types and
	// unknown fields itself; Parse returns what is wrong beyond that, and the
	// loader adds the script's file and line.
	Parse func(a Args, at At) (Call, error)
}

var registry = map[string]Primitive{}

// register adds a primitive; each primitive's file calls it from init.
func register(p Primitive) {
	if _, dup := registry[p.Name]; dup {
		panic("steps: primitive " + p.Name + " registered twice")
	}
	if ns, _, ok := strings.Cut(p.Name, "."); ok && !slices.Contains(Namespaces, ns) {
		panic("steps: primitive " + p.Name + " is in no registered namespace")
	}
	registry[p.Name] = p
}

// Registry lists every primitive, by name.
func Registry() []Primitive {
	out := make([]Primitive, 0, len(registry))
	for _, p := range registry {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Primitive) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Call is one call of a primitive by a script, its arguments read.
type Call interface {
	// Loc is the primitive's name and where the script called it.
	Loc() At
	// Placeholder is the result when nothing is carried out (the dry run at
	// load time). It has the shape of the real result, so that script code
	// using the result runs the same way.
	Placeholder() any
	// Brief says in a few words what the call does, for the room's screen:
	// "verify_out_of_band: ksr with ZSKO".
	Brief() string
	// Paper says in a sentence what the call does, for the paper script.
	Paper() string
	// Lint reports what is wrong with the call within the plan.
	Lint(l Linter)
	// Run carries the call out, or replays its recorded result.
	Run(ctx context.Context, h Host) (any, error)
}

// At is where a script called a primitive; every Call embeds it.
type At struct {
	Name string // the primitive's Lua name
	File string
	Line int
}

func (a At) Loc() At { return a }

// Where is "demo.lua:42", or "" when the location is unknown.
func (a At) Where() string {
	if a.File == "" {
		return ""
	}
	return a.File + ":" + strconv.Itoa(a.Line)
}

// brief is the screen form of a call: its name, and what it acts on.
func (a At) brief(what string) string {
	if what == "" {
		return a.Name
	}
	return a.Name + ": " + what
}

// Args reads a primitive's table argument. Each method raises a script error
// naming the field when the value has the wrong type; a field that no method
// read is refused as unknown once Parse returns.
type Args interface {
	// Text is the i-th positional value (from 1), a string.
	Text(i int, required bool) string
	// String is a text; control characters other than newlines and tabs,
	// and the characters that reorder text, are refused.
	String(key string, required bool) string
	// Content is a required text taken as it is, such as a file's content.
	Content(key string) string
	// Int is a whole number from 0 to 1000, def when absent.
	Int(key string, def int) int
	// Bool is true or false, def when absent.
	Bool(key string, def bool) bool
	// Strings is a string or a list of strings.
	Strings(key string) []string
	// Input is an input reference (input "ksr", or the bare name) in field
	// key, or in the first positional value when key is "".
	Input(key string) string
	// Pattern is a Lua pattern, checked to compile; "" when absent.
	Pattern(key string) string
}

// Linter is what `ceremony check` offers a call to report problems with;
// every problem is reported at the call's line.
type Linter interface {
	Problem(format string, a ...any)
	// Role reports an unknown role and returns whether id is declared.
	Role(id, use string) bool
	// People is how many on the roster hold role; known is false when the
	// check runs without a roster.
	People(role string) (n int, known bool)
	// Input reports an input that is not declared.
	Input(name string)
	// UseSet reports a share set no earlier call creates; NewSet creates
	// one, and reports a set that exists already.
	UseSet(name string)
	NewSet(name string)
	// Needs says the call needs n people holding role; why says what for,
	// as in "split_secret gives 5 shares to CO".
	Needs(role string, n int, why string)
	// Artifact and Key record that the call makes an artifact file or a key
	// label, and report a second one: such names are unique in a ceremony,
	// since artifacts are created with O_EXCL and key labels are refused
	// when they exist. Saved reports whether an earlier call saved name.
	Artifact(name string)
	Key(label string)
	Saved(name string) bool
}

// oneOf is the value of an enumerated argument, or an error listing the
// allowed ones.
func oneOf(field, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("%s must be one of %s, not %q", field, strings.Join(allowed, ", "), v)
}
