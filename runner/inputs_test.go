package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/transcript"
)

// aborter plays the room, except that it aborts at the first exception and
// keeps what the form said had happened.
type aborter struct {
	auto.Auto
	happened string
}

func (a *aborter) Exception(ctx context.Context, f room.ExceptionForm) (room.ExceptionReport, error) {
	a.happened = f.Happened
	return room.ExceptionReport{Expected: "the step to complete", Happened: f.Happened, Decision: "abort", Approver: f.Approvers[0]}, nil
}

// Bytes confirmed are bytes signed: if what a step reads of an input is not
// what the room confirmed out of band, nothing is signed. (The command
// line reads each input once into the bundle; this shows the signing step
// holds to the confirmation even where an input could change.)
func TestSignRefusesUnconfirmedBytes(t *testing.T) {
	h := newRehearsal(t)
	reads := 0
	env := func(ui room.UI) runner.Env {
		e := h.env(ui)
		e.Input = func(string) ([]byte, error) {
			reads++
			if reads > 1 {
				return []byte("another request, swapped in after the read-back\n"), nil
			}
			return requestContent, nil
		}
		return e
	}
	s := h.script()
	cfg, err := runner.RehearsalConfig(s.Plan(), "demo-test", h.tokenDir)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = cfg
	w, err := transcript.Create(h.bundle, transcript.Header{ID: cfg.ID, Name: s.Plan().Name, Script: h.src, Config: []byte("x"), Rehearsal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ui := &aborter{}
	err = runner.New(s, w, nil, env(ui)).Run(context.Background())
	if !errors.Is(err, runner.ErrAborted) {
		t.Fatalf("run: %v, want aborted", err)
	}
	if !strings.Contains(ui.happened, "not the") || !strings.Contains(ui.happened, "the room confirmed: nothing is signed") {
		t.Fatalf("the exception says %q", ui.happened)
	}
	for e, err := range transcript.ReadEvents(h.bundle) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "hsm.signed" {
			t.Fatalf("a signature was recorded: %s", e.Data)
		}
	}
}
