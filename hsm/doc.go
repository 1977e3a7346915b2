// Package hsm puts the ceremony's keys on tokens: PKCS #11 modules (through
// github.com/miekg/pkcs11) and the embedded software token used for demos
// and rehearsals.
//
// Both kinds satisfy steps.Token, the interface the ceremony's primitives
// consume (this package does not import it; its tests hold it). A token
// is opened once, logged into with the activation secret, and closed on
// every path; every method after Close returns ErrClosed.
//
// # From secret to PIN
//
// Activation secrets are bytes (combined from Shamir shares). EncodePIN is
// the only way they become a PIN: lowercase hex, cut to the token's maximum
// PIN length. Initialising a token and logging in to it use the same
// encoding, so the secret split at initialisation opens the token later.
//
// # Lockout
//
// Before each login the token's PIN flags are read. At the final try, or
// when locked, no attempt is made and a *PINStateError is returned; its
// NeedsOverride method tells the runner that only an explicit, recorded
// decision may lead to another attempt (Login with allowFinalTry).
//
// # Keys
//
// Keys are generated on the token with CKA_TOKEN, CKA_PRIVATE,
// CKA_SENSITIVE and not CKA_EXTRACTABLE, a label that must not exist yet,
// and a random CKA_ID drawn from the token. A key is a *Key, a
// crypto.Signer whose every signature is verified in software against the
// public key before it is returned.
//
// # Concurrency
//
// A PKCS #11 session handles one operation at a time; Session and SoftToken
// serialise their methods with a mutex, so they may be shared between
// goroutines.
package hsm
