package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Events of a split: the screen checked, the public record, each sheet as
// its holder took it, each share typed back (and each sheet shown again to
// fix a copy), and the end of the split.
const (
	EvSplitScreen   = "split.screen"
	EvSecretSplit   = "secret.split"
	EvSheetShown    = "sheet.shown"
	EvSheetReshown  = "sheet.reshown"
	EvShareVerified = "share.verified"
	EvSplitDone     = "split.done"
)

// screenChecks are what the administrator confirms before the first sheet is
// on the screen; a script adds its own with before = { ... }.
var screenChecks = []string{
	"No projector or second display shows this screen: it is off or switched to another source.",
	"No camera or screen recording can see this screen while a sheet is on it.",
}

// SplitSecret: generate a secret, split it m-of-n to holders of a role, show
// each holder their sheet, then have every holder type their share back.
// With to_cards, each share is instead sealed to its holder's card (enrolled
// with piv.enroll earlier in the ceremony), and every holder opens theirs
// on the card: no sheet, nothing on the screen.
// Lua: split_secret { set = "hsm-user", label = "...", holders = "CO", m = 3, n = 5, before = { "..." }, to_cards = false }
type SplitSecret struct {
	At
	Set     string
	Label   string
	Holders string // role id
	M, N    int
	// Before are the script's own checks of the screen, after screenChecks.
	Before []string
	Cards  bool
}

func init() {
	register(Primitive{Name: "split_secret", Parse: func(a Args, at At) (Call, error) {
		s := SplitSecret{At: at, Set: a.String("set", true), Label: a.String("label", false),
			Holders: a.String("holders", true), M: a.Int("m", 0), N: a.Int("n", 0), Before: a.Strings("before"),
			Cards: a.Bool("to_cards", false)}
		if s.Label == "" {
			// Every sheet carries a label; the set's name is the least one.
			s.Label = s.Set
		}
		if s.M < 2 || s.N < s.M || s.N > 255 {
			return nil, fmt.Errorf("need 2 <= m <= n <= 255, got m = %d, n = %d", s.M, s.N)
		}
		if s.Cards && len(s.Before) > 0 {
			return nil, errors.New("before checks the screen for sheets; a split to_cards shows none")
		}
		return s, nil
	}})
}

func (s SplitSecret) Placeholder() any { return nil }
func (s SplitSecret) Brief() string {
	return s.brief(fmt.Sprintf("%s %d-of-%d to %s", s.Set, s.M, s.N, s.Holders))
}

func (s SplitSecret) Paper() string {
	if s.Cards {
		return fmt.Sprintf("Generate secret %q (share set %s) and split it %d-of-%d among the %s holders, each share sealed to its holder's enrolled YubiKey; all %d holders open theirs on their card with their PIN", s.Label, s.Set, s.M, s.N, s.Holders, s.N)
	}
	return fmt.Sprintf("Generate secret %q (share set %s) and split it %d-of-%d among the %s holders; the administrator checks that nothing projects or records the screen; each holder receives their sheet alone; all %d holders re-enter their share", s.Label, s.Set, s.M, s.N, s.Holders, s.N)
}

func (s SplitSecret) Lint(l Linter) {
	l.NewSet(s.Set)
	if l.Role(s.Holders, "split_secret holders") {
		l.Needs(s.Holders, s.N, fmt.Sprintf("split_secret gives %d shares to %s", s.N, s.Holders))
	}
}

// splitData is the data of secret.split and split.done: the split's public
// record and who holds which share (holders[i] holds share i+1).
type splitData struct {
	Set     string         `json:"set"`
	Record  *shares.Record `json:"record"`
	Holders []string       `json:"holders"`
	// Envelopes are the files of a split to cards, by holder.
	Envelopes map[string]string `json:"envelopes,omitempty"`
}

