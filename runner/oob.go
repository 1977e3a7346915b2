package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ceremony-dev/ceremony/steps"
)

// oobData is the data of oob.confirmed and oob.mismatch. What the remote
// party read back is a hash, never a secret, so it is kept as evidence.
type oobData struct {
	Input    string `json:"input"`
	SHA256   string `json:"sha256"`
	Remote   string `json:"remote"`
	ReadBack string `json:"read_back,omitempty"`
	At       int    `json:"first_difference,omitempty"` // 1-based
}

// verifyOOB shows an input's hash, has the remote party read it back, and
// compares in the tool. The first well-formed read-back that differs halts
// the step: a comparison is never retried silently until it passes.
func (r *Runner) verifyOOB(ctx context.Context, q steps.VerifyOOB) (bool, error) {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "oob.confirmed", "oob.mismatch")
	if err != nil || got != nil {
		return got != nil, err
	}
	if err := r.rerun(q.Primitive(), partial, "the comparison was interrupted and is made again"); err != nil {
		return false, err
	}
	content, err := r.env.Input(q.Input)
	if err != nil {
		return false, fmt.Errorf("input %s: %w", q.Input, err)
	}
	d := steps.DigestOf(content)
	remote, err := r.remote(ctx, n, q.With)
	if err != nil {
		return false, err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		mismatch error
		recErr   error
	)
	cmp := Comparison{Label: r.inputTitle(q.Input), Hex: d.Hex, Words: d.Words, Remote: remote,
		Check: func(readBack string) (int, error) {
			at, err := d.Compare(readBack)
			var mm *steps.MismatchError
			if errors.As(err, &mm) {
				mu.Lock()
				defer mu.Unlock()
				if mismatch == nil {
					mismatch = err
					_, recErr = r.w.Append("oob.mismatch", n, remote.ID, oobData{Input: q.Input, SHA256: d.Hex,
						Remote: remote.ID, ReadBack: strings.Join(strings.Fields(readBack), " "), At: at + 1})
					cancel()
				}
			}
			return at, err
		}}
	err = r.env.UI.Compare(cctx, cmp)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case recErr != nil:
		return false, &recordError{recErr}
	case mismatch != nil:
		r.progress()
		return false, fmt.Errorf("%s read back a different hash of %s: %w", remote.Name, q.Input, mismatch)
	case err != nil:
		return false, err
	}
	_, err = r.append("oob.confirmed", n, remote.ID, oobData{Input: q.Input, SHA256: d.Hex, Remote: remote.ID})
	return err == nil, err
}

// remote is who reads back: the step's witness in that role when there is
// one, otherwise someone holding it.
func (r *Runner) remote(ctx context.Context, step, role string) (Participant, error) {
	for _, w := range r.witnesses {
		if slices.Contains(w.Roles, role) {
			return w, nil
		}
	}
	return r.pick(ctx, step, role, "reading back as", []Participant{*r.actor})
}

func (r *Runner) inputTitle(name string) string {
	for _, in := range r.plan.Inputs {
		if in.Name == name && in.Title != "" {
			return in.Title + " (" + name + ")"
		}
	}
	return name
}
