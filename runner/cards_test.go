package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/transcript"
)

const cardsScript = `
ceremony { name = "Cards", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 3 } } }
act "Enroll" {
  step { by = "CA", "First card.", run = function() piv.enroll { holders = "CO", index = 1 } end },
  step { by = "CA", "Second card.", run = function() piv.enroll { holders = "CO", index = 2 } end },
  step { by = "CA", "Third card.", run = function() piv.enroll { holders = "CO", index = 3 } end },
}
act "Split" {
  step { by = "CA", "Split to the cards.",
         run = function() split_secret { set = "u", label = "user", holders = "CO", m = 2, n = 3, to_cards = true } end },
  step { by = "CO", on_failure = { "retry", "abort" }, "Open two envelopes.", run = function() collect_shares { set = "u" } end },
}
`

var cardsRoster = []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
	{ID: "cid", Name: "Cid Cole", Roles: []string{"CO"}}, {ID: "dee", Name: "Dee Dunn", Roles: []string{"CO"}},
	{ID: "eve", Name: "Eve Eyre", Roles: []string{"CO"}}}

// wallet is the officers' cards: a new one for each enrollment, and the one
// asked for by serial after; swap puts another card in the reader in place
// of the one asked for, once.
type wallet struct {
	cards map[string]*pivtest.Card
	next  uint32
	swap  map[string]string
}

func newWallet() *wallet {
	return &wallet{cards: map[string]*pivtest.Card{}, next: 1001, swap: map[string]string{}}
}

func (w *wallet) open(serial string) (piv.Card, *piv.Trust, error) {
	if serial == "" {
		c := pivtest.New(w.next, "5.7.1")
		w.cards[fmt.Sprint(w.next)] = c
		w.next++
		return c, c.Trust(), nil
	}
	if other, ok := w.swap[serial]; ok {
		delete(w.swap, serial)
		serial = other
	}
	c, ok := w.cards[serial]
	if !ok {
		return nil, nil, fmt.Errorf("card %s is not in the reader", serial)
	}
	return c, c.Trust(), nil
}

// cardRoom is the rehearsal player with the officers at the reader: it
// types a wrong PIN first for some of them, and can leave at a given
// envelope.
type cardRoom struct {
	auto.Auto
	wrongPIN map[string]int // holder name -> wrong PINs to type first
	quitAt   int            // leave when asked for a card the quitAt-th time
	asked    int
	confirms []string
}

func (c *cardRoom) Value(ctx context.Context, v room.ValueRequest) ([]byte, error) {
	if strings.Contains(v.Label, "put your YubiKey") {
		if c.asked++; c.asked == c.quitAt {
			return nil, &room.QuitError{Reason: "the power went"}
		}
		for name, n := range c.wrongPIN {
			if n > 0 && strings.HasPrefix(v.Label, name) {
				c.wrongPIN[name]--
				return []byte("000000"), nil
			}
		}
	}
	return c.Auto.Value(ctx, v)
}

func (c *cardRoom) Confirm(ctx context.Context, cf room.Confirmation) error {
	c.confirms = append(c.confirms, cf.Step.Text)
	return c.Auto.Confirm(ctx, cf)
}

func countTypes(events []transcript.Event) map[string]int {
	n := map[string]int{}
	for _, e := range events {
		n[e.Type]++
	}
	return n
}

// TestSharesOnCards: every officer's card is enrolled, each share sealed
// to its holder's card and opened on it before the split ends; no sheet is
// shown; two officers open theirs again to combine the secret. A wrong PIN
// is refused, recorded, and counted on the card; the right one then works.
func TestSharesOnCards(t *testing.T) {
	w := newWallet()
	s := newSmall(t, cardsScript, cardsRoster...)
	s.cards = w.open
	ui := &cardRoom{wrongPIN: map[string]int{"Cid Cole": 1}}
	if err := s.run(ui, false); err != nil {
		t.Fatal(err)
	}
	events := s.events()
	n := countTypes(events)
	if n["piv.enrolled"] != 3 || n["envelope.sealed"] != 3 || n["share.verified"] != 3 || n["sheet.shown"] != 0 ||
		n["share.accepted"] != 2 || n["shares.combined"] != 1 || n["share.rejected"] != 1 {
		t.Fatalf("events: %v", n)
	}
	for _, e := range events {
		if e.Type == "share.rejected" && !strings.Contains(string(e.Data), "wrong pin: 2 tries are left") {
			t.Fatalf("the wrong PIN is recorded as %s", e.Data)
		}
		if (e.Type == "share.verified" || e.Type == "share.accepted") && !strings.Contains(string(e.Data), `"card":"100`) {
			t.Fatalf("%s does not name the card: %s", e.Type, e.Data)
		}
	}
	if left, _ := w.cards["1001"].PINRetries(); left != 3 {
		t.Fatalf("cid's card has %d tries left after the right PIN, want 3", left)
	}
	envs, _ := filepath.Glob(filepath.Join(s.bundle, "artifacts", "u-*.envelope"))
	if len(envs) != 3 {
		t.Fatalf("envelopes in the bundle: %v", envs)
	}
}

