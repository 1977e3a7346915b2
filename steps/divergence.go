package steps

import (
	"errors"
	"fmt"
)

// ErrDiverged marks a recorded run that is not what the script makes of its
// recorded results: another script, or a transcript edited by hand.
var ErrDiverged = errors.New("the transcript does not follow the script")

// DivergenceError names the first line of a transcript that the script does
// not produce, and why. errors.Is(err, ErrDiverged) holds for it.
type DivergenceError struct {
	Line   uint64 // 1-based line of transcript.jsonl; 0 when the transcript ends too soon
	Step   string // the step the script was in
	Reason string
}

func (e *DivergenceError) Error() string {
	where := "the end of the transcript"
	if e.Line > 0 {
		where = fmt.Sprintf("line %d", e.Line)
	}
	if e.Step != "" {
		where += " (step " + e.Step + ")"
	}
	return fmt.Sprintf("%s: %s: %s", where, ErrDiverged, e.Reason)
}

func (e *DivergenceError) Unwrap() error { return ErrDiverged }

// diverged is the DivergenceError of a recorded result that the script's
// own call contradicts.
func diverged(h Host, rec Recorded, format string, a ...any) error {
	return &DivergenceError{Line: rec.Seq + 1, Step: h.Step(), Reason: fmt.Sprintf(format, a...)}
}
