package runner

import (
	"context"
	"fmt"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
)

// Do carries out one primitive a step's function calls, or replays its
// recorded result; it makes the Runner the scripts.Host of every step.
func (r *Runner) Do(ctx context.Context, _ *scripts.Step, req steps.Request) (any, error) {
	switch q := req.(type) {
	case steps.Confirm:
		return nil, r.confirm(ctx, q)
	case steps.Record:
		return r.record(ctx, q)
	case steps.Checklist:
		return nil, r.checklist(ctx, q)
	case steps.Clock:
		return r.clock(ctx)
	case steps.Machine:
		return r.machine()
	case steps.VerifyOOB:
		return r.verifyOOB(ctx, q)
	case steps.SplitSecret:
		return nil, r.splitSecret(ctx, q)
	case steps.CollectShares:
		return nil, r.collectShares(ctx, q)
	case steps.Activate:
		return nil, r.activatePrimitive(ctx, q)
	case steps.InitToken:
		return nil, r.initToken(ctx, q)
	case steps.GenerateKey:
		return r.generateKey(ctx, q)
	case steps.Sign:
		return r.sign(ctx, q)
	case steps.Artifact:
		return r.artifact(q)
	case steps.Exception:
		return nil, r.scriptException(ctx, q)
	case steps.Signoff:
		return nil, r.signoff(ctx)
	}
	return nil, fmt.Errorf("primitive %s is not known to this runner", req.Primitive())
}
