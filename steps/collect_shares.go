package steps

import (
	"context"
	"fmt"
)

// CollectShares: holders enter shares of a set; the combined secret is
// checked against the set's commitment and held for the next primitive that
// needs it. Lua: collect_shares { set = "hsm-user" }
type CollectShares struct {
	At
	Set string
}

func init() {
	register(Primitive{Name: "collect_shares", Parse: func(a Args, at At) (Call, error) {
		return CollectShares{At: at, Set: a.String("set", true)}, nil
	}})
}

func (c CollectShares) Placeholder() any { return nil }
func (c CollectShares) Brief() string    { return c.brief(c.Set) }
func (c CollectShares) Paper() string {
	return fmt.Sprintf("Holders of share set %s enter their shares", c.Set)
}
func (c CollectShares) Lint(l Linter) { l.UseSet(c.Set) }

// Run collects the secret and holds it. After a crash it is gone, and the
// primitive that needs it collects again.
func (c CollectShares) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(c.Name, Replay{Final: []string{EvSharesCombined}, Steps: shareSteps,
		Void: "the shares entered before the interruption were not kept; they are entered again"})
	if err != nil || rec.Found() {
		return nil, err
	}
	secret, err := collect(ctx, h, c.Set)
	if err != nil {
		return nil, err
	}
	st := h.Session().sets[c.Set]
	clear(st.secret)
	st.secret = secret
	return nil, nil
}
