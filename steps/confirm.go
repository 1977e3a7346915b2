package steps

import "context"

// EvConfirmed records that the actor and witnesses confirmed a text.
const EvConfirmed = "confirm.done"

// Confirm: the actor confirms they did what the text says; witnesses confirm
// with their initials. Lua: confirm { "text" }
type Confirm struct {
	At
	Text string `bind:"free"`
}

func init() {
	register(Primitive{Name: "confirm", Parse: func(a Args, at At) (Call, error) {
		return Confirm{At: at, Text: a.Text(1, true)}, nil
	}})
}

func (c Confirm) Placeholder() any { return nil }
func (c Confirm) Brief() string    { return c.brief(c.Text) }
func (c Confirm) Paper() string    { return "Confirm: " + c.Text }
func (c Confirm) Lint(Linter)      {}

func (c Confirm) Run(ctx context.Context, h Host) (any, error) {
	_, err := once(h, c, EvConfirmed, func() (map[string]string, error) {
		return map[string]string{"text": c.Text}, confirmStep(ctx, h, c.Text)
	})
	return nil, err
}
