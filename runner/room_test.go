package runner_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/room"
)

const splitScript = `
ceremony { name = "Split", roles = { CA = role "Administrator", CO = role { "Crypto Officer", min = 3 },
  RP = role { "Remote Party", remote = true } } }
act "One" {
  step { by = "CA", witness = "RP", "Split the user secret.",
         run = function() split_secret { set = "u", label = "user", holders = "CO", m = 2, n = 3, before = { "The blinds are down." } } end },
  step { by = "CA", "Record the bag.", run = function() record { "Bag", pattern = "^%u%u%d+$" } end },
}
`

var splitRoster = []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}}, {ID: "bob", Name: "Bob Bell", Roles: []string{"CA"}},
	{ID: "cid", Name: "Cid Cole", Roles: []string{"CO"}}, {ID: "dee", Name: "Dee Dunn", Roles: []string{"CO"}},
	{ID: "eve", Name: "Eve Eyre", Roles: []string{"CO"}}, {ID: "rex", Name: "Rex Ray", Roles: []string{"RP"}}}

// room is the rehearsal player, watched: it keeps what each prompt showed,
// and can miscopy one holder's share once and stop at a given sheet.
type watched struct {
	auto.Auto
	mu       sync.Mutex
	status   room.Status
	asked    []string // each Choose title, with the step the panel showed
	sheets   []room.Sheet
	confirms []room.Confirmation
	miscopy  string // holder ID whose first typed share is wrong
	refused  bool
	quitAt   int // leave at this sheet (1-based), 0: never
}

func (w *watched) Progress(s room.Status) { w.status = s }

func (w *watched) Choose(ctx context.Context, c room.Choice) (int, error) {
	w.asked = append(w.asked, fmt.Sprintf("%d.%d %s", w.status.Act+1, w.status.Step+1, c.Title))
	return w.Auto.Choose(ctx, c)
}

func (w *watched) Confirm(ctx context.Context, c room.Confirmation) error {
	w.confirms = append(w.confirms, c)
	return w.Auto.Confirm(ctx, c)
}

func (w *watched) Sheet(ctx context.Context, s room.Sheet) error {
	w.sheets = append(w.sheets, s)
	if len(w.sheets) == w.quitAt {
		return &room.QuitError{Reason: "the power went"}
	}
	return w.Auto.Sheet(ctx, s)
}

func (w *watched) Share(ctx context.Context, s room.ShareEntry) error {
	if s.Holder.ID != w.miscopy {
		return w.Auto.Share(ctx, s)
	}
	if !w.refused {
		w.refused = true
		words := slices.Clone(w.sheets[len(w.sheets)-1].Words)
		for _, sh := range w.sheets {
			if sh.Holder.ID == s.Holder.ID {
				words = slices.Clone(sh.Words)
			}
		}
		words[0], words[2] = words[2], words[0]
		if err := s.Submit(words); err == nil {
			return errors.New("a miscopied share was accepted")
		}
		if !s.Reshow {
			return errors.New("the split does not offer the sheet again")
		}
		return room.ErrShowSheet
	}
	return w.Auto.Share(ctx, s)
}

