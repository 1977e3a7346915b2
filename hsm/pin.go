package hsm

import (
	"encoding/hex"
	"fmt"
)

// EncodePIN turns a secret into the PIN handed to the token. This is the one
// encoding of the package, so a PIN set in one ceremony is the PIN used in
// the next: the lowercase hexadecimal form of the secret, cut to the
// token's maximum PIN length. A 32-byte secret gives 64 characters; a token
// whose maximum is 32 gets the first 32 (128 bits of the secret). If the
// result would be shorter than the token's minimum, the secret is refused.
// Hex keeps the PIN within the printable ASCII every token accepts and lets
// an administrator derive it by hand in an emergency.
//
// The caller owns the returned slice and should zero it.
func EncodePIN(secret []byte, minLen, maxLen int) ([]byte, error) {
	n := 2 * len(secret)
	if maxLen > 0 && n > maxLen {
		n = maxLen
	}
	if n < minLen || n == 0 {
		return nil, fmt.Errorf("%w: %d pin characters from a %d-byte secret, token needs %d", ErrSecretTooShort, n, len(secret), minLen)
	}
	full := make([]byte, 2*len(secret))
	hex.Encode(full, secret)
	pin := make([]byte, n)
	copy(pin, full)
	clear(full)
	return pin, nil
}
