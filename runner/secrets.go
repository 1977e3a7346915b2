package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ceremony-dev/ceremony/steps"
)

// splitData is the data of secret.split and split.done: the split's public
// record and who holds which share (holders[i] holds share i+1).
type splitData struct {
	Set     string             `json:"set"`
	Record  *steps.ShareRecord `json:"record"`
	Holders []string           `json:"holders"`
}

// shareData names one share in events: by set, index and fingerprint, never
// by its words.
type shareData struct {
	Set         string `json:"set"`
	Holder      string `json:"holder"`
	Index       int    `json:"index,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// shareEvents are the intermediate events of entering shares.
var shareEvents = []string{"share.accepted", "share.rejected", "shares.combined"}

// splitSecret generates a secret, splits it, shows each holder their sheet
// alone, and has a threshold of holders enter their share back before the
// step ends, so no one leaves with a sheet they cannot use.
func (r *Runner) splitSecret(ctx context.Context, q steps.SplitSecret) error {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "split.done", "secret.split", "sheet.shown", "share.verified", "share.rejected")
	if err != nil {
		return err
	}
	if got != nil {
		var d splitData
		if err := json.Unmarshal(got[len(got)-1].Data, &d); err != nil {
			return err
		}
		r.setSet(q.Set, &setState{rec: d.Record, holders: d.Holders})
		return nil
	}
	if err := r.rerun(q.Primitive(), partial, "the secret of an interrupted split is gone; the set is split afresh and every sheet shown before is void"); err != nil {
		return err
	}
	holders := r.holders(q.Holders)
	if len(holders) < q.N {
		return fmt.Errorf("split %s: %d holders of %s are needed, the roster has %d", q.Set, q.N, q.Holders, len(holders))
	}
	holders = holders[:q.N]
	sp, err := steps.NewSplit(q)
	if err != nil {
		return err
	}
	defer sp.Zero()
	rec := sp.Record
	d := splitData{Set: q.Set, Record: rec, Holders: ids(holders)}
	if _, err := r.append("secret.split", n, r.actorID(), d); err != nil {
		return err
	}
	now := r.env.Now().UTC()
	for i, h := range holders {
		text, words, fp := sp.Sheet(i, h.Name, now)
		sh := Sheet{Holder: h, Title: fmt.Sprintf("%s: share %d of %d", rec.Label, i+1, rec.N), Label: rec.Label, Body: text, Words: words}
		if err := r.env.UI.Sheet(ctx, sh); err != nil {
			return err
		}
		if _, err := r.append("sheet.shown", n, h.ID, shareData{Set: q.Set, Holder: h.ID, Index: i + 1, Fingerprint: fp}); err != nil {
			return err
		}
	}
	if err := r.verifyBack(ctx, q.Set, sp, holders); err != nil {
		return err
	}
	if _, err := r.append("split.done", n, r.actorID(), d); err != nil {
		return err
	}
	held := make([]byte, len(sp.Secret))
	copy(held, sp.Secret)
	r.setSet(q.Set, &setState{rec: rec, holders: d.Holders, secret: held})
	return nil
}

// verifyBack has m holders each type their own share back from the sheet.
func (r *Runner) verifyBack(ctx context.Context, setName string, sp *steps.Split, holders []Participant) error {
	n := r.stepNumber()
	rec := sp.Record
	pending := append([]Participant(nil), holders...)
	for k := 1; k <= rec.M; k++ {
		h, err := r.pickFrom(ctx, fmt.Sprintf("Step %s: who types their share back (%d of %d)?", n, k, rec.M), pending)
		if err != nil {
			return err
		}
		idx := indexOf(holders, h.ID)
		_, _, fp := sp.Sheet(idx, h.Name, time.Time{})
		err = r.env.UI.Share(ctx, ShareEntry{Holder: h, Label: rec.Label, K: k, M: rec.M, Words: steps.WordsPerShare(rec),
			CheckWord: steps.CheckShareWord, Complete: steps.CompleteShareWord,
			Submit: func(words []string) error {
				if err := sp.VerifyBack(idx, words); err != nil {
					r.append("share.rejected", n, h.ID, shareData{Set: setName, Holder: h.ID, Reason: err.Error()})
					return err
				}
				_, err := r.append("share.verified", n, h.ID, shareData{Set: setName, Holder: h.ID, Index: idx + 1, Fingerprint: fp})
				return err
			}})
		if err != nil {
			return err
		}
		pending = removeP(pending, h.ID)
	}
	return nil
}

// collect has holders enter shares of a set until the threshold is reached,
// and returns the combined secret once it matches the set's commitment.
func (r *Runner) collect(ctx context.Context, setName string) ([]byte, error) {
	n := r.stepNumber()
	st, ok := r.sets[setName]
	if !ok || st.rec == nil {
		return nil, fmt.Errorf("share set %q is not known: split it earlier in the ceremony or declare it in the configuration", setName)
	}
	rec := st.rec
	// A set split at an earlier ceremony has no holders on record here:
	// whoever holds the step's role may bring a share.
	eligible := r.holders(r.currentStep().By)
	if len(st.holders) > 0 {
		eligible = nil
		for _, id := range st.holders {
			if p, ok := r.participant(id); ok {
				eligible = append(eligible, p)
			}
		}
	}
	c := steps.NewCollection(rec)
	defer c.Zero()
	var entered []string
	for c.Have() < c.Need() {
		h, err := r.pickFrom(ctx, fmt.Sprintf("Step %s: which crypto officer enters a share of %s now (%d of %d)?", n, rec.Label, c.Have()+1, c.Need()), eligible)
		if err != nil {
			return nil, err
		}
		err = r.env.UI.Share(ctx, ShareEntry{Holder: h, Label: rec.Label, K: c.Have() + 1, M: c.Need(), Words: steps.WordsPerShare(rec),
			CheckWord: steps.CheckShareWord, Complete: steps.CompleteShareWord,
			Submit: func(words []string) error {
				idx, fp, err := c.Add(words, h.ID)
				if err != nil {
					r.append("share.rejected", n, h.ID, shareData{Set: setName, Holder: h.ID, Reason: err.Error()})
					return err
				}
				_, err = r.append("share.accepted", n, h.ID, shareData{Set: setName, Holder: h.ID, Index: idx, Fingerprint: fp})
				return err
			}})
		if err != nil {
			return nil, err
		}
		entered = append(entered, h.ID)
		eligible = removeP(eligible, h.ID)
	}
	secret, err := c.Combine()
	if err != nil {
		r.append("share.rejected", n, r.actorID(), shareData{Set: setName, Reason: err.Error()})
		return nil, err
	}
	if _, err := r.append("shares.combined", n, r.actorID(), map[string]any{"set": setName, "holders": entered, "commitment": "matches"}); err != nil {
		steps.Zero(secret)
		return nil, err
	}
	return secret, nil
}

// collectShares is the primitive: the secret is held for the next primitive
// that needs it. After a crash it is gone, and that primitive collects again.
func (r *Runner) collectShares(ctx context.Context, q steps.CollectShares) error {
	got, partial, err := r.recorded(r.stepNumber(), "shares.combined", shareEvents...)
	if err != nil || got != nil {
		return err
	}
	if err := r.rerun(q.Primitive(), partial, "the shares entered before the interruption were not kept; they are entered again"); err != nil {
		return err
	}
	secret, err := r.collect(ctx, q.Set)
	if err != nil {
		return err
	}
	st := r.sets[q.Set]
	steps.Zero(st.secret)
	st.secret = secret
	return nil
}

// takeSecret hands over the held secret of a set, collecting it when none is
// held. The caller zeroes it.
func (r *Runner) takeSecret(ctx context.Context, set string) ([]byte, error) {
	if st, ok := r.sets[set]; ok && st.secret != nil {
		s := st.secret
		st.secret = nil
		return s, nil
	}
	return r.collect(ctx, set)
}

func (r *Runner) setSet(name string, s *setState) {
	if old, ok := r.sets[name]; ok {
		steps.Zero(old.secret)
	}
	r.sets[name] = s
}

func (r *Runner) pickFrom(ctx context.Context, title string, cands []Participant) (Participant, error) {
	switch len(cands) {
	case 0:
		return Participant{}, fmt.Errorf("%s: no one is left to ask", title)
	case 1:
		return cands[0], nil
	}
	opts := make([]string, len(cands))
	for i, p := range cands {
		opts[i] = p.Name + " (" + p.ID + ")"
	}
	i, err := r.env.UI.Choose(ctx, Choice{Title: title, Options: opts})
	if err != nil {
		return Participant{}, err
	}
	if i < 0 || i >= len(cands) {
		return Participant{}, fmt.Errorf("choice %d is not on the list", i)
	}
	return cands[i], nil
}

func indexOf(ps []Participant, id string) int {
	for i, p := range ps {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func removeP(ps []Participant, id string) []Participant {
	var out []Participant
	for _, p := range ps {
		if p.ID != id {
			out = append(out, p)
		}
	}
	return out
}
