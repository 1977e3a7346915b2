package scripts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

const paramScript = `
params = {
  root_cn = param { "Root CA common name", default = "Example Root CA", pattern = "^[%w ]+$" },
  days    = param { "Validity in days", type = "integer", min = 1, max = 3650 },
  algo    = param { "Key type", values = { "ecdsa-p384", "rsa-3072" }, default = "ecdsa-p384" },
  final   = param { "Last ceremony of the key", type = "boolean", default = false },
}
act "A" { step { by = "CA", "Say it.", run = function()
  confirm { params.root_cn .. "/" .. params.days .. "/" .. params.algo .. "/" .. tostring(params.final) }
end } }`

// The step's function reads each parameter's value: the configuration's
// where it gives one, the default otherwise, and a placeholder of the
// right type in a dry run without a configuration.
func TestParamValues(t *testing.T) {
	path := writeScript(t, paramScript)
	for _, tc := range []struct {
		name   string
		given  map[string]any
		want   string
		shown  string // how the paper shows days
		config bool   // days came from the configuration
	}{
		{"no configuration", nil, "Example Root CA/1/ecdsa-p384/false", "(required: set in the configuration's [params])", false},
		{"configured", map[string]any{"days": int64(7300 / 2), "root_cn": "Acme Root", "final": true}, "Acme Root/3650/ecdsa-p384/true", "3650", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, path, scripts.Options{Params: tc.given})
			if got := firstStep(s).Calls[0].(steps.Confirm).Text; got != tc.want {
				t.Errorf("dry run saw %q, want %q", got, tc.want)
			}
			var days *scripts.Param
			for i, p := range s.Plan().Params {
				if p.Name == "days" {
					days = &s.Plan().Params[i]
				}
			}
			if days == nil || days.Shown() != tc.shown || days.Configured != tc.config {
				t.Errorf("days param = %+v, want shown %q", days, tc.shown)
			}
			var text string
			err := s.RunStep(context.Background(), firstStep(s), hostFunc(func(_ context.Context, _ *scripts.Step, c steps.Call) (any, error) {
				text = c.(steps.Confirm).Text
				return nil, nil
			}))
			if err != nil || text != tc.want {
				t.Errorf("run saw %q (%v), want %q", text, err, tc.want)
			}
		})
	}
}

// A configuration's parameters are refused as the script loads when they
// are unknown, missing, of the wrong type or outside what the script allows.
func TestParamRefused(t *testing.T) {
	path := writeScript(t, paramScript)
	for _, tc := range []struct {
		name  string
		given map[string]any
		want  string
	}{
		{"missing", map[string]any{}, "parameter days (Validity in days) has no default"},
		{"unknown", map[string]any{"days": int64(1), "root_nc": "x"}, `sets parameter "root_nc", which the script does not declare`},
		{"wrong type", map[string]any{"days": "ten"}, "parameter days: must be a whole number"},
		{"below min", map[string]any{"days": int64(0)}, "parameter days: 0 is outside 1 to 3650"},
		{"pattern", map[string]any{"days": int64(1), "root_cn": "Root; DROP"}, "does not match the pattern"},
		{"not allowed", map[string]any{"days": int64(1), "algo": "dsa"}, `"dsa" is not one of ecdsa-p384, rsa-3072`},
		{"a float", map[string]any{"days": 1.5}, "cannot be a parameter's value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scripts.Load(context.Background(), path, scripts.Options{Params: tc.given})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A declaration that cannot work is refused at its line.
func TestParamDeclarationRefused(t *testing.T) {
	for _, tc := range []struct {
		decl, want string
	}{
		{`params = { x = param { "X", type = "float" } }`, "type must be one of string, integer, boolean"},
		{`params = { x = param { "X", default = "no way", pattern = "^%d+$" } }`, "default: \"no way\" does not match"},
		{`params = { x = param { "X", type = "integer", pattern = "^%d+$" } }`, "pattern and values are for strings"},
		{`params = { x = param { "X", min = 1 } }`, "min is for integers"},
		{`params = { x = "plain" }`, "x must be declared with param"},
		{`params = { ["a b"] = param { "X" } }`, "names must be identifiers"},
		{`params = { user_pin = param { "X" } }`, "named like a credential"},
		{`params = "x"`, "params must be a table"},
		{`params = { x = param { "X", colour = "red" } }`, "unknown field \"colour\""},
	} {
		t.Run(tc.want, func(t *testing.T) {
			path := writeScript(t, tc.decl+"\nact \"A\" { step { by = \"CA\", \"Do.\" } }")
			_, err := scripts.Load(context.Background(), path, scripts.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
