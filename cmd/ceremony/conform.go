package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Conformance is what replaying a bundle's script against its events found.
type Conformance struct {
	Checked bool   `json:"checked"`
	Problem string `json:"problem,omitempty"`
	Line    uint64 `json:"line,omitempty"`
}

// conform replays the bundle's own script.lua, with its saved modules,
// parameters and inputs, against the recorded events, with no token and no
// people: the events must be exactly what the script makes of its recorded
// results.
func conform(dir string) error {
	c, err := openBundle(dir, true)
	if err != nil {
		return fmt.Errorf("the bundle's script cannot be replayed: %w", err)
	}
	defer c.script.Close()
	var events []transcript.Event
	for e, err := range transcript.ReadEvents(dir) {
		if err != nil {
			return err
		}
		events = append(events, e)
	}
	if !c.rehearsal {
		if c.cfg.Token.Embedded != "" {
			return &steps.DivergenceError{Line: 1, Reason: "a ceremony not marked as a rehearsal is configured with the embedded rehearsal token"}
		}
		for _, e := range events {
			if e.Type == steps.EvToken && rehearsalToken(e.Data) {
				return &steps.DivergenceError{Line: e.Seq + 1, Reason: "a ceremony not marked as a rehearsal opened a rehearsal token"}
			}
		}
	}
	env := runner.Env{Roster: c.cfg.Roster(), Bundle: dir, Rehearsal: c.rehearsal, Input: c.input}
	return runner.Conform(context.Background(), c.script, events, env)
}

// rehearsalToken reports an hsm.token event whose token says it only
// pretends.
func rehearsalToken(data json.RawMessage) bool {
	var d struct {
		Info map[string]string `json:"info"`
	}
	return json.Unmarshal(data, &d) == nil && d.Info["rehearsal"] == "true"
}

// checkConformance replays a bundle that verified, and makes the report
// invalid at the first line the script does not produce.
func checkConformance(path string, rep *transcript.Report) Conformance {
	if !rep.Bundle || rep.Verdict == transcript.Invalid {
		return Conformance{}
	}
	err := conform(path)
	if err == nil {
		return Conformance{Checked: true}
	}
	rep.Verdict, rep.Err, rep.Problem = transcript.Invalid, err, err.Error()
	cf := Conformance{Checked: true, Problem: err.Error()}
	var d *steps.DivergenceError
	if errors.As(err, &d) {
		rep.Line, cf.Line = d.Line, d.Line
	}
	return cf
}
