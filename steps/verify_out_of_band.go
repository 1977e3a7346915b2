package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ceremony-dev/ceremony/room"
)

// Events of an out-of-band comparison. What the remote party read back is a
// hash, never a secret, so a mismatch keeps it as evidence.
const (
	EvOOBConfirmed = "oob.confirmed"
	EvOOBMismatch  = "oob.mismatch"
)

// VerifyOOB: the SHA-256 of an input is read by a remote party from their
// own copy and compared. It is blind unless the script says otherwise: the
// hash stays off the screen until the read-back is typed, so that the one
// typing cannot copy what they should be hearing. blind = false is for a
// remote party who has no copy and hears the hash from the room.
// Lua: verify_out_of_band { input "ksr", with = "ZSKO" } -> true
type VerifyOOB struct {
	At
	Input string // declared input name
	With  string // role id of the party reading it back
	Blind bool
}

func init() {
	register(Primitive{Name: "verify_out_of_band", Parse: func(a Args, at At) (Call, error) {
		v := VerifyOOB{At: at, Input: a.Input(""), With: a.String("with", true), Blind: a.Bool("blind", true)}
		if v.Input == "" {
			return nil, errors.New("name the input first, as in verify_out_of_band { input \"ksr\", with = \"ZSKO\" }")
		}
		return v, nil
	}})
}

func (v VerifyOOB) Placeholder() any { return true }
func (v VerifyOOB) Brief() string    { return v.brief(v.Input + " with " + v.With) }

func (v VerifyOOB) Paper() string {
	if v.Blind {
		return fmt.Sprintf("%s reads the SHA-256 of input %s from their own copy; the hash is typed in unseen and the tool compares", v.With, v.Input)
	}
	return fmt.Sprintf("Read the SHA-256 of input %s to %s, who reads it back; the tool compares", v.Input, v.With)
}

func (v VerifyOOB) Lint(l Linter) {
	l.Input(v.Input)
	l.Role(v.With, "verify_out_of_band with")
}

// oobData is the data of oob.confirmed and oob.mismatch.
type oobData struct {
	Input    string `json:"input"`
	SHA256   string `json:"sha256"`
	Remote   string `json:"remote"`
	ReadBack string `json:"read_back,omitempty"`
	At       int    `json:"first_difference,omitempty"` // 1-based
}

// Run has the remote party read the input's hash and compares in the tool.
// The first well-formed read-back that differs is recorded, shown beside the
// hash with the difference marked, and halts the step: a comparison is never
// retried silently until it passes, but the room's exception form offers a
// retry first.
func (v VerifyOOB) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(v.Name, Replay{Final: []string{EvOOBConfirmed}, Steps: []string{EvOOBMismatch},
		Void: "the comparison was interrupted and is made again"})
	if err != nil {
		return false, err
	}
	if rec.Found() {
		var d oobData
		if err := rec.Decode(&d); err != nil {
			return false, err
		}
		h.Session().confirmed[v.Input] = d.SHA256
		v.show(h, d.SHA256, d.Remote)
		return true, nil
	}
	content, err := h.Input(v.Input)
	if err != nil {
		return false, fmt.Errorf("input %s: %w", v.Input, err)
	}
	d := DigestOf(content)
	remote, err := v.remote(ctx, h)
	if err != nil {
		return false, err
	}
	var (
		mu       sync.Mutex
		mismatch error
		recErr   error
	)
	cmp := room.Comparison{Label: h.InputTitle(v.Input), Hex: d.Hex, Words: d.Words, Remote: remote, Blind: v.Blind,
		Check: func(readBack string) (int, error) {
			at, err := d.Compare(readBack)
			var mm *MismatchError
			if errors.As(err, &mm) {
				mu.Lock()
				defer mu.Unlock()
				if mismatch == nil {
					mismatch = err
					recErr = h.Append(EvOOBMismatch, remote.ID, oobData{Input: v.Input, SHA256: d.Hex,
						Remote: remote.ID, ReadBack: strings.Join(strings.Fields(readBack), " "), At: at + 1})
				}
			}
			return at, err
		}}
	err = h.Prompts().Compare(ctx, cmp)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case recErr != nil:
		return false, recErr
	case mismatch != nil:
		return false, fmt.Errorf("%s read back a different hash of %s: %w", remote.Name, v.Input, mismatch)
	case err != nil:
		return false, err
	}
	if err := h.Append(EvOOBConfirmed, remote.ID, oobData{Input: v.Input, SHA256: d.Hex, Remote: remote.ID}); err != nil {
		return false, err
	}
	h.Session().confirmed[v.Input] = d.Hex
	v.show(h, d.Hex, remote.ID)
	return true, nil
}

func (v VerifyOOB) show(h Host, hex, remote string) {
	who := remote
	if p, ok := participant(h, remote); ok {
		who = p.Name
	}
	h.Show("SHA-256 of "+h.InputTitle(v.Input)+", read back by "+who, hex)
}

// remote is who reads back: the step's witness in that role when there is
// one, otherwise someone holding it other than the actor.
func (v VerifyOOB) remote(ctx context.Context, h Host) (room.Participant, error) {
	for _, w := range h.Witnesses() {
		if slices.Contains(w.Roles, v.With) {
			return w, nil
		}
	}
	return h.Pick(ctx, v.With, "reading back as", []room.Participant{h.Actor()})
}
