package steps

import (
	"context"
	"time"
)

// EvClock records the UTC time the room confirmed.
const EvClock = "clock.confirmed"

// Clock: participants confirm the UTC time shown. Lua: clock {} -> RFC 3339 string
type Clock struct{ At }

func init() {
	register(Primitive{Name: "clock", Parse: func(_ Args, at At) (Call, error) { return Clock{At: at}, nil }})
}

func (c Clock) Placeholder() any { return "{UTC time}" }
func (c Clock) Brief() string    { return c.brief("") }
func (c Clock) Paper() string    { return "Confirm the UTC time shown: ____________" }
func (c Clock) Lint(Linter)      {}

func (c Clock) Run(ctx context.Context, h Host) (any, error) {
	v, err := once(h, c, EvClock, func() (map[string]string, error) {
		now := h.Now().UTC().Truncate(time.Second)
		text := "The UTC time is " + now.Format(time.RFC3339) + ". Confirm that the room's clocks and the camera agree."
		return map[string]string{"time": now.Format(time.RFC3339)}, confirmStep(ctx, h, text)
	})
	return v["time"], err
}
