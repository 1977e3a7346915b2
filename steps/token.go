package steps

import (
	"crypto"
	"errors"
)

// Token is what a step needs from a hardware or software token. The hsm
// package's sessions satisfy it; steps never import hsm, so a rehearsal token
// and a PKCS#11 token drive the same step code.
type Token interface {
	// Describe returns the token's identity and state for the transcript:
	// manufacturer, model, serial, firmware, flags, PIN limits and counters;
	// "rehearsal" is "true" for a token that only pretends.
	Describe() map[string]string
	// Login turns secret into the token's PIN by the hsm package's documented
	// encoding and logs in. It refuses a token whose PIN is on its final try
	// or locked unless allowFinalTry is set, with an error for which
	// NeedsOverride reports true.
	Login(secret []byte, allowFinalTry bool) error
	// GenerateKey generates a key pair on the token; it refuses a label that
	// already exists.
	GenerateKey(label, kind string) (crypto.Signer, error)
	FindKey(label string) (crypto.Signer, error)
	Random(n int) ([]byte, error)
	Close() error
}

// NeedsOverride reports whether err means the token must not be used without
// an explicit, recorded decision (a PIN on its final try, a locked token).
func NeedsOverride(err error) bool {
	var o interface{ NeedsOverride() bool }
	return errors.As(err, &o) && o.NeedsOverride()
}
