package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/transcript"
)

const rolesScript = `
ceremony { name = "Roles", version = "1",
  roles = { CA = role { "Administrator" }, IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Open the safe.", run = function() confirm { "The safe is open." } end },
  step { by = "IW", witness = "CA", "Check the seal." },
}
`

// picky is the rehearsal player, except that it picks a given option, and
// raises an exception at the first confirmation when told to.
type picky struct {
	auto.Auto
	pick      int
	raiseOnce bool
	choices   []room.Choice
}

func (p *picky) Choose(ctx context.Context, c room.Choice) (int, error) {
	p.choices = append(p.choices, c)
	return p.pick, nil
}

func (p *picky) Confirm(ctx context.Context, c room.Confirmation) error {
	if p.raiseOnce {
		p.raiseOnce = false
		return room.ErrException
	}
	return p.Auto.Confirm(ctx, c)
}

type small struct {
	t      *testing.T
	bundle string
	src    string
	roster []room.Participant
	sets   map[string]*shares.Record
	// cards and envelopes, for ceremonies whose shares are on YubiKeys
	cards     func(serial string) (piv.Card, *piv.Trust, error)
	envelopes map[string][]*shares.Envelope
}

func newSmall(t *testing.T, src string, roster ...room.Participant) *small {
	return &small{t: t, bundle: filepath.Join(t.TempDir(), "b"), src: src, roster: roster}
}

func (s *small) run(ui room.UI, resume bool) error {
	s.t.Helper()
	sc, err := scripts.LoadSource(context.Background(), []byte(s.src), scripts.Options{Name: "small.lua"})
	if err != nil {
		s.t.Fatal(err)
	}
	defer sc.Close()
	var w *transcript.Writer
	var events []transcript.Event
	if resume {
		w, events, err = transcript.Resume(s.bundle)
	} else {
		w, err = transcript.Create(s.bundle, transcript.Header{ID: "small", Name: "Small", Script: []byte(s.src)})
	}
	if err != nil {
		s.t.Fatal(err)
	}
	defer w.Close()
	return runner.New(sc, w, events, runner.Env{UI: ui, Roster: s.roster, Bundle: s.bundle, Sets: s.sets,
		OpenCard: s.cards, Envelopes: s.envelopes}).Run(context.Background())
}

func (s *small) events() []transcript.Event {
	var out []transcript.Event
	for e, err := range transcript.ReadEvents(filepath.Join(s.bundle, transcript.TranscriptFile)) {
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestActorAndWitnesses(t *testing.T) {
	ann := room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}}
	amy := room.Participant{ID: "amy", Name: "Amy Adler", Roles: []string{"CA"}}
	ben := room.Participant{ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}}
	s := newSmall(t, rolesScript, ann, amy, ben)
	ui := &picky{pick: 1}
	if err := s.run(ui, false); err != nil {
		t.Fatal(err)
	}
	var begins []string
	for _, e := range s.events() {
		if e.Type == "step.begin" {
			var b struct {
				Actor     string   `json:"actor"`
				Witnesses []string `json:"witnesses"`
			}
			json.Unmarshal(e.Data, &b)
			begins = append(begins, e.Step+":"+b.Actor+"/"+strings.Join(b.Witnesses, ","))
		}
	}
	// Two administrators: the room is asked, and the second one chosen acts
	// in 1.1 and witnesses in 1.2. The single witness is not asked about.
	if got := strings.Join(begins, " "); got != "1.1:amy/ben 1.2:ben/amy" {
		t.Fatalf("recorded %s", got)
	}
	if len(ui.choices) != 2 || !strings.Contains(ui.choices[0].Title, "acting as Administrator") {
		t.Fatalf("asked %+v", ui.choices)
	}
}

func TestNoWitnessButTheActor(t *testing.T) {
	// Ann holds both roles, so step 1.1 has no one to witness her.
	ann := room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA", "IW"}}
	s := newSmall(t, rolesScript, ann)
	err := s.run(&auto.Auto{}, false)
	if !errors.Is(err, runner.ErrAborted) {
		t.Fatalf("got %v, want the ceremony aborted", err)
	}
	for _, e := range s.events() {
		if e.Type == "exception" && strings.Contains(string(e.Data), "no one on the roster can act as IW") {
			return
		}
	}
	t.Fatal("no exception recorded about the missing witness")
}

func TestAbortThenResumeRunsTheStepAgain(t *testing.T) {
	ann := room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}}
	ben := room.Participant{ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}}
	s := newSmall(t, rolesScript, ann, ben)
	// The operator raises an exception in step 1.1; the script allows only abort.
	if err := s.run(&picky{raiseOnce: true}, false); !errors.Is(err, runner.ErrAborted) {
		t.Fatalf("got %v, want aborted", err)
	}
	if err := s.run(&auto.Auto{}, true); err != nil {
		t.Fatalf("resume: %v", err)
	}
	var got []string
	for _, e := range s.events() {
		if e.Step == "1.1" {
			got = append(got, e.Type)
		}
	}
	want := "step.begin exception ceremony.resumed step.begin confirm.done step.end"
	if strings.Join(got, " ") != want {
		t.Fatalf("step 1.1 recorded %v, want %s", got, want)
	}
	rep, err := transcript.Verify(s.bundle, transcript.VerifyOptions{})
	if rep == nil || rep.Verdict != transcript.Complete {
		t.Fatal(err)
	}
}

func TestCollectASetSplitEarlier(t *testing.T) {
	const src = `
ceremony { name = "Earlier set", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 2 } } }
act "One" {
  step { by = "CO", "Crypto officers enter their shares of the set split last year.",
         run = function() collect_shares { set = "old" } end },
}
`
	secret, rec, set, err := shares.Split("last year's secret", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	roster := []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
		{ID: "cid", Name: "Cid Cole", Roles: []string{"CO"}}, {ID: "dee", Name: "Dee Dunn", Roles: []string{"CO"}}}
	// The holders bring their paper sheets: the player is given them.
	sheets := map[string][]string{}
	for i, p := range roster {
		if i > 0 {
			sheets[p.ID+"/"+rec.Label] = set[i-1].Words()
		}
	}
	file := filepath.Join(t.TempDir(), "sheets.json")
	b, _ := json.Marshal(sheets)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSmall(t, src, roster...)
	s.sets = map[string]*shares.Record{"old": rec}
	if err := s.run(&auto.Auto{SheetFile: file}, false); err != nil {
		t.Fatal(err)
	}
	var entered []string
	for _, e := range s.events() {
		if e.Type == "share.accepted" {
			entered = append(entered, e.Actor)
		}
		if e.Type == "shares.combined" && strings.Join(entered, ",") == "cid,dee" {
			return
		}
	}
	t.Fatal("the shares were not combined")
}

func TestSeparationOfDuties(t *testing.T) {
	const src = `
ceremony { name = "Separate", roles = { CA = role "Administrator", IW = role "Witness" }, separate = { { "CA", "IW" } } }
act "One" { step { by = "CA", witness = "IW", "Open the safe." } }
`
	ann := room.Participant{ID: "ann", Name: "Ann Archer", Roles: []string{"CA", "IW"}}
	ben := room.Participant{ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}}
	s := newSmall(t, src, ann, ben)
	err := s.run(&auto.Auto{}, false)
	if err == nil || !strings.Contains(err.Error(), "Ann Archer holds CA and IW") {
		t.Fatalf("got %v", err)
	}
	if n := len(s.events()); n != 1 {
		t.Fatalf("%d events recorded, want only ceremony.begin", n)
	}
}
