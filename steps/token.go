package steps

import (
	"context"
	"crypto"
	"errors"
	"fmt"
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

// tokenKey finds a key on the active token by label. A key this ceremony
// generated must still be the key it recorded: a token swapped or
// re-keyed between steps is caught before anything is signed.
func tokenKey(ctx context.Context, h Host, label string) (crypto.Signer, error) {
	tok, err := ensureActive(ctx, h)
	if err != nil {
		return nil, err
	}
	key, err := tok.FindKey(label)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", label, err)
	}
	if rec, ok := h.Session().keys[label]; ok {
		if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(rec) {
			return nil, fmt.Errorf("key %q on the token is not the key this ceremony generated", label)
		}
	}
	return key, nil
}
