package scripts_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// hostFunc adapts a function to scripts.Host.
type hostFunc func(ctx context.Context, step *scripts.Step, req steps.Call) (any, error)

func (f hostFunc) Do(ctx context.Context, step *scripts.Step, req steps.Call) (any, error) {
	return f(ctx, step, req)
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.lua")
	src := `ceremony { name = "t", roles = { CA = role "Administrator", IW = role "Witness" }, inputs = { csr = file "request" } }
` + body
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, path string, opts scripts.Options) *scripts.Script {
	t.Helper()
	s, err := scripts.Load(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func firstStep(s *scripts.Script) *scripts.Step { return &s.Plan().Acts[0].Steps[0] }

// Results from the host flow back into the script: here a recorded value
// and a generated key's public key end up in later requests.
func TestRunStepResults(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Do it.", run = function()
  local bag = record { "bag", pattern = "^%u%u%d+$" }
  local key = hsm.generate_key { label = "k", type = "ed25519" }
  artifact { "k.pub", content = bag .. ":" .. key.public_key }
  verify_out_of_band { input "csr", with = "IW" }
end } }`)
	s := load(t, path, scripts.Options{Name: "c.lua"})
	var got []steps.Call
	host := hostFunc(func(_ context.Context, _ *scripts.Step, req steps.Call) (any, error) {
		got = append(got, req)
		switch req.(type) {
		case steps.Record:
			return "AB123", nil
		case steps.GenerateKey:
			return map[string]any{"label": "k", "id": "01", "public_key": "PUB"}, nil
		}
		return nil, nil
	})
	if err := s.RunStep(context.Background(), firstStep(s), host); err != nil {
		t.Fatal(err)
	}
	want := []steps.Call{
		steps.Record{At: steps.At{Name: "record", File: "c.lua", Line: 3}, Label: "bag", Pattern: "^%u%u%d+$"},
		steps.GenerateKey{At: steps.At{Name: "hsm.generate_key", File: "c.lua", Line: 4}, Label: "k", Type: "ed25519"},
		steps.Artifact{At: steps.At{Name: "artifact", File: "c.lua", Line: 5}, File: "k.pub", Content: "AB123:PUB"},
		steps.VerifyOOB{At: steps.At{Name: "verify_out_of_band", File: "c.lua", Line: 6}, Input: "csr", With: "IW", Blind: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n got %#v\nwant %#v", got, want)
	}
	// The dry run at load time saw the same calls, with placeholders.
	calls := firstStep(s).Calls
	if len(calls) != 4 || calls[2].(steps.Artifact).Content != "{bag}:{public key}" {
		t.Errorf("dry-run calls: %#v", calls)
	}
}

// A host's error ends the step even when the script catches it, and keeps
// its identity for the runner.
func TestRunStepHostErrorIsFinal(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Try.", run = function()
  local ok = pcall(confirm, { "first" })
  confirm { "second" }
end } }`)
	s := load(t, path, scripts.Options{})
	errRoom := errors.New("operator raised an exception")
	calls := 0
	err := s.RunStep(context.Background(), firstStep(s), hostFunc(func(context.Context, *scripts.Step, steps.Call) (any, error) {
		calls++
		return nil, errRoom
	}))
	if !errors.Is(err, errRoom) {
		t.Fatalf("err = %v, want the host's error", err)
	}
	var e *scripts.Error
	if !errors.As(err, &e) || e.Line != 3 {
		t.Errorf("err = %v, want it located at line 3", err)
	}
	if calls != 1 {
		t.Errorf("host called %d times after failing, want 1", calls)
	}
}

