package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/room"
)

// EvRecorded records a typed value: label and value.
const EvRecorded = "record.value"

// Record: a typed value entered and recorded, checked against a Lua pattern
// that the room is told in words (describe, or one derived from the pattern).
// Lua: record { "HSM bag", pattern = "^%u%u%d+$", describe = "the two letters and the digits on the bag" } -> string
type Record struct {
	At
	Label    string
	Pattern  string
	Describe string
}

func init() {
	register(Primitive{Name: "record", Parse: func(a Args, at At) (Call, error) {
		return Record{At: at, Label: a.Text(1, true), Pattern: a.Pattern("pattern"), Describe: a.String("describe", false)}, nil
	}})
}

// form says in words what the value must look like, "" when anything goes.
func (r Record) form() string {
	if r.Describe != "" {
		return r.Describe
	}
	if r.Pattern == "" {
		return ""
	}
	if d, ok := describePattern(r.Pattern); ok {
		return d
	}
	return "matching the pattern " + r.Pattern
}

func (r Record) Placeholder() any { return "{" + r.Label + "}" }
func (r Record) Brief() string    { return r.brief(r.Label) }
func (r Record) Lint(Linter)      {}

func (r Record) Paper() string {
	if f := r.form(); f != "" {
		return fmt.Sprintf("Record %s (%s): ____________", r.Label, f)
	}
	return fmt.Sprintf("Record %s: ____________", r.Label)
}

func (r Record) Run(ctx context.Context, h Host) (any, error) {
	type value struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	v, err := once(h, r, EvRecorded, func() (value, error) {
		req := room.ValueRequest{Label: r.Label, Validate: func(b []byte) error { return r.check(h, string(b)) }}
		if f := r.form(); f != "" {
			req.Help = "must be " + f
		}
		b, err := h.Prompts().Value(ctx, req)
		if err != nil {
			return value{}, err
		}
		if err := req.Validate(b); err != nil {
			return value{}, err
		}
		return value{Label: r.Label, Value: string(b)}, nil
	})
	if err == nil {
		h.Show(r.Label, v.Value)
	}
	return v.Value, err
}

func (r Record) check(h Host, v string) error {
	if v == "" {
		return errors.New("a value is needed")
	}
	if r.Pattern == "" {
		return nil
	}
	ok, err := h.Match(r.Pattern, v)
	if err != nil {
		return fmt.Errorf("pattern %s: %w", r.Pattern, err)
	}
	if !ok {
		return fmt.Errorf("%q is not %s: type it again", v, r.form())
	}
	return nil
}
