package scripts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// A step may call at run time only what its dry run announced: a branch on a
// typed value that reaches for a key the paper script never shows is
// stopped before the token sees it.
func TestRunStepRefusesUnannouncedCalls(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		reached    []string // the primitives the host must see, in order
		refused    bool
	}{
		{"hidden key behind a typed value", `
  local v = record { "HSM bag", pattern = "^%u%u%d+$" }
  if v == "AB12345678" then
    hsm.generate_key { label = "hidden", type = "ed25519" }
    hsm.sign { key = "hidden", input = input "csr", out = "hidden.sig" }
  end`, []string{"record"}, true},
		{"another label from a typed value", `
  local v = record { "label" }
  hsm.generate_key { label = "root-" .. v, type = "ed25519" }`, []string{"record"}, true},
		{"run-time values where they are free", `
  local v = record { "bag" }
  confirm { "The bag is " .. v }
  artifact { "bag.txt", content = v }`, []string{"record", "confirm", "artifact"}, false},
		{"a call left out", `
  local v = record { "bag" }
  if v == "{bag}" then confirm { "only in the dry run" } end
  artifact { "bag.txt", content = v }`, []string{"record", "artifact"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Do it.", run = function()`+tc.body+`
end } }`), scripts.Options{})
			var reached []string
			err := s.RunStep(context.Background(), firstStep(s), hostFunc(func(_ context.Context, _ *scripts.Step, c steps.Call) (any, error) {
				reached = append(reached, c.Loc().Name)
				if c.Loc().Name == "record" {
					return "AB12345678", nil
				}
				return c.Placeholder(), nil
			}))
			if tc.refused != errors.Is(err, scripts.ErrUnannounced) {
				t.Fatalf("RunStep: %v, refused want %v", err, tc.refused)
			}
			if len(reached) != len(tc.reached) {
				t.Fatalf("the host saw %v, want %v", reached, tc.reached)
			}
			for i := range reached {
				if reached[i] != tc.reached[i] {
					t.Fatalf("the host saw %v, want %v", reached, tc.reached)
				}
			}
		})
	}
}

// check warns of a step whose calls depend on what its primitives return.
func TestWarnsOfVaryingSteps(t *testing.T) {
	s := load(t, writeScript(t, `act "A" {
  step { by = "CA", witness = "IW", "Fixed.", run = function() local v = record { "bag" }; confirm { v } end },
  step { by = "CA", witness = "IW", "Branches.", run = function()
    if record { "bag" } == "{bag}" then confirm { "yes" } end
  end },
}`), scripts.Options{})
	w := scripts.Warnings(s.Plan())
	if len(w) != 1 || w[0].Line != 4 {
		t.Fatalf("warnings %v, want one at line 4", w)
	}
}