// Time spent waiting for people inside a primitive does not count against
// the Lua time limit; Lua time does.
func TestRunStepTimeLimitExcludesHost(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Wait.", run = function()
  confirm { "slow people" }
end }, step { by = "CA", witness = "IW", "Spin.", run = function()
  -- The dry run at load time gets a placeholder and does not spin.
  if record { "then spin" } == "spin" then while true do end end
end } }`)
	s := load(t, path, scripts.Options{TimeLimit: 200 * time.Millisecond})
	slow := hostFunc(func(context.Context, *scripts.Step, steps.Call) (any, error) {
		time.Sleep(400 * time.Millisecond)
		return "spin", nil
	})
	if err := s.RunStep(context.Background(), firstStep(s), slow); err != nil {
		t.Fatalf("slow host: %v", err)
	}
	err := s.RunStep(context.Background(), &s.Plan().Acts[0].Steps[1], slow)
	if !errors.Is(err, scripts.ErrTimeLimit) || !strings.Contains(err.Error(), ":6:") {
		t.Fatalf("err = %v, want the time limit at line 6", err)
	}
}

// Cancelling the caller's context stops a running step.
func TestRunStepCancel(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Spin.", run = function()
  local i = 0
  if record { "x" } == "spin" then while true do i = i + 1 end end
end } }`)
	s := load(t, path, scripts.Options{TimeLimit: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	err := s.RunStep(ctx, firstStep(s), hostFunc(func(context.Context, *scripts.Step, steps.Call) (any, error) { return "spin", nil }))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRequireBesideScript(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"main.lua": `local h = require "helper"
ceremony { name = h.name, roles = { CA = role "Administrator", IW = role "Witness" } }
act "A" { h.step("from a module") }`,
		"helper.lua": `return { name = "modular", step = function(text) return step { by = "CA", witness = "IW", text } end }`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := load(t, filepath.Join(dir, "main.lua"), scripts.Options{Name: "main.lua"})
	if s.Plan().Name != "modular" || s.Plan().Acts[0].Steps[0].Text != "from a module" {
		t.Errorf("plan = %+v", s.Plan())
	}
	if _, ok := s.Sources()["helper.lua"]; !ok || len(s.Sources()) != 2 {
		t.Errorf("sources = %v, want main.lua and helper.lua", s.Sources())
	}
}

func TestMatchPattern(t *testing.T) {
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"^%u%u%d%d%d%d%d%d%d%d$", "AB12345678", true},
		{"^%u%u%d%d%d%d%d%d%d%d$", "AB1234567", false},
		{"^%u%u%d%d%d%d%d%d%d%d$", "ab12345678", false},
		{"%d+", "bag 42", true},
	} {
		got, err := scripts.MatchPattern(c.pattern, c.value)
		if err != nil || got != c.want {
			t.Errorf("MatchPattern(%q, %q) = %v, %v; want %v", c.pattern, c.value, got, err, c.want)
		}
	}
	if _, err := scripts.MatchPattern("[a", "a"); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

// The dry run at load time leaves nothing behind: a step's function sees the
// script's state as its main chunk left it, not as the dry run did.
func TestDryRunLeavesNoTrace(t *testing.T) {
	path := writeScript(t, `local n = 0
act "A" { step { by = "CA", witness = "IW", "Count.", run = function()
  n = n + 1
  confirm { "run " .. n }
end } }`)
	s := load(t, path, scripts.Options{})
	if got := firstStep(s).Calls[0].(steps.Confirm).Text; got != "run 1" {
		t.Errorf("dry run saw %q, want run 1", got)
	}
	var text string
	err := s.RunStep(context.Background(), firstStep(s), hostFunc(func(_ context.Context, _ *scripts.Step, req steps.Call) (any, error) {
		text = req.(steps.Confirm).Text
		return nil, nil
	}))
	if err != nil || text != "run 1" {
		t.Errorf("real run saw %q (%v), want run 1", text, err)
	}
}

// A step stuck in a backtracking pattern match is abandoned: RunStep
// returns within its limits, and the script refuses to run any further.
func TestRunStepAbandonedScriptRefusesMore(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Match.", run = function()
  local v = record { "value" }
  if v == "slow" then local x = ("a"):rep(200):find(".-.-.-b") end
end } }`)
	s := load(t, path, scripts.Options{TimeLimit: 100 * time.Millisecond})
	slow := hostFunc(func(context.Context, *scripts.Step, steps.Call) (any, error) { return "slow", nil })
	start := time.Now()
	err := s.RunStep(context.Background(), firstStep(s), slow)
	if !errors.Is(err, scripts.ErrAbandoned) || !strings.Contains(err.Error(), ":4:") {
		t.Fatalf("err = %v, want ErrAbandoned at line 4", err)
	}
	if took := time.Since(start); took > refuseWithin() {
		t.Errorf("returned after %v", took)
	}
	if err := s.RunStep(context.Background(), firstStep(s), slow); !errors.Is(err, scripts.ErrAbandoned) {
		t.Errorf("second run: err = %v, want ErrAbandoned again", err)
	}
}

func TestLoadSourceWithoutModuleDirRefusesRequire(t *testing.T) {
	_, err := scripts.LoadSource(context.Background(), []byte(`require "helper"`), scripts.Options{Name: "bundle.lua"})
	var e *scripts.Error
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(e.Msg, "without a module directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestClosedScriptRefusesToRun(t *testing.T) {
	s := load(t, "testdata/example.lua", scripts.Options{})
	s.Close()
	if err := s.RunStep(context.Background(), firstStep(s), hostFunc(func(context.Context, *scripts.Step, steps.Call) (any, error) { return nil, nil })); err == nil {
		t.Fatal("a closed script ran a step")
	}
}
