package hsm

import (
	"errors"
	"fmt"
)

// Errors a caller may test for with errors.Is.
var (
	ErrClosed          = errors.New("hsm: session is closed")
	ErrNotLoggedIn     = errors.New("hsm: not logged in")
	ErrPINIncorrect    = errors.New("hsm: pin incorrect")
	ErrKeyExists       = errors.New("hsm: an object with this label already exists")
	ErrKeyNotFound     = errors.New("hsm: no key with this label or id")
	ErrAmbiguousKey    = errors.New("hsm: several keys match")
	ErrTokenNotFound   = errors.New("hsm: no token matches")
	ErrAmbiguousToken  = errors.New("hsm: several tokens match")
	ErrNotInitialized  = errors.New("hsm: token is not initialised")
	ErrInitialized     = errors.New("hsm: token is already initialised")
	ErrUnsupportedKind = errors.New("hsm: unsupported key kind")
	ErrSecretTooShort  = errors.New("hsm: secret too short for the token's minimum pin length")
)

// PINState is what a token says about its remaining PIN attempts.
type PINState int

const (
	PINOK PINState = iota
	PINCountLow
	PINFinalTry
	PINLocked
)

func (s PINState) String() string {
	switch s {
	case PINCountLow:
		return "count_low"
	case PINFinalTry:
		return "final_try"
	case PINLocked:
		return "locked"
	}
	return "ok"
}

// PINStateError is returned when a login was refused, before any attempt,
// because the next wrong PIN would lock the token or it is locked already.
// Trying anyway is an operator's decision that the ceremony must record, so
// it implements NeedsOverride.
type PINStateError struct {
	User  string // "user" or "so"
	State PINState
}

func (e *PINStateError) Error() string {
	if e.State == PINLocked {
		return fmt.Sprintf("hsm: %s pin is locked", e.User)
	}
	return fmt.Sprintf("hsm: %s pin is at its final try; a wrong pin now locks the token", e.User)
}

// NeedsOverride reports that only an explicit, recorded decision may lead to
// another login attempt.
func (e *PINStateError) NeedsOverride() bool { return true }

// LoginError is a failed login attempt; State is what the token reported
// afterwards, so the operator learns how many attempts are left. It does
// not ask for an override: retrying the same secret would only spend
// another attempt, and the next Login is refused by the final-try check
// before it reaches the token.
type LoginError struct {
	State PINState
	Err   error
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("%v (pin state now %s)", e.Err, e.State)
}

func (e *LoginError) Unwrap() error { return e.Err }
