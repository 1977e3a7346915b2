package runner_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
)

// The rehearsal player gives up on a step that keeps failing, after a few
// tries, instead of retrying it for ever.
func TestAutoStopsRetryingAFailingStep(t *testing.T) {
	const src = `
ceremony { name = "Failing", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Sign with no token.", on_failure = "retry",
         run = function() hsm.generate_key { label = "k", type = "ed25519" } end },
}
`
	s := newSmall(t, src, room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
		room.Participant{ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}})
	err := s.run(&auto.Auto{}, false)
	var quit *room.QuitError
	if !errors.As(err, &quit) || !strings.Contains(quit.Reason, "step 1.1 failed 3 times") {
		t.Fatalf("run: %v, want the player to leave after 3 tries", err)
	}
	begins := 0
	for _, e := range s.events() {
		if e.Type == "step.begin" {
			begins++
		}
	}
	if begins != auto.MaxTries {
		t.Fatalf("the step was begun %d times, want %d", begins, auto.MaxTries)
	}
}

// A player without the sheets a step needs says so and stops at once.
func TestAutoWithoutSheetsStops(t *testing.T) {
	const src = `
ceremony { name = "Earlier set", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 2 } } }
act "One" {
  step { by = "CO", "Crypto officers enter their shares of the set split last year.", on_failure = "retry",
         run = function() collect_shares { set = "old" } end },
}
`
	secret, rec, _, err := shares.Split("last year's secret", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	s := newSmall(t, src, room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
		room.Participant{ID: "cid", Name: "Cid Cole", Roles: []string{"CO"}}, room.Participant{ID: "dee", Name: "Dee Dunn", Roles: []string{"CO"}})
	s.sets = map[string]*shares.Record{"old": rec}
	err = s.run(&auto.Auto{}, false)
	var quit *room.QuitError
	if !errors.As(err, &quit) || !strings.Contains(quit.Reason, "never shown") {
		t.Fatalf("run: %v, want the player to leave at once", err)
	}
	if n := len(s.events()); n > 6 {
		t.Fatalf("%d events recorded, the step was retried", n)
	}
}
