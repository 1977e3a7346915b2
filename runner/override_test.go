package runner_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

const overrideScript = `
ceremony { name = "Override", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 2 } } }
act "One" {
  step { by = "CA", "Split the user secret.", run = function() split_secret { set = "u", label = "user", holders = "CO", m = 2, n = 2 } end },
  step { by = "CA", "Initialise the token.", run = function() hsm.init_token { so = "u", user = "u" } end },
  step { by = "CO", "Activate the token.", run = function() hsm.activate { shares = "u" } end },
}
`

// TestFinalTryNeedsARecordedDecision brings the token's user PIN to its
// final try before activation: the login is only attempted after the room
// decides so, and the decision is recorded before it.
func TestFinalTryNeedsARecordedDecision(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pick     int
		decision string
		login    bool
	}{
		{"refused", 0, "refused", false},
		{"taken", 1, "log in anyway", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tokDir := filepath.Join(dir, "token")
			s, err := scripts.LoadSource(context.Background(), []byte(overrideScript), scripts.Options{Name: "override.lua"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			bundle := filepath.Join(dir, "b")
			w, err := transcript.Create(bundle, transcript.Header{ID: "override", Name: "Override", Script: []byte(overrideScript), Rehearsal: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			env := runner.Env{
				UI: &picky{pick: tc.pick}, Bundle: bundle, Rehearsal: true,
				Roster: []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
					{ID: "cid", Name: "Cid Cole", Roles: []string{"CO"}}, {ID: "dee", Name: "Dee Dunn", Roles: []string{"CO"}}},
				InitToken: func(_ string, so, user []byte) error {
					tok, err := hsm.OpenSoft(tokDir)
					if err != nil {
						return err
					}
					defer tok.Close()
					if err := tok.InitToken(so, user, "override"); err != nil {
						return err
					}
					// Someone has since mistyped the PIN until one try is left.
					for range 20 {
						if steps.NeedsOverride(tok.Login([]byte("mistyped"), false)) {
							return nil
						}
					}
					t.Fatal("the token never reached its final try")
					return nil
				},
				OpenToken: func(string) (steps.Token, error) { return hsm.OpenSoft(tokDir) },
			}
			err = runner.New(s, w, nil, env).Run(context.Background())
			if tc.login != (err == nil) {
				t.Fatalf("run: %v", err)
			}
			var order []string
			for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
				if err != nil {
					t.Fatal(err)
				}
				switch e.Type {
				case "hsm.override":
					if !strings.Contains(string(e.Data), `"decision":"`+tc.decision+`"`) {
						t.Errorf("override recorded %s", e.Data)
					}
					order = append(order, e.Type)
				case "hsm.login", "exception":
					order = append(order, e.Type)
				}
			}
			want := "hsm.override exception"
			if tc.login {
				want = "hsm.override hsm.login"
			}
			if strings.Join(order, " ") != want {
				t.Fatalf("recorded %v, want %s", order, want)
			}
		})
	}
}