// Run checks the screen, generates a secret, splits it, shows each holder
// their sheet alone, and has every holder enter their share back before the
// step ends: a miscopied sheet is found while the secret is still here to
// show it again, not at the next ceremony.
func (s SplitSecret) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(s.Name, Replay{Final: []string{EvSplitDone},
		Steps: []string{EvSplitScreen, EvSecretSplit, EvSheetShown, EvSheetReshown, EvShareVerified, EvShareRejected,
			EvEnvelopeSealed, transcript.TypeArtifact, EvArtifactRecovered},
		Void: "the secret of an interrupted split is gone; the set is split afresh and every sheet shown before is void"})
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		var d splitData
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		envs, err := readEnvelopes(h, d.Record, d.Envelopes)
		if err != nil {
			return nil, diverged(h, rec, "%v", err)
		}
		h.Session().setSet(s.Set, &set{rec: d.Record, holders: d.Holders, envelopes: envs})
		s.show(h, d.Record)
		return nil, nil
	}
	hs := holders(h, s.Holders)
	if len(hs) < s.N {
		return nil, fmt.Errorf("split %s: %d holders of %s are needed, the roster has %d", s.Set, s.N, s.Holders, len(hs))
	}
	hs = hs[:s.N]
	void := voidSheets(s.Set, rec, s.Cards)
	if s.Cards {
		err = requireEnrolled(h, "split "+s.Set+" to cards", hs)
		if err == nil && void != "" {
			err = confirmBy(ctx, h, void, h.Actor(), nil)
		}
	} else {
		err = s.checkScreen(ctx, h, void)
	}
	if err != nil {
		return nil, err
	}
	secret, record, parts, err := shares.Split(s.Label, s.M, s.N)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, sh := range parts {
			sh.Zero()
		}
		clear(secret)
	}()
	d := splitData{Set: s.Set, Record: record, Holders: IDs(hs)}
	if err := h.Append(EvSecretSplit, "", d); err != nil {
		return nil, err
	}
	var envs map[string]*shares.Envelope
	if s.Cards {
		envs, d.Envelopes, err = s.toCards(ctx, h, record, parts, hs)
	} else {
		err = s.toSheets(ctx, h, record, parts, hs, void)
	}
	if err != nil {
		return nil, err
	}
	if err := h.Append(EvSplitDone, "", d); err != nil {
		return nil, err
	}
	h.Session().setSet(s.Set, &set{rec: record, holders: d.Holders, secret: append([]byte(nil), secret...), envelopes: envs})
	s.show(h, record)
	return nil, nil
}

// toSheets shows each holder their sheet alone, then has every holder type
// their share back.
func (s SplitSecret) toSheets(ctx context.Context, h Host, record *shares.Record, parts []*shares.Share, hs []room.Participant, void string) error {
	sheets := make([]room.Sheet, len(hs))
	now := h.Now().UTC()
	for i, holder := range hs {
		sh := parts[i]
		sheets[i] = room.Sheet{Holder: holder, Title: fmt.Sprintf("%s: share %d of %d", record.Label, i+1, record.N),
			Label: record.Label, Body: sh.SheetText(holder.Name, now), Words: sh.Words(),
			Set: record.SetID, Fingerprint: sh.Fingerprint(), Index: i + 1, M: record.M, N: record.N,
			Date: now.Format("2006-01-02"), Void: void}
		if err := h.Prompts().Sheet(ctx, sheets[i]); err != nil {
			return err
		}
		if err := h.Append(EvSheetShown, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: i + 1, Fingerprint: sh.Fingerprint()}); err != nil {
			return err
		}
	}
	return s.verifyBack(ctx, h, record, parts, hs, sheets)
}

// toCards seals each share to its holder's card and has every holder open
// theirs before the step ends, as typing back does for sheets. It returns
// the envelopes and their files, by holder.
func (s SplitSecret) toCards(ctx context.Context, h Host, record *shares.Record, parts []*shares.Share, hs []room.Participant) (map[string]*shares.Envelope, map[string]string, error) {
	envs, files, err := sealAll(h, s.Set, record, parts, hs)
	if err != nil {
		return nil, nil, err
	}
	pending := hs
	for k := 1; k <= record.N; k++ {
		holder, err := PickFrom(ctx, h.Prompts(), fmt.Sprintf("Step %s: who opens their envelope on their card now (%d of %d)?", h.Step(), k, record.N), pending)
		if err != nil {
			return nil, nil, err
		}
		sh, err := openEnvelope(ctx, h, s.Set, holder, envs[holder.ID])
		if err != nil {
			return nil, nil, err
		}
		fp := sh.Fingerprint()
		sh.Zero()
		i := indexOf(hs, holder.ID)
		if fp != parts[i].Fingerprint() {
			return nil, nil, fmt.Errorf("%s's card opened a share that is not theirs", holder.ID)
		}
		if err := h.Append(EvShareVerified, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: i + 1, Fingerprint: fp, Card: envs[holder.ID].Card}); err != nil {
			return nil, nil, err
		}
		pending = without(pending, holder.ID)
	}
	return envs, files, nil
}

