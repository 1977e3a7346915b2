package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/transcript"
)

// Host is what a primitive runs against: the runner, in a live or resumed
// run. It is the step, the record, the room and the world, in that order.
type Host interface {
	// Step is the running step's number and StepRole its acting role; Actor
	// and Witnesses are who act and watch it.
	Step() string
	StepRole() string
	Actor() room.Participant
	Witnesses() []room.Participant

	// Replay finds the recorded result of the running primitive (named for
	// the record) as r describes it. When there is none, the primitive runs
	// live, and what an interrupted first run left is declared void.
	Replay(primitive string, r Replay) (Recorded, error)
	// Append records an event of the running step by actor ("" for the
	// step's actor). It may be called from a prompt's callback.
	Append(typ, actor string, data any) error
	// SaveArtifact saves and records an output file of the running step.
	SaveArtifact(name string, content []byte) error
	ReadArtifact(name string) ([]byte, error)
	// Leftover is an artifact a resumed run finds saved by the interrupted
	// one, which did not record its result; FreshName is the first free name
	// beside a torn leftover, which is never overwritten.
	Leftover(name string) ([]byte, bool)
	FreshName(name string) string
	// Resumed reports a resumed run: live primitives may meet what the
	// interrupted run left on a token.
	Resumed() bool

	// Prompts puts questions to the room.
	Prompts() room.Prompts
	// Show adds a fact the step produced to what its actor and witnesses
	// are shown when they confirm the step.
	Show(label, value string)
	// View is the running step as shown, its instruction replaced by text.
	View(text string) room.StepView
	// Pick asks which participant holding role, not among taken, does what
	// as says ("reading back as").
	Pick(ctx context.Context, role, as string, taken []room.Participant) (room.Participant, error)
	Roster() []room.Participant
	// Ceremony is the ceremony's name.
	Ceremony() string

	// Input is a declared input's bytes as read at the start; InputTitle how
	// the script calls it.
	Input(name string) ([]byte, error)
	InputTitle(name string) string
	// Match reports whether value matches a script's pattern.
	Match(pattern, value string) (bool, error)
	Now() time.Time
	Machine() map[string]string
	// Session holds the token and the share sets of the run.
	Session() *Session
}

// Replay says how a primitive's result appears in the transcript.
type Replay struct {
	// Final are the event types that carry the result.
	Final []string
	// Steps are the event types recorded on the way to it.
	Steps []string
	// Void says why an interrupted first run is void and the primitive runs
	// again from its start.
	Void string
}

// Recorded is what Replay found.
type Recorded struct {
	Type string // the final event's type; "" when the primitive runs live
	Seq  uint64 // the final event's seq
	Data json.RawMessage
	// Steps are the types of the events recorded before the final one.
	Steps []string
	// Interrupted is set, live, when an interrupted first run was voided:
	// Voided are its events, and the event at VoidSeq records them void.
	Interrupted bool
	Voided      []transcript.Event
	VoidSeq     uint64
}

// Found reports a recorded result.
func (r Recorded) Found() bool { return r.Type != "" }

// Decode reads the recorded result's data.
func (r Recorded) Decode(v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("recorded %s: %w", r.Type, err)
	}
	return nil
}

// once does one recorded thing whose result is one event of type typ: in
// replay it decodes the recorded result; live it runs do and records it.
func once[T any](h Host, c Call, typ string, do func() (T, error)) (T, error) {
	var v T
	rec, err := h.Replay(c.Loc().Name, Replay{Final: []string{typ}, Void: "interrupted before its result was recorded"})
	if err != nil {
		return v, err
	}
	if rec.Found() {
		return v, rec.Decode(&v)
	}
	if v, err = do(); err != nil {
		return v, err
	}
	return v, h.Append(typ, "", v)
}

// replaySigned finds the recorded result of a primitive that signs with a
// token key and saves what it made: the events of activating the token and
// of saving artifacts come before its final event of type final (and the
// extra ones the primitive records on the way). Found, the result is
// decoded into v and the activation it relied on accounted for; live, what
// an interrupted first run left is void for the reason void gives.
func replaySigned(h Host, c Call, final, void string, v any, extra ...string) (Recorded, error) {
	steps := append(append(append([]string{}, activationSteps...), EvLogin, transcript.TypeArtifact, EvArtifactRecovered), extra...)
	rec, err := h.Replay(c.Loc().Name, Replay{Final: []string{final}, Steps: steps, Void: void})
	if err != nil || !rec.Found() {
		return rec, err
	}
	if err := rec.Decode(v); err != nil {
		return rec, err
	}
	return rec, h.Session().replayedUse(h, rec)
}

// confirmBy asks actor, then each witness, to confirm text.
func confirmBy(ctx context.Context, h Host, text string, actor room.Participant, witnesses []room.Participant) error {
	return h.Prompts().Confirm(ctx, room.Confirmation{Step: h.View(text), Actor: actor, Witnesses: witnesses,
		Keyboard: h.Actor(), CheckInitials: room.CheckInitials})
}

// confirmStep asks the step's actor and witnesses to confirm text.
func confirmStep(ctx context.Context, h Host, text string) error {
	return confirmBy(ctx, h, text, h.Actor(), h.Witnesses())
}

// holders lists the roster's participants holding role, in roster order.
func holders(h Host, role string) []room.Participant {
	var out []room.Participant
	for _, p := range h.Roster() {
		if slices.Contains(p.Roles, role) {
			out = append(out, p)
		}
	}
	return out
}

func participant(h Host, id string) (room.Participant, bool) {
	for _, p := range h.Roster() {
		if p.ID == id {
			return p, true
		}
	}
	return room.Participant{}, false
}

// PickFrom asks the room to pick one of cands; with one there is nothing to
// ask. The runner picks the people of a step the same way.
func PickFrom(ctx context.Context, ui room.Prompts, title string, cands []room.Participant) (room.Participant, error) {
	switch len(cands) {
	case 0:
		return room.Participant{}, fmt.Errorf("%s: no one is left to ask", title)
	case 1:
		return cands[0], nil
	}
	opts := make([]string, len(cands))
	for i, p := range cands {
		opts[i] = p.Name + " (" + p.ID + ")"
	}
	i, err := ui.Choose(ctx, room.Choice{Title: title, Options: opts})
	if err != nil {
		return room.Participant{}, err
	}
	if i < 0 || i >= len(cands) {
		return room.Participant{}, fmt.Errorf("choice %d is not on the list", i)
	}
	return cands[i], nil
}

// IDs are the roster ids of ps, as events name people.
func IDs(ps []room.Participant) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func without(ps []room.Participant, id string) []room.Participant {
	return slices.DeleteFunc(slices.Clone(ps), func(p room.Participant) bool { return p.ID == id })
}