// TestSplitChecksEveryCopy: before any sheet the administrator confirms the
// screen checks, the script's own among them; every holder types their
// share back; a holder whose copy does not check sees their sheet again and
// then passes; a sheet carries its set, fingerprint, index, threshold and
// date; the step's closing confirmation shows the set, and the remote
// witness's confirmation is recorded as typed by the administrator.
func TestSplitChecksEveryCopy(t *testing.T) {
	s := newSmall(t, splitScript, splitRoster...)
	ui := &watched{miscopy: "eve"}
	if err := s.run(ui, false); err != nil {
		for _, e := range s.events() {
			t.Logf("%s %s %s", e.Type, e.Step, e.Data)
		}
		t.Fatal(err)
	}
	count := map[string]int{}
	var stepEnd, screen string
	for _, e := range s.events() {
		count[e.Type]++
		switch {
		case e.Type == "step.end" && e.Step == "1.1":
			stepEnd = string(e.Data)
		case e.Type == "split.screen":
			screen = string(e.Data)
		}
	}
	if count["sheet.shown"] != 3 || count["share.verified"] != 3 || count["sheet.reshown"] != 1 || count["share.rejected"] != 1 {
		t.Errorf("recorded %v: want 3 sheets shown, 3 verified, 1 shown again, 1 rejected", count)
	}
	if !strings.Contains(screen, "The blinds are down.") || !strings.Contains(screen, "projector") {
		t.Errorf("split.screen = %s", screen)
	}
	if !strings.Contains(stepEnd, `"by_phone":{"rex":"ann"}`) {
		t.Errorf("step.end = %s, want rex's confirmation typed by ann", stepEnd)
	}
	if len(ui.sheets) != 4 || !ui.sheets[3].Again || ui.sheets[3].Holder.ID != "eve" {
		t.Fatalf("sheets shown: %+v", ui.sheets)
	}
	for _, sh := range ui.sheets {
		if sh.Set == "" || sh.Fingerprint == "" || sh.Index == 0 || sh.M != 2 || sh.N != 3 || sh.Date == "" || sh.Void != "" {
			t.Errorf("sheet %q lacks what every sheet carries: %+v", sh.Title, sh)
		}
	}
	first := ui.confirms[0]
	if first.Step.Text == "" || !strings.Contains(first.Step.Text, "The blinds are down.") || len(first.Witnesses) != 0 || first.Actor.ID != "ann" {
		t.Errorf("the first confirmation is not the administrator's screen check: %+v", first)
	}
	var closing room.Confirmation
	for _, c := range ui.confirms {
		if c.Step.Number == "1.1" && len(c.Witnesses) == 1 {
			closing = c
		}
	}
	if len(closing.Shows) != 1 || !strings.HasPrefix(closing.Shows[0].Label, "share set u") || !closing.Witnesses[0].Remote || closing.Keyboard.ID != "ann" {
		t.Errorf("the closing confirmation of 1.1 = %+v", closing)
	}
	// The value recorded in 1.2 is shown at its confirmation, and its
	// pattern is put to the room in words.
	last := ui.confirms[len(ui.confirms)-1]
	if len(last.Shows) != 1 || last.Shows[0] != (room.Fact{Label: "Bag", Value: "AB12345678"}) {
		t.Errorf("the closing confirmation of 1.2 shows %+v", last.Shows)
	}
	// The step panel is on the step whose people are being chosen.
	if len(ui.asked) < 2 {
		t.Fatalf("asked only %v", ui.asked)
	}
	for _, a := range ui.asked {
		num, title, _ := strings.Cut(a, " ")
		if strings.HasPrefix(title, "Step ") && !strings.HasPrefix(title, "Step "+num+":") {
			t.Errorf("asked %q while the panel showed step %s", title, num)
		}
	}
}

// TestResumedSplitSaysEarlierSheetsAreVoid: a split interrupted after its
// first sheet is split afresh on resume, and every sheet shown then says,
// with the transcript's event, that the earlier ones are void.
func TestResumedSplitSaysEarlierSheetsAreVoid(t *testing.T) {
	s := newSmall(t, splitScript, splitRoster...)
	var quit *room.QuitError
	if err := s.run(&watched{quitAt: 2}, false); !errors.As(err, &quit) {
		t.Fatalf("first run: %v", err)
	}
	ui := &watched{}
	if err := s.run(ui, true); err != nil {
		t.Fatal(err)
	}
	var rerun uint64
	for _, e := range s.events() {
		if e.Type == "primitive.rerun" {
			rerun = e.Seq
		}
	}
	if rerun == 0 {
		t.Fatal("no event records the interrupted split as void")
	}
	for _, sh := range ui.sheets {
		for _, want := range []string{"EVERY EARLIER SHEET OF SET U IS VOID", "cid (event", fmt.Sprintf("Event %d", rerun)} {
			if !strings.Contains(sh.Void, want) {
				t.Errorf("sheet %q: Void = %q, want %q in it", sh.Title, sh.Void, want)
			}
		}
	}
	if len(ui.sheets) != 3 {
		t.Errorf("%d sheets shown on resume, want 3", len(ui.sheets))
	}
}
