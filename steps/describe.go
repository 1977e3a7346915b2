package steps

import "fmt"

// Describe says in a few words what a call of a primitive will do, for the
// room's screen and the paper script: "verify_out_of_band: ksr with ZSKO".
func Describe(r Request) string {
	var what string
	switch q := r.(type) {
	case Confirm:
		what = q.Text
	case Record:
		what = q.Label
	case Checklist:
		what = fmt.Sprintf("%s (%d items)", q.Title, len(q.Items))
	case VerifyOOB:
		what = q.Input + " with " + q.With
	case SplitSecret:
		what = fmt.Sprintf("%s %d-of-%d to %s", q.Set, q.M, q.N, q.Holders)
	case CollectShares:
		what = q.Set
	case Activate:
		what = q.Shares
	case InitToken:
		what = "SO " + q.SOSet + ", user " + q.UserSet
	case GenerateKey:
		what = q.Label + " (" + q.Type + ")"
	case Sign:
		what = q.Input + q.Artifact + " with " + q.Key + " into " + q.Out
	case Artifact:
		what = q.Name
	case Exception:
		what = q.Expected
	}
	if what == "" {
		return r.Primitive()
	}
	return r.Primitive() + ": " + what
}
