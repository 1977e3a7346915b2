// Package auto is the scripted rehearsal player: the UI of unattended
// rehearsals and of tests, which plays every participant.
package auto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/room"

	"github.com/ceremony-dev/ceremony/pgpwords"
)

// Auto is the UI of an unattended rehearsal: it plays every participant. It
// picks the first person offered, confirms with the right initials, types a
// value that fits, reads hashes back correctly, and types each share back
// from the sheet it was shown, as the holder would from paper.
type Auto struct {
	// Pace is waited before every answer, so that a rehearsal can be
	// watched, or interrupted between any two events.
	Pace time.Duration
	// Log, when set, gets one line per thing the player does.
	Log io.Writer
	// Misread is how many out-of-band comparisons the remote party gets
	// wrong, to rehearse a mismatch.
	Misread int
	// SheetFile, when set, is where the player keeps the sheets it was
	// shown, so that a rehearsal interrupted and resumed in another process
	// still has them, as holders keep their paper. It holds share words:
	// it is for rehearsals only, and never inside the bundle.
	SheetFile string

	mu     sync.Mutex
	sheets map[string][]string
}

// Sheets returns the share words the player was shown, by holder and set
// label, so that a test can look for them where they must never be.
func (a *Auto) Sheets() map[string][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.load()
	out := make(map[string][]string, len(a.sheets))
	for k, v := range a.sheets {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func sheetKey(holder, label string) string { return holder + "/" + label }

func (a *Auto) load() {
	if a.sheets != nil {
		return
	}
	a.sheets = map[string][]string{}
	if a.SheetFile == "" {
		return
	}
	if b, err := os.ReadFile(a.SheetFile); err == nil {
		json.Unmarshal(b, &a.sheets)
	}
}

func (a *Auto) say(format string, args ...any) {
	if a.Log != nil {
		fmt.Fprintf(a.Log, "auto: "+format+"\n", args...)
	}
}

func (a *Auto) wait(ctx context.Context) error {
	if a.Pace <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(a.Pace)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (a *Auto) Begin(c room.Ceremony) { a.say("rehearsing %s %s", c.Name, c.Version) }
func (a *Auto) Progress(room.Status)  {}

func (a *Auto) Choose(ctx context.Context, c room.Choice) (int, error) {
	if err := a.wait(ctx); err != nil {
		return 0, err
	}
	a.say("%s %s", c.Title, c.Options[0])
	return 0, nil
}

func (a *Auto) Confirm(ctx context.Context, c room.Confirmation) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	for _, p := range append([]room.Participant{c.Actor}, c.Witnesses...) {
		if err := c.CheckInitials(p, room.Initials(p)); err != nil {
			return err
		}
	}
	a.say("step %s confirmed by %s", c.Step.Number, c.Actor.ID)
	return nil
}

// MaxTries is how many times the player tries a failing step before it
// leaves the ceremony.
const MaxTries = 3

// candidates are values tried, in order, for a typed value: a bag number in
// the shape scripts usually ask for, then plainer ones.
var candidates = []string{"AB12345678", "TB00012345", "12345678", "rehearsal", "REHEARSAL-1", "1"}

func (a *Auto) Value(ctx context.Context, v room.ValueRequest) ([]byte, error) {
	if err := a.wait(ctx); err != nil {
		return nil, err
	}
	for _, c := range candidates {
		if v.Validate == nil || v.Validate([]byte(c)) == nil {
			shown := c
			if v.Secret {
				shown = "(typed, not shown)"
			}
			a.say("%s: %s", v.Label, shown)
			return []byte(c), nil
		}
	}
	return nil, fmt.Errorf("the rehearsal player has no value for %q (%s)", v.Label, v.Help)
}

func (a *Auto) Share(ctx context.Context, s room.ShareEntry) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	a.load()
	words := append([]string(nil), a.sheets[sheetKey(s.Holder.ID, s.Label)]...)
	a.mu.Unlock()
	if len(words) == 0 {
		// Retrying cannot help: the sheet is not coming back.
		return &room.QuitError{Reason: fmt.Sprintf("the rehearsal player was never shown %s's share of %s: resume with the sheets it kept (CEREMONY_AUTO_SHEETS) or with a person at the keyboard", s.Holder.Name, s.Label)}
	}
	for i, w := range words {
		if _, err := s.Word(i, []byte(w)); err != nil {
			return err
		}
	}
	if err := s.Submit(words); err != nil {
		return err
	}
	a.say("%s entered a share of %s (%d of %d)", s.Holder.ID, s.Label, s.K, s.M)
	return nil
}

func (a *Auto) Compare(ctx context.Context, c room.Comparison) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	words := append([]string(nil), c.Words...)
	a.mu.Lock()
	misread := a.Misread > 0
	if misread {
		a.Misread--
	}
	a.mu.Unlock()
	if misread {
		last := len(words) - 1
		b, _, _ := pgpwords.Lookup(words[last])
		words[last] = pgpwords.Word(last, b^1)
	}
	if _, err := c.Check(strings.Join(words, " ")); err != nil {
		a.say("%s read back %s wrongly: %v", c.Remote.ID, c.Label, err)
		return err
	}
	a.say("%s read back %s", c.Remote.ID, c.Label)
	return nil
}

func (a *Auto) Sheet(ctx context.Context, s room.Sheet) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.load()
	a.sheets[sheetKey(s.Holder.ID, s.Label)] = append([]string(nil), s.Words...)
	if a.SheetFile != "" {
		b, _ := json.Marshal(a.sheets)
		if err := durable.Replace(a.SheetFile, b, 0o600); err != nil {
			return err
		}
	}
	a.say("%s took their sheet: %s", s.Holder.ID, s.Title)
	return nil
}

func (a *Auto) Exception(ctx context.Context, f room.ExceptionForm) (room.ExceptionReport, error) {
	if err := a.wait(ctx); err != nil {
		return room.ExceptionReport{}, err
	}
	if len(f.Approvers) == 0 {
		return room.ExceptionReport{}, errors.New("no one can approve the exception")
	}
	// A person chooses to retry each time; the player gives up on a step
	// that keeps failing rather than fill the disk with its attempts.
	if f.Attempt >= MaxTries {
		return room.ExceptionReport{}, &room.QuitError{Reason: fmt.Sprintf("step %s failed %d times: %s", f.Step.Number, f.Attempt, f.Happened)}
	}
	rep := room.ExceptionReport{Expected: "step " + f.Step.Number + " to complete", Happened: f.Happened, Approver: f.Approvers[0]}
	if rep.Happened == "" {
		rep.Happened = "an exception raised in rehearsal"
	}
	for _, d := range []string{"retry", "skip", "abort"} {
		if slices.Contains(f.Decisions, d) {
			rep.Decision = d
			break
		}
	}
	a.say("exception at step %s: %s; decision %s", f.Step.Number, rep.Happened, rep.Decision)
	return rep, nil
}

func (a *Auto) Notice(n room.Notice) { a.say("%s: %s", n.Level, n.Text) }

func (a *Auto) End(s room.Summary) {
	a.say("end: complete=%t, %d events, head %s", s.Complete, s.Events, strings.Join(s.HeadWords, " "))
}

var _ room.UI = (*Auto)(nil)
