package steps

import (
	"context"
	"fmt"
)

// EvException records an exception: raised by the operator, by a failing
// step, or anticipated by the script.
const EvException = "exception"

// ExceptionData is the data of an exception event.
type ExceptionData struct {
	Expected string `json:"expected"`
	Happened string `json:"happened"`
	Decision string `json:"decision"`
	Approver string `json:"approver"`
	// Raised says where it came from: "operator", "failure" of the step, or
	// "script" (an exception it anticipates).
	Raised string `json:"raised"`
}

// Exception: record an exception the script anticipates.
// Lua: exception { expected = "...", happened = "...", decision = "...", approver = "CA" }
type Exception struct {
	At
	Expected, Happened, Decision string `bind:"free"`
	Approver                     string // role id
}

func init() {
	register(Primitive{Name: "exception", Parse: func(a Args, at At) (Call, error) {
		return Exception{At: at, Expected: a.String("expected", true), Happened: a.String("happened", true),
			Decision: a.String("decision", true), Approver: a.String("approver", true)}, nil
	}})
}

func (e Exception) Placeholder() any { return nil }
func (e Exception) Brief() string    { return e.brief(e.Expected) }
func (e Exception) Paper() string {
	return fmt.Sprintf("Record exception: expected %q, happened %q, decision %q, approved by %s", e.Expected, e.Happened, e.Decision, e.Approver)
}
func (e Exception) Lint(l Linter) { l.Role(e.Approver, "exception approver") }

func (e Exception) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(e.Name, Replay{Final: []string{EvException}})
	if err != nil || rec.Found() {
		return nil, err
	}
	return nil, recordException(ctx, h, e.Approver, ExceptionData{Expected: e.Expected, Happened: e.Happened, Decision: e.Decision})
}

// recordException asks someone holding role to approve an exception the
// script raises, shows it to them to confirm, and records it.
func recordException(ctx context.Context, h Host, role string, d ExceptionData) error {
	approver, err := h.Pick(ctx, role, "approving the exception as", nil)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Exception. Expected: %s. Happened: %s. Decision: %s. %s approves.", d.Expected, d.Happened, d.Decision, approver.Name)
	if err := confirmBy(ctx, h, text, approver, nil); err != nil {
		return err
	}
	d.Approver, d.Raised = approver.ID, "script"
	return h.Append(EvException, approver.ID, d)
}
