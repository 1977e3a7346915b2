package steps

import (
	"context"
	"fmt"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
)

// Events of a split: the public record, each sheet as its holder took it,
// each share typed back, and the end of the split.
const (
	EvSecretSplit   = "secret.split"
	EvSheetShown    = "sheet.shown"
	EvShareVerified = "share.verified"
	EvSplitDone     = "split.done"
)

// SplitSecret: generate a secret, split it m-of-n to holders of a role, show
// each holder their sheet, then verify back a threshold of shares.
// Lua: split_secret { set = "hsm-user", label = "...", holders = "CO", m = 3, n = 5 }
type SplitSecret struct {
	At
	Set     string
	Label   string
	Holders string // role id
	M, N    int
}

func init() {
	register(Primitive{Name: "split_secret", Parse: func(a Args, at At) (Call, error) {
		s := SplitSecret{At: at, Set: a.String("set", true), Label: a.String("label", false),
			Holders: a.String("holders", true), M: a.Int("m", 0), N: a.Int("n", 0)}
		if s.Label == "" {
			// Every sheet carries a label; the set's name is the least one.
			s.Label = s.Set
		}
		if s.M < 2 || s.N < s.M || s.N > 255 {
			return nil, fmt.Errorf("need 2 <= m <= n <= 255, got m = %d, n = %d", s.M, s.N)
		}
		return s, nil
	}})
}

func (s SplitSecret) Placeholder() any { return nil }
func (s SplitSecret) Brief() string {
	return s.brief(fmt.Sprintf("%s %d-of-%d to %s", s.Set, s.M, s.N, s.Holders))
}

func (s SplitSecret) Paper() string {
	return fmt.Sprintf("Generate secret %q (share set %s) and split it %d-of-%d among the %s holders; each holder receives their sheet alone; %d holders re-enter their share", s.Label, s.Set, s.M, s.N, s.Holders, s.M)
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
}

// Run generates a secret, splits it, shows each holder their sheet alone,
// and has a threshold of holders enter their share back before the step
// ends, so no one leaves with a sheet they cannot use.
func (s SplitSecret) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(s.Name, Replay{Final: []string{EvSplitDone}, Steps: []string{EvSecretSplit, EvSheetShown, EvShareVerified, EvShareRejected},
		Void: "the secret of an interrupted split is gone; the set is split afresh and every sheet shown before is void"})
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		var d splitData
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		h.Session().setSet(s.Set, &set{rec: d.Record, holders: d.Holders})
		return nil, nil
	}
	hs := holders(h, s.Holders)
	if len(hs) < s.N {
		return nil, fmt.Errorf("split %s: %d holders of %s are needed, the roster has %d", s.Set, s.N, s.Holders, len(hs))
	}
	hs = hs[:s.N]
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
	now := h.Now().UTC()
	for i, holder := range hs {
		sh := parts[i]
		sheet := room.Sheet{Holder: holder, Title: fmt.Sprintf("%s: share %d of %d", record.Label, i+1, record.N),
			Label: record.Label, Body: sh.SheetText(holder.Name, now), Words: sh.Words()}
		if err := h.Prompts().Sheet(ctx, sheet); err != nil {
			return nil, err
		}
		if err := h.Append(EvSheetShown, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: i + 1, Fingerprint: sh.Fingerprint()}); err != nil {
			return nil, err
		}
	}
	if err := s.verifyBack(ctx, h, record, parts, hs); err != nil {
		return nil, err
	}
	if err := h.Append(EvSplitDone, "", d); err != nil {
		return nil, err
	}
	h.Session().setSet(s.Set, &set{rec: record, holders: d.Holders, secret: append([]byte(nil), secret...)})
	return nil, nil
}

// verifyBack has m holders each type their own share back from the sheet.
func (s SplitSecret) verifyBack(ctx context.Context, h Host, rec *shares.Record, parts []*shares.Share, hs []room.Participant) error {
	pending := hs
	for k := 1; k <= rec.M; k++ {
		holder, err := PickFrom(ctx, h.Prompts(), fmt.Sprintf("Step %s: who types their share back (%d of %d)?", h.Step(), k, rec.M), pending)
		if err != nil {
			return err
		}
		idx := indexOf(hs, holder.ID)
		want := parts[idx]
		err = h.Prompts().Share(ctx, shareEntry(holder, rec, k, rec.M, func(words []string) error {
			if err := typedBack(rec, want, words); err != nil {
				h.Append(EvShareRejected, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Reason: err.Error()})
				return err
			}
			return h.Append(EvShareVerified, holder.ID, shareData{Set: s.Set, Holder: holder.ID, Index: idx + 1, Fingerprint: want.Fingerprint()})
		}))
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