func (s SplitSecret) show(h Host, rec *shares.Record) {
	h.Show("share set "+s.Set, fmt.Sprintf("%s, %d of %d, set id %s, every holder's copy checked", rec.Label, rec.M, rec.N, rec.SetID))
}

// checkScreen has the administrator confirm, before any sheet is shown,
// that the screen reaches no one but the room: a sheet on a projector or in
// a recording is a sheet copied.
func (s SplitSecret) checkScreen(ctx context.Context, h Host, void string) error {
	items := append(append([]string(nil), screenChecks...), s.Before...)
	text := fmt.Sprintf("Before the sheets of %s are shown, check the screen:\n\n", s.Label)
	if void != "" {
		text = void + "\n\n" + text
	}
	for _, it := range items {
		text += "- " + it + "\n"
	}
	if err := confirmBy(ctx, h, text, h.Actor(), nil); err != nil {
		return err
	}
	return h.Append(EvSplitScreen, "", map[string]any{"set": s.Set, "checks": items})
}

// voidSheets is what the room is told when an interrupted split of set was
// made void: which of its sheets (or envelopes, for a split to cards) had
// been handed out, and where the record says so.
func voidSheets(set string, rec Recorded, cards bool) string {
	if !rec.Interrupted {
		return ""
	}
	kind, ev, handed, discard := "sheet", EvSheetShown, "shown to", "Destroy"
	if cards {
		kind, ev, handed, discard = "envelope", EvEnvelopeSealed, "sealed to", "Delete"
	}
	var out []string
	for _, e := range rec.Voided {
		if e.Type == ev {
			out = append(out, fmt.Sprintf("%s (event %d)", e.Actor, e.Seq))
		}
	}
	what := fmt.Sprintf("no %s had been %s", kind, strings.Fields(handed)[0])
	if len(out) > 0 {
		what = fmt.Sprintf("%ss were %s %s", kind, handed, strings.Join(out, ", "))
	}
	return fmt.Sprintf("EVERY EARLIER %s OF SET %s IS VOID. An earlier split of this set was interrupted: %s. "+
		"Event %d of the transcript records those events as void. %s every earlier %s of %s; only the %ss %s now count.",
		strings.ToUpper(kind), strings.ToUpper(set), what, rec.VoidSeq, discard, kind, set, kind, strings.Fields(handed)[0])
}

// verifyBack has every holder type their own share back from the sheet. A
// holder whose copy does not check may see their sheet again, which is
// recorded, and types it back once more.
func (s SplitSecret) verifyBack(ctx context.Context, h Host, rec *shares.Record, parts []*shares.Share, hs []room.Participant, sheets []room.Sheet) error {
	pending := hs
	for k := 1; k <= rec.N; k++ {
		holder, err := PickFrom(ctx, h.Prompts(), fmt.Sprintf("Step %s: who types their share back (%d of %d)?", h.Step(), k, rec.N), pending)
		if err != nil {
			return err
		}
		idx := indexOf(hs, holder.ID)
		want := parts[idx]
		for {
			entry := shareEntry(holder, rec, k, rec.N, func(words []string) error {
				if err := typedBack(rec, want, words); err != nil {
					h.Append(EvShareRejected, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Reason: err.Error()})
					return err
				}
				return h.Append(EvShareVerified, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: idx + 1, Fingerprint: want.Fingerprint()})
			})
			entry.Reshow = true
			err = h.Prompts().Share(ctx, entry)
			if !errors.Is(err, room.ErrShowSheet) {
				break
			}
			again := sheets[idx]
			again.Again, again.Void = true, ""
			if err := h.Prompts().Sheet(ctx, again); err != nil {
				return err
			}
			if err := h.Append(EvSheetReshown, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: idx + 1, Fingerprint: want.Fingerprint()}); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		pending = without(pending, holder.ID)
	}
	return nil
}

// typedBack checks that words, typed back by a holder, are the very share
// want they were given.
func typedBack(rec *shares.Record, want *shares.Share, words []string) error {
	sh, err := shares.Decode(words)
	if err != nil {
		return err
	}
	defer sh.Zero()
	if err := rec.Check(sh); err != nil {
		return err
	}
	if sh.Fingerprint() != want.Fingerprint() {
		return fmt.Errorf("this is share %d, not share %d given to this holder", sh.Index(), want.Index())
	}
	return nil
}

func indexOf(ps []room.Participant, id string) int {
	for i, p := range ps {
		if p.ID == id {
			return i
		}
	}
	return -1
}
