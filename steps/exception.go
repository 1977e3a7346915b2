package steps

import (
	"context"
	"fmt"
	"strings"
)

// EvException records an exception: raised by the operator, by a failing
// step, or anticipated by the script; EvExceptionNotNeeded, an anticipated
// one whose condition did not hold.
const (
	EvException          = "exception"
	EvExceptionNotNeeded = "exception.not_needed"
)

// whenSoftware is the condition of an exception that is only one on the
// embedded software token.
const whenSoftware = "software token"

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

// Exception: record an exception the script anticipates; with when =
// "software token", only when the token in use is the embedded software one.
// Lua: exception { expected = "...", happened = "...", decision = "...", approver = "CA", when = "software token" }
type Exception struct {
	At
	Expected, Happened, Decision string `bind:"free"`
	Approver                     string // role id
	When                         string
}

func init() {
	register(Primitive{Name: "exception", Parse: func(a Args, at At) (Call, error) {
		e := Exception{At: at, Expected: a.String("expected", true), Happened: a.String("happened", true),
			Decision: a.String("decision", true), Approver: a.String("approver", true), When: a.String("when", false)}
		if e.When != "" && e.When != whenSoftware {
			return nil, fmt.Errorf("when = %q: the one condition is %q", e.When, whenSoftware)
		}
		return e, nil
	}})
}

func (e Exception) Placeholder() any { return nil }
func (e Exception) Brief() string    { return e.brief(e.Expected) }
func (e Exception) Paper() string {
	p := fmt.Sprintf("Record exception: expected %q, happened %q, decision %q, approved by %s", e.Expected, e.Happened, e.Decision, e.Approver)
	if e.When != "" {
		p += " (only on the " + e.When + ")"
	}
	return p
}
func (e Exception) Lint(l Linter) { l.Role(e.Approver, "exception approver") }

func (e Exception) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(e.Name, Replay{Final: []string{EvException, EvExceptionNotNeeded}})
	if err != nil || rec.Found() {
		return nil, err
	}
	if e.When == whenSoftware {
		facts, err := tokenFacts(h)
		if err != nil {
			return nil, err
		}
		if facts["rehearsal"] != "true" {
			what := strings.TrimSpace(facts["manufacturer"] + " " + facts["model"])
			h.Show("no exception needed", "the token is "+what+", not the embedded software token")
			return nil, h.Append(EvExceptionNotNeeded, "", map[string]string{"expected": e.Expected, "when": e.When, "token": what})
		}
	}
	return nil, recordException(ctx, h, e.Approver, ExceptionData{Expected: e.Expected, Happened: e.Happened, Decision: e.Decision})
}

// tokenFacts describes the ceremony's token, opening it when no step has.
func tokenFacts(h Host) (map[string]string, error) {
	tok, err := h.Session().openToken("")
	if err != nil {
		return nil, err
	}
	return tok.Describe(), nil
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
