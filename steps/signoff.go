package steps

import (
	"context"
	"fmt"
)

// Events of the sign-off: each participant, then everyone.
const (
	EvSignoffParticipant = "signoff.participant"
	EvSignoffDone        = "signoff.done"
)

// Signoff: every participant signs off at the end. Lua: signoff {}
type Signoff struct{ At }

func init() {
	register(Primitive{Name: "signoff", Parse: func(_ Args, at At) (Call, error) { return Signoff{At: at}, nil }})
}

func (s Signoff) Placeholder() any { return nil }
func (s Signoff) Brief() string    { return s.brief("") }
func (s Signoff) Paper() string    { return "Every participant signs off (sign-off page)" }
func (s Signoff) Lint(Linter)      {}

func (s Signoff) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(s.Name, Replay{Final: []string{EvSignoffDone}, Steps: []string{EvSignoffParticipant},
		Void: "the sign-off was interrupted; everyone signs off again"})
	if err != nil || rec.Found() {
		return nil, err
	}
	text := fmt.Sprintf("I took part in %q and the transcript records what happened in the room.", h.Ceremony())
	for _, p := range h.Roster() {
		if err := confirmBy(ctx, h, text, p, nil); err != nil {
			return nil, err
		}
		d := map[string]string{"participant": p.ID}
		if p.Remote {
			// Given by phone: the record says who typed it.
			d["by_phone_typed_by"] = h.Actor().ID
		}
		if err := h.Append(EvSignoffParticipant, p.ID, d); err != nil {
			return nil, err
		}
	}
	return nil, h.Append(EvSignoffDone, "", map[string]any{"participants": IDs(h.Roster())})
}