// TestEnvelopeRefusals: another card in the reader, a card whose key is
// no longer the envelope's, and three wrong PINs are each refused with
// what went wrong, and a set whose envelopes are of another split is
// refused before the ceremony begins.
func TestEnvelopeRefusals(t *testing.T) {
	w := newWallet()
	s := newSmall(t, cardsScript, cardsRoster...)
	s.cards = w.open
	w.swap["1002"] = "1003" // dee brings eve's card when first asked
	if err := s.run(&cardRoom{}, false); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, e := range s.events() {
		if e.Type == "share.rejected" {
			reasons = append(reasons, string(e.Data))
		}
	}
	if len(reasons) != 1 || !strings.Contains(reasons[0], "the card in the reader is 1003, not 1002") {
		t.Fatalf("another card: %v", reasons)
	}

	// A later ceremony opens the same envelopes from the configuration.
	rec, envs := splitOnCards(t, s.bundle)
	later := `
ceremony { name = "Later", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 2 } } }
act "One" {
  step { by = "CO", "Open two envelopes of last year's set.", run = function() collect_shares { set = "old" } end },
}
`
	reject := func(l *small) []string {
		var out []string
		for _, e := range l.events() {
			if e.Type == "share.rejected" {
				out = append(out, string(e.Data))
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T)
		ui      *cardRoom
		want    []string // the reasons recorded, in order
	}{
		{"opens", func(*testing.T) {}, &cardRoom{}, nil},
		{"card enrolled again", func(t *testing.T) {
			// dee's card gets a new key in 9d: the envelope is for the old one
			c := w.cards["1002"]
			mk, err := c.ManagementKey([]byte("12345678"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Generate(mk, piv.SlotKeyManagement, piv.ECDSAP256, piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever}); err != nil {
				t.Fatal(err)
			}
		}, &cardRoom{}, []string{"the key in slot 9d of card 1002 is not the one the envelope is sealed to"}},
		// Two wrong PINs are counted by the card; the third try is not
		// spent, since a wrong PIN then would block the card.
		{"wrong PINs", func(*testing.T) {}, &cardRoom{wrongPIN: map[string]int{"Cid Cole": 3}},
			[]string{"wrong pin: 2 tries are left", "wrong pin: one try is left", "pin is at its final try"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare(t)
			l := newSmall(t, later, cardsRoster...)
			l.cards, l.sets, l.envelopes = w.open, map[string]*shares.Record{"old": rec}, map[string][]*shares.Envelope{"old": envs}
			err := l.run(tc.ui, false)
			got := reject(l)
			if tc.want == nil {
				if err != nil || len(got) > 0 {
					t.Fatalf("%v, refused %v", err, got)
				}
				return
			}
			if err == nil {
				t.Fatal("the shares were combined")
			}
			if len(got) < len(tc.want) {
				t.Fatalf("refused %v, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Fatalf("refusal %d is %s, want %q", i+1, got[i], w)
				}
			}
		})
	}
	if left, _ := w.cards["1001"].PINRetries(); left != 1 {
		t.Fatalf("cid's card has %d tries left, want the 1 the card counted", left)
	}
	t.Run("envelopes of another set", func(t *testing.T) {
		_, other, _, _ := shares.Split("another", 2, 3)
		l := newSmall(t, later, cardsRoster...)
		l.cards, l.sets, l.envelopes = w.open, map[string]*shares.Record{"old": other}, map[string][]*shares.Envelope{"old": envs}
		if err := l.run(&cardRoom{}, false); err == nil || !strings.Contains(err.Error(), "none of the 3 envelopes given is of the split of set") {
			t.Fatalf("got %v", err)
		}
	})
}

// splitOnCards reads the record and envelopes of set u from a bundle.
func splitOnCards(t *testing.T, bundle string) (*shares.Record, []*shares.Envelope) {
	t.Helper()
	var rec *shares.Record
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "split.done" {
			var d struct{ Record *shares.Record }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			rec = d.Record
		}
	}
	files, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "u-*.envelope"))
	var envs []*shares.Envelope
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := shares.ParseEnvelope(b)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, e)
	}
	return rec, envs
}

// TestSplitToCardsResumes: a split to cards interrupted while the holders
// open their envelopes is made void on resume, the room is told which
// envelopes are void, and the split is made again to the same cards.
func TestSplitToCardsResumes(t *testing.T) {
	w := newWallet()
	s := newSmall(t, cardsScript, cardsRoster...)
	s.cards = w.open
	var q *room.QuitError
	if err := s.run(&cardRoom{quitAt: 2}, false); !errors.As(err, &q) {
		t.Fatalf("first run: %v", err)
	}
	ui := &cardRoom{}
	if err := s.run(ui, true); err != nil {
		t.Fatal(err)
	}
	void := false
	for _, c := range ui.confirms {
		void = void || strings.Contains(c, "EVERY EARLIER ENVELOPE OF SET U IS VOID") && strings.Contains(c, "envelopes were sealed to cid")
	}
	if !void {
		t.Fatalf("the room was not told the earlier envelopes are void: %q", ui.confirms)
	}
	n := countTypes(s.events())
	if n["piv.enrolled"] != 3 || n["envelope.sealed"] != 6 || n["split.done"] != 1 || n["shares.combined"] != 1 {
		t.Fatalf("events: %v", n)
	}
	rec, envs := splitOnCards(t, s.bundle)
	mine := 0
	for _, e := range envs {
		if rec.CheckEnvelope(e) == nil {
			mine++
		}
	}
	if mine != 3 || len(envs) != 6 {
		t.Fatalf("%d of %d envelopes are of the split that counts, want 3 of 6", mine, len(envs))
	}
}
