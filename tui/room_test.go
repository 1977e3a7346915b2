package tui_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/tui"
)

// The room's clock is stopped for golden files: the header shows it to the
// second.
var stopped = func() time.Time { return time.Date(2026, 11, 23, 20, 3, 7, 0, time.UTC) }

// probe asks the program for the screen as it stands after every message
// sent before it: a snapshot in the program's own order of events.
type probe chan string

func snapshot(m tea.Model, msg tea.Msg) tea.Msg {
	if p, ok := msg.(probe); ok {
		p <- m.View().Content
		return nil
	}
	return msg
}

// screen is a ceremony screen driven the way people in the room drive it: the
// runner's calls on one side, keys on the other.
type screen struct {
	t  *testing.T
	ui *tui.UI
	tm *teatest.TestModel
}

func newRoom(t *testing.T, w, h int, opts tui.Options) *screen {
	t.Helper()
	opts.Clock = stopped
	ui := tui.New(opts)
	tm := teatest.NewTestModel(t, ui.Model(),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithFilter(snapshot)))
	t.Cleanup(func() {
		if err := tm.Quit(); err != nil {
			t.Error(err)
		}
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return &screen{t: t, ui: ui, tm: tm}
}

// newKSK is a room in the middle of a KSK ceremony, colour off so that the
// golden files read as the screen does.
func newKSK(t *testing.T, w, h int) *screen {
	r := newRoom(t, w, h, tui.Options{NoColor: true})
	r.ui.Begin(ksk)
	r.ui.Progress(at(1, 0))
	return r
}

func (r *screen) raw() string {
	p := make(probe, 1)
	r.tm.Send(p)
	select {
	case s := <-p:
		return s
	case <-time.After(5 * time.Second):
		r.t.Fatal("the program did not answer a snapshot")
		return ""
	}
}

// screen is the screen as people see it, without styling and without the
// trailing blanks of each line.
func (r *screen) screen() string {
	lines := strings.Split(ansi.Strip(r.raw()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// waitFor waits until the screen shows s: a prompt arrives from the runner's
// goroutine, not in the order of the keys the test types.
func (r *screen) waitFor(s string) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		scr := r.screen()
		if strings.Contains(scr, s) {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the screen never showed %q; it shows:\n%s", s, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *screen) golden() {
	r.t.Helper()
	teatest.RequireEqualOutput(r.t, []byte(r.screen()))
}

func (r *screen) keys(names ...string) {
	for _, n := range names {
		r.tm.Send(key(n))
	}
}

func key(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if c, ok := strings.CutPrefix(name, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	panic("unknown key " + name)
}

// ask runs a prompt the way the runner does, in its own goroutine.
func ask[T any](r *screen, prompt func(context.Context) (T, error)) <-chan answer[T] {
	ctx, cancel := context.WithCancel(context.Background())
	r.t.Cleanup(cancel)
	c := make(chan answer[T], 1)
	go func() {
		v, err := prompt(ctx)
		c <- answer[T]{v, err}
	}()
	return c
}

type answer[T any] struct {
	v   T
	err error
}

func await[T any](t *testing.T, c <-chan answer[T]) (T, error) {
	t.Helper()
	select {
	case a := <-c:
		return a.v, a.err
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt did not answer")
		panic("unreachable")
	}
}

func pending[T any](t *testing.T, c <-chan answer[T]) {
	t.Helper()
	select {
	case a := <-c:
		t.Fatalf("the prompt answered (%v, %v) while it should still wait", a.v, a.err)
	default:
	}
}

func noValue(f func(context.Context) error) func(context.Context) (struct{}, error) {
	return func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) }
}

var (
	alice = room.Participant{ID: "alice", Name: "Alice Adams", Roles: []string{"CA"}}
	ivan  = room.Participant{ID: "ivan", Name: "Ivan Ibsen", Roles: []string{"IW"}}
	carol = room.Participant{ID: "carol", Name: "Carol Chen", Roles: []string{"CO"}}
	zed   = room.Participant{ID: "zed", Name: "Zed Zimmer", Roles: []string{"ZSKO"}}
)

var ksk = room.Ceremony{
	Name: "Root KSK signing", Version: "2026.4", Bundle: "/srv/ceremony/ksk-2026-q4",
	Acts: []room.ActView{
		{Title: "Activate the HSM", Steps: []room.StepView{
			{Number: "1.1", Text: "Record the **tamper-evident bag** number of the HSM.", Role: "CA", RoleTitle: "Ceremony Administrator", Witnesses: []string{"IW"}, Does: "record: HSM bag"},
			{Number: "1.2", Text: "Crypto officers enter their shares.", Role: "CO", RoleTitle: "Crypto Officer", Witnesses: []string{"IW"}, Does: "hsm.activate: pkcs11:token=ksk"},
		}},
		{Title: "Sign the KSR", Steps: []room.StepView{
			{Number: "2.1", Text: "Confirm the KSR hash with the ZSK operator by phone.\n\n- Read the words slowly.\n- Use `hex` only if the line is bad.", Role: "CA", RoleTitle: "Ceremony Administrator", Witnesses: []string{"ZSKO"}, Does: "verify_out_of_band: ksr"},
			{Number: "2.2", Text: "Sign the KSR.", Role: "CA", RoleTitle: "Ceremony Administrator", Witnesses: []string{"IW"}, Does: "sign: ksr"},
		}},
	},
}

// at is the runner's status on step s of act a, with everything before done.
func at(a, s int) room.Status {
	st := room.Status{Events: 42, HeadWords: []string{"aardvark", "absurd", "accrue", "acme"}, Act: a, Step: s,
		Actor: &alice, Witnesses: []room.Participant{ivan}}
	for i, act := range ksk.Acts {
		row := make([]room.StepState, len(act.Steps))
		for j := range row {
			switch {
			case i < a || (i == a && j < s):
				row[j] = room.StepDone
			case i == a && j == s:
				row[j] = room.StepCurrent
			}
		}
		st.States = append(st.States, row)
	}
	return st
}

func TestScreens(t *testing.T) {
	cases := []struct {
		name  string
		w, h  int
		opts  tui.Options
		drive func(r *screen)
	}{
		{"waiting", 80, 24, tui.Options{NoColor: true}, func(r *screen) {}},
		{"working", 80, 24, tui.Options{NoColor: true}, func(r *screen) {
			r.ui.Begin(ksk)
			r.ui.Progress(at(1, 0))
		}},
		{"working_120x40", 120, 40, tui.Options{NoColor: true}, func(r *screen) {
			r.ui.Begin(ksk)
			r.ui.Progress(at(1, 0))
		}},
		{"rehearsal", 80, 24, tui.Options{NoColor: true}, func(r *screen) {
			c := ksk
			c.Rehearsal = true
			r.ui.Begin(c)
			r.ui.Progress(at(0, 1))
		}},
		{"narrow_50x20", 50, 20, tui.Options{NoColor: true}, func(r *screen) {
			r.ui.Begin(ksk)
			r.ui.Progress(at(1, 0))
		}},
		{"long_outline_120x40", 120, 40, tui.Options{NoColor: true}, func(r *screen) {
			c, st := long(200, 137)
			r.ui.Begin(c)
			r.ui.Progress(st)
		}},
		{"notices", 80, 24, tui.Options{NoColor: true}, func(r *screen) {
			r.ui.Begin(ksk)
			r.ui.Progress(at(1, 1))
			r.ui.Notice(room.Notice{Level: "warn", Text: "the HSM clock is 3 seconds behind the room's clock"})
		}},
		{"end", 80, 24, tui.Options{NoColor: true}, func(r *screen) {
			r.ui.Begin(ksk)
			r.ui.End(summary)
			r.ui.Close()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoom(t, c.w, c.h, c.opts)
			c.drive(r)
			r.golden()
		})
	}
}

// long is a ceremony of n steps in ten acts, on step cur with the steps
// before it done and the third one skipped.
func long(n, cur int) (room.Ceremony, room.Status) {
	c := room.Ceremony{Name: "Long ceremony", Version: "1"}
	st := room.Status{Events: 900, HeadWords: []string{"tactics", "Yucatan", "uproot", "retrieval"}, Actor: &alice}
	i := 0
	for a := range 10 {
		act := room.ActView{Title: fmt.Sprintf("Act number %d", a+1)}
		var row []room.StepState
		for s := range n / 10 {
			act.Steps = append(act.Steps, room.StepView{Number: fmt.Sprintf("%d.%d", a+1, s+1), Role: "CA",
				Text: fmt.Sprintf("Step %d of the long ceremony.", i+1)})
			state := room.StepPending
			switch {
			case i == 2:
				state = room.StepSkipped
			case i < cur:
				state = room.StepDone
			case i == cur:
				state = room.StepCurrent
				st.Act, st.Step = a, s
			}
			row = append(row, state)
			i++
		}
		c.Acts = append(c.Acts, act)
		st.States = append(st.States, row)
	}
	return c, st
}

var summary = room.Summary{
	Complete: true, Events: 118,
	Head: "3f8a1c0de5b2f4a9c7d60e1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e",
	HeadWords: []string{"crowfoot", "megaton", "banjo", "allegiance", "tempest", "preclude", "wayside", "paperweight",
		"spearhead", "Galveston", "aimless", "borderline", "brackish", "caretaker", "dwelling", "fortitude",
		"Trojan", "Medusa", "ringbolt", "processor", "Aztec", "Montana", "sawdust", "headwaters",
		"spyglass", "pedigree", "fallout", "equipment", "hamlet", "inertia", "Scotland", "unify"},
	Bundle: "/srv/ceremony/ksk-2026-q4",
}

func TestEndWaitsForTheRoom(t *testing.T) {
	r := newKSK(t, 80, 24)
	r.ui.End(summary)
	r.ui.Close()
	r.waitFor("Press enter to close")
	r.keys("enter")
	r.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestCloseWithoutEndLeavesAtOnce(t *testing.T) {
	r := newKSK(t, 80, 24)
	r.ui.Close()
	r.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestChoose(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, func(ctx context.Context) (int, error) {
		return r.ui.Choose(ctx, room.Choice{Title: "Who is at the keyboard for CA?", Options: []string{"Alice Adams", "Bob Brown", "Dana Diaz"}})
	})
	r.waitFor("Who is at the keyboard")
	r.keys("down", "down", "up")
	r.golden()
	r.keys("enter")
	if i, err := await(t, got); i != 1 || err != nil {
		t.Fatalf("Choose = %d, %v; want 1, nil", i, err)
	}
}

// TestConfirm: the actor and each witness confirm with their own initials,
// under what the step produced; a remote witness's initials are typed by
// the one at the keyboard, and the screen says so.
func TestConfirm(t *testing.T) {
	r := newKSK(t, 80, 24)
	remote := zed
	remote.Remote = true
	var checked []string
	got := ask(r, noValue(func(ctx context.Context) error {
		return r.ui.Confirm(ctx, room.Confirmation{
			Step: ksk.Acts[1].Steps[1], Actor: alice, Witnesses: []room.Participant{ivan, remote}, Keyboard: alice,
			Shows: []room.Fact{{Label: "HSM bag", Value: "HB12345678"},
				{Label: "public key ksk-2026, SSH fingerprint", Value: "SHA256:9yJx0V3i6mVt5dZ4sT1rQ8e2Wq7bN0cLkPfXgHaUo2s"}},
			CheckInitials: func(p room.Participant, initials string) error {
				checked = append(checked, p.ID+":"+initials)
				if initials != room.Initials(p) {
					return fmt.Errorf("%q are not %s's initials", initials, p.Name)
				}
				return nil
			},
		})
	}))
	r.waitFor("Confirm step 2.2")
	t.Run("actor", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	// Enter alone confirms nothing.
	r.keys("enter")
	r.waitFor("are not Alice Adams's initials")
	r.tm.Type("AA")
	r.keys("enter")
	r.tm.Type("AA")
	r.keys("enter")
	r.waitFor("are not Ivan Ibsen's")
	t.Run("wrong_initials", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	pending(t, got)
	r.tm.Type("II")
	r.keys("enter")
	r.waitFor("type the initials Zed Zimmer gives by")
	t.Run("by_phone", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	r.tm.Type("ZZ")
	r.keys("enter")
	if _, err := await(t, got); err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice:", "alice:AA", "ivan:AA", "ivan:II", "zed:ZZ"}; !slices.Equal(checked, want) {
		t.Errorf("initials checked: %v, want %v", checked, want)
	}
}

func TestValue(t *testing.T) {
	validate := func(b []byte) error {
		if len(b) != 10 || !strings.HasPrefix(string(b), "HB") {
			return errors.New("a bag number is two letters and eight digits, e.g. HB12345678")
		}
		return nil
	}
	t.Run("plain", func(t *testing.T) {
		r := newKSK(t, 80, 24)
		got := ask(r, func(ctx context.Context) ([]byte, error) {
			return r.ui.Value(ctx, room.ValueRequest{Label: "HSM bag", Help: "two letters, eight digits", Validate: validate})
		})
		r.waitFor("HSM bag")
		r.tm.Type("HB1234")
		r.keys("enter")
		r.waitFor("a bag number is")
		r.golden()
		r.tm.Type("5678")
		r.keys("enter")
		if v, err := await(t, got); string(v) != "HB12345678" || err != nil {
			t.Fatalf("Value = %q, %v", v, err)
		}
	})
	t.Run("secret", func(t *testing.T) {
		r := newKSK(t, 80, 24)
		got := ask(r, func(ctx context.Context) ([]byte, error) {
			return r.ui.Value(ctx, room.ValueRequest{Label: "SO PIN", Secret: true})
		})
		r.waitFor("SO PIN")
		r.tm.Type("hunter2")
		if scr := r.screen(); strings.Contains(scr, "hunter2") || strings.Contains(scr, "*******") {
			t.Fatalf("the secret is on the screen:\n%s", scr)
		}
		r.golden()
		r.keys("enter")
		if v, err := await(t, got); string(v) != "hunter2" || err != nil {
			t.Fatalf("Value = %q, %v", v, err)
		}
	})
}

func TestSheet(t *testing.T) {
	words := []string{"tactics", "Yucatan", "uproot", "retrieval", "snapline", "Wichita"}
	sheet := room.Sheet{Holder: carol, Title: "hsm user PIN: share 2 of 5", Label: "hsm user PIN",
		Body: "  1 tactics      2 Yucatan      3 uproot\n  4 retrieval    5 snapline     6 Wichita\n", Words: words,
		Set: "7f3a9c1e5b2d4f60", Fingerprint: "c41d 09aa", Index: 2, M: 3, N: 5, Date: "2026-11-23"}
	void := sheet
	void.Void = "EVERY EARLIER SHEET OF SET HSM-USER IS VOID. An earlier split of this set was interrupted: sheets were shown to alice (event 12). Event 15 of the transcript records those events as void."
	again := sheet
	again.Again = true
	for _, c := range []struct {
		name  string
		sheet room.Sheet
		say   string
	}{
		{"", sheet, "step up to the screen"},
		{"void", void, "IS VOID"},
		{"again", again, "shown again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newKSK(t, 80, 24)
			got := ask(r, noValue(func(ctx context.Context) error { return r.ui.Sheet(ctx, c.sheet) }))
			r.waitFor(c.say)
			t.Run("privacy", func(t *testing.T) { r.t = t; r.golden() })
			r.t = t
			if scr := r.screen(); strings.Contains(scr, "tactics") {
				t.Fatalf("the sheet shows before its holder asked:\n%s", scr)
			}
			r.keys("enter")
			r.waitFor("Yucatan")
			t.Run("shown", func(t *testing.T) { r.t = t; r.golden() })
			r.t = t
			for _, want := range []string{"7f3a9c1e5b2d4f60", "c41d 09aa", "share 2 of 5, any 3 recover", "2026-11-23", "Carol Chen"} {
				if !strings.Contains(r.screen(), want) {
					t.Errorf("the sheet does not carry %q:\n%s", want, r.screen())
				}
			}
			r.keys("enter")
			if _, err := await(t, got); err != nil {
				t.Fatal(err)
			}
			scr := r.screen()
			for _, w := range words {
				if strings.Contains(scr, w) {
					t.Fatalf("word %q still on the screen after the holder was done:\n%s", w, scr)
				}
			}
		})
	}
}

// TestSheetComesBackBehindTheLookAway: leaving the sheet for the question
// to leave the ceremony, and staying, brings back the look-away screen, not
// the sheet.
func TestSheetComesBackBehindTheLookAway(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, noValue(func(ctx context.Context) error {
		return r.ui.Sheet(ctx, room.Sheet{Holder: carol, Title: "share 1 of 3", Words: []string{"tactics", "Yucatan"}, Set: "s", Index: 1, M: 2, N: 3})
	}))
	r.waitFor("step up to the screen")
	r.keys("enter")
	r.waitFor("Yucatan")
	r.keys("ctrl+c")
	r.waitFor("Leave the ceremony?")
	r.keys("esc")
	r.waitFor("step up to the screen")
	if scr := r.screen(); strings.Contains(scr, "Yucatan") {
		t.Fatalf("staying brought the sheet back without the look-away screen:\n%s", scr)
	}
	pending(t, got)
}

func TestExceptionForm(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, func(ctx context.Context) (room.ExceptionReport, error) {
		return r.ui.Exception(ctx, room.ExceptionForm{
			Step: ksk.Acts[1].Steps[0], Happened: "the ZSK operator's line dropped",
			Decisions: []string{"retry", "skip", "abort"}, Approvers: []room.Participant{alice, ivan},
		})
	})
	r.waitFor("Exception at step 2.1")
	r.keys("tab", "tab", "tab", "enter")
	r.waitFor("say what was expected")
	t.Run("incomplete", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	r.tm.Type("the hash read back in one call")
	r.keys("enter", "enter", "right", "right", "left", "enter", "right")
	r.waitFor("‹ Ivan Ibsen (IW) › 2 of 2")
	t.Run("filled", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	r.keys("enter")
	rep, err := await(t, got)
	want := room.ExceptionReport{Expected: "the hash read back in one call", Happened: "the ZSK operator's line dropped", Decision: "skip", Approver: ivan}
	if err != nil || rep.Expected != want.Expected || rep.Happened != want.Happened || rep.Decision != want.Decision || rep.Approver.ID != want.Approver.ID {
		t.Fatalf("Exception = %+v, %v; want %+v", rep, err, want)
	}
}

// TestExceptionFormKeepsLongTexts: what happened is often a whole error
// message; the form wraps it under its label, with the expected outcome
// prefilled, and offers the approver in the room first.
func TestExceptionFormKeepsLongTexts(t *testing.T) {
	r := newKSK(t, 80, 24)
	happened := "Zed Zimmer read back a different hash of ksr: the read-back differs from the hash at word 7 (endive where the hash has endow)"
	got := ask(r, func(ctx context.Context) (room.ExceptionReport, error) {
		return r.ui.Exception(ctx, room.ExceptionForm{
			Step: ksk.Acts[1].Steps[0], Attempt: 1, Expected: "step 2.1 completes: Confirm the KSR hash with the ZSK operator by phone.",
			Happened: happened, Decisions: []string{"retry", "abort"}, Approvers: []room.Participant{ivan, zed},
		})
	})
	r.waitFor("Exception at step 2.1")
	r.golden()
	if scr := r.screen(); !strings.Contains(scr, "(endive where the hash") || !strings.Contains(scr, "endow)") {
		t.Fatalf("the form cuts what happened:\n%s", scr)
	}
	r.keys("enter", "enter", "enter", "enter")
	rep, err := await(t, got)
	if err != nil || rep.Happened != happened || rep.Decision != "retry" || rep.Approver.ID != "ivan" || !strings.HasPrefix(rep.Expected, "step 2.1 completes") {
		t.Fatalf("Exception = %+v, %v", rep, err)
	}
}

// TestExceptionKey presses ctrl+e on every prompt: each answers
// room.ErrException, so the runner can record the exception.
func TestExceptionKey(t *testing.T) {
	prompts := []struct {
		name, title string
		ask         func(*tui.UI, context.Context) error
	}{
		{"choose", "Who?", func(u *tui.UI, ctx context.Context) error {
			_, err := u.Choose(ctx, room.Choice{Title: "Who?", Options: []string{"a"}})
			return err
		}},
		{"confirm", "Confirm step 1.1", func(u *tui.UI, ctx context.Context) error {
			return u.Confirm(ctx, room.Confirmation{Step: ksk.Acts[0].Steps[0], Actor: alice})
		}},
		{"value", "HSM bag", func(u *tui.UI, ctx context.Context) error {
			_, err := u.Value(ctx, room.ValueRequest{Label: "HSM bag"})
			return err
		}},
		{"share", "Share entry", func(u *tui.UI, ctx context.Context) error { return u.Share(ctx, shareEntry(nil)) }},
		{"compare", "Compare out of band", func(u *tui.UI, ctx context.Context) error { return u.Compare(ctx, comparison(nil)) }},
		{"sheet", "Share sheet for", func(u *tui.UI, ctx context.Context) error {
			return u.Sheet(ctx, room.Sheet{Holder: carol, Title: "sheet", Body: "1 tactics"})
		}},
	}
	for _, p := range prompts {
		t.Run(p.name, func(t *testing.T) {
			r := newKSK(t, 80, 24)
			got := ask(r, noValue(func(ctx context.Context) error { return p.ask(r.ui, ctx) }))
			r.waitFor(p.title)
			r.keys("ctrl+e")
			if _, err := await(t, got); !errors.Is(err, room.ErrException) {
				t.Fatalf("err = %v, want room.ErrException", err)
			}
		})
	}
	t.Run("between_prompts", func(t *testing.T) {
		r := newKSK(t, 80, 24)
		r.keys("ctrl+e")
		r.waitFor("Exception requested")
		got := ask(r, func(ctx context.Context) (int, error) {
			return r.ui.Choose(ctx, room.Choice{Title: "Who?", Options: []string{"a"}})
		})
		if _, err := await(t, got); !errors.Is(err, room.ErrException) {
			t.Fatalf("err = %v, want room.ErrException", err)
		}
	})
}

func TestQuit(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, func(ctx context.Context) ([]byte, error) {
		return r.ui.Value(ctx, room.ValueRequest{Label: "HSM bag"})
	})
	r.waitFor("HSM bag")
	r.keys("ctrl+c", "enter")
	r.waitFor("say why")
	t.Run("no_reason", func(t *testing.T) { r.t = t; r.golden() })
	r.t = t
	r.keys("esc")
	r.waitFor("HSM bag")
	pending(t, got)
	r.keys("ctrl+c")
	r.tm.Type("fire alarm")
	r.keys("enter")
	_, err := await(t, got)
	var q *room.QuitError
	if !errors.As(err, &q) || q.Reason != "fire alarm" {
		t.Fatalf("err = %v, want a QuitError with the reason", err)
	}
}

func TestPromptEndsWithContext(t *testing.T) {
	r := newKSK(t, 80, 24)
	ctx, cancel := context.WithCancel(context.Background())
	got := ask(r, func(context.Context) (int, error) {
		return r.ui.Choose(ctx, room.Choice{Title: "Who is there?", Options: []string{"a"}})
	})
	r.waitFor("Who is there?")
	cancel()
	if _, err := await(t, got); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(r.screen(), "Who is there?") {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled prompt stays on the screen")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNoColor(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		t.Run(fmt.Sprint("NoColor=", noColor), func(t *testing.T) {
			r := newRoom(t, 80, 24, tui.Options{NoColor: noColor})
			r.ui.Begin(ksk)
			raw := r.raw()
			colour := strings.Contains(raw, "38;2;") || strings.Contains(raw, "48;2;")
			if colour == noColor {
				t.Errorf("colour sequences present: %v, with NoColor %v", colour, noColor)
			}
			// Without colour, LIVE must still stand out: reverse video.
			if noColor && !strings.Contains(raw, "\x1b[1;7m ● LIVE CEREMONY ● ") {
				t.Errorf("LIVE is not in reverse video without colour:\n%q", raw)
			}
		})
	}
}

func TestResize(t *testing.T) {
	r := newKSK(t, 120, 40)
	r.waitFor("Activate the HSM")
	r.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	r.golden()
	for _, l := range strings.Split(strings.TrimRight(r.screen(), "\n"), "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("line wider than the screen (%d): %q", w, l)
		}
	}
}
