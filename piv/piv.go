// Package piv uses YubiKeys through their PIV application: signing with a
// slot key, ECDH with the key-management slot (for share envelopes), key
// generation on the device with PIN and touch policies, and attestation
// that a key was generated on a genuine YubiKey.
//
// The ceremony logic works on Card, a narrow interface. The YubiKey
// implementation (Open, Cards) needs PC/SC and is built only with the build
// tag `piv` (it needs libpcsclite-dev on Linux); the logic here, and the
// software card in pivtest, build and test without it.
//
// Attestation: the slot's attestation certificate must chain, through the
// device's attestation certificate (slot f9), to one of the Yubico roots
// embedded in this package (roots/roots.pem, roots/intermediates.pem, as
// published at https://developers.yubico.com/PKI/): the PIV Root CA Serial
// 263751 and U2F Root CA Serial 457200631 for older devices, and Yubico
// Attestation Root 1 with its intermediates for firmware 5.7.4 and later.
package piv

import (
	"crypto"
	"crypto/ecdh"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/ceremony-dev/ceremony/sigcheck"
)

// Slot is a PIV key slot.
type Slot uint32

const (
	SlotAuthentication     Slot = 0x9a
	SlotSignature          Slot = 0x9c
	SlotKeyManagement      Slot = 0x9d
	SlotCardAuthentication Slot = 0x9e
)

func (s Slot) String() string { return fmt.Sprintf("%02x", uint32(s)) }

// Algorithms a slot key may have, spelled as in ceremony scripts.
const (
	ECDSAP256 = "ecdsa-p256"
	ECDSAP384 = "ecdsa-p384"
	Ed25519   = "ed25519"
	RSA2048   = "rsa-2048"
)

// PIN and touch policies, as the attestation reports them.
const (
	PINNever, PINOnce, PINAlways         = "never", "once", "always"
	TouchNever, TouchAlways, TouchCached = "never", "always", "cached"
)

// Policy is a key's PIN and touch policy.
type Policy struct{ PIN, Touch string }

// Card is what a ceremony needs from a PIV device.
type Card interface {
	Serial() (uint32, error)
	Firmware() string // "5.7.4"
	// PINRetries is how many PIN attempts are left before the PIN locks,
	// or PINVerified when the PIN was verified in this session (a card
	// then answers the empty VERIFY with success, not with a count).
	PINRetries() (int, error)
	// AttestationCertificate is the device certificate in slot f9.
	AttestationCertificate() (*x509.Certificate, error)
	// Attest has the device certify the key in slot.
	Attest(slot Slot) (*x509.Certificate, error)
	// Generate makes a key pair on the device, replacing what the slot held.
	Generate(managementKey []byte, slot Slot, alg string, p Policy) (crypto.PublicKey, error)
	// ImportKey writes a key made off the card into the slot (an escrowed
	// key-management key).
	ImportKey(managementKey []byte, slot Slot, priv crypto.PrivateKey, p Policy) error
	// PrivateKey returns the slot key: a crypto.Signer, and for the
	// key-management slot with an EC key also an ECDH interface.
	PrivateKey(slot Slot, pub crypto.PublicKey, pin []byte) (crypto.PrivateKey, error)
	// SetCertificate writes cert into the slot's certificate object.
	SetCertificate(managementKey []byte, slot Slot, cert *x509.Certificate) error
	// PutObjects writes data objects (ObjectCHUID, ObjectCCC) whole.
	PutObjects(managementKey []byte, objects map[uint32][]byte) error
	// ChangePIN and ChangePUK replace a PIN or PUK; a wrong old one costs a
	// try on the card, and once none is left the error wraps ErrBlocked.
	ChangePIN(old, new []byte) error
	ChangePUK(old, new []byte) error
	// SetManagementKey replaces the management key and stores the new one
	// on the card, readable only after the PIN (YubiKey's PIN-protected
	// management key), so that it never needs to exist anywhere else.
	SetManagementKey(old, new, pin []byte) error
	// ManagementKey reads the PIN-protected management key.
	ManagementKey(pin []byte) ([]byte, error)
	Close() error
}

// Factory defaults of a YubiKey's PIV application.
var (
	DefaultPIN           = []byte("123456")
	DefaultPUK           = []byte("12345678")
	DefaultManagementKey = []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}
)

// ECDHKey is a device key that agrees on shared secrets.
type ECDHKey interface {
	ECDH(peer *ecdh.PublicKey) ([]byte, error)
}

// PINVerified is what PINRetries reports for a PIN verified in this
// session: its counter is full, so it is not at its final try.
const PINVerified = -1

// Errors a caller may test for.
var (
	ErrAttestation = errors.New("piv: attestation does not verify")
	ErrPINFinalTry = errors.New("piv: pin is at its final try")
	ErrBlocked     = errors.New("piv: blocked: no tries are left")
)

// PINStateError refuses a PIN attempt at the final try; like the hsm
// package's, it needs an explicit, recorded override.
type PINStateError struct{ Retries int }

func (e *PINStateError) Error() string {
	if e.Retries == 0 {
		return "piv: pin is blocked"
	}
	return ErrPINFinalTry.Error() + "; a wrong pin now blocks it"
}

func (e *PINStateError) Is(target error) bool { return target == ErrPINFinalTry }

// NeedsOverride marks the error as one only a recorded decision may pass.
func (e *PINStateError) NeedsOverride() bool { return true }

// checkPIN refuses to spend the last PIN attempt without an override, and
// returns the tries left (or PINVerified).
func checkPIN(c Card, allowFinalTry bool) (int, error) {
	n, err := c.PINRetries()
	if err != nil {
		return 0, fmt.Errorf("piv: pin retries: %w", err)
	}
	if n == PINVerified {
		return n, nil
	}
	if n == 0 || (n == 1 && !allowFinalTry) {
		return n, &PINStateError{Retries: n}
	}
	return n, nil
}

// WrongPINError is a PIN the card refused; it counted the try.
type WrongPINError struct{ Retries int }

func (e *WrongPINError) Error() string {
	switch e.Retries {
	case 0:
		return "piv: wrong pin: the pin is now blocked"
	case 1:
		return "piv: wrong pin: one try is left, and a wrong pin then blocks the card"
	}
	return fmt.Sprintf("piv: wrong pin: %d tries are left", e.Retries)
}

// pinRefused tells a wrong PIN from other failures by the card's own
// counter, whatever words the card or its driver used.
func pinRefused(c Card, before int, err error) error {
	after, rerr := c.PINRetries()
	if rerr == nil && before != PINVerified && after != PINVerified && after < before {
		return &WrongPINError{Retries: after}
	}
	return err
}

// Signer returns the slot key as a crypto.Signer whose every signature is
// verified against the public key before it is returned. pub is the key's
// public half, from generation or from its attestation.
func Signer(c Card, slot Slot, pub crypto.PublicKey, pin []byte, allowFinalTry bool) (crypto.Signer, error) {
	if _, err := checkPIN(c, allowFinalTry); err != nil {
		return nil, err
	}
	priv, err := c.PrivateKey(slot, pub, pin)
	if err != nil {
		return nil, fmt.Errorf("piv: key in slot %s: %w", slot, err)
	}
	s, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("piv: key in slot %s cannot sign", slot)
	}
	return verifyingSigner{s, pub}, nil
}

type verifyingSigner struct {
	crypto.Signer
	pub crypto.PublicKey
}

func (v verifyingSigner) Public() crypto.PublicKey { return v.pub }

func (v verifyingSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := v.Signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	if err := sigcheck.Verify(v.pub, digest, sig, opts); err != nil {
		return nil, fmt.Errorf("piv: %w", err)
	}
	return sig, nil
}

// SharedSecret agrees on a secret with peer using the key-management slot
// (9d), as share envelopes do.
func SharedSecret(c Card, pub crypto.PublicKey, pin []byte, peer *ecdh.PublicKey, allowFinalTry bool) ([]byte, error) {
	before, err := checkPIN(c, allowFinalTry)
	if err != nil {
		return nil, err
	}
	priv, err := c.PrivateKey(SlotKeyManagement, pub, pin)
	if err != nil {
		return nil, pinRefused(c, before, fmt.Errorf("piv: key-management key: %w", err))
	}
	k, ok := priv.(ECDHKey)
	if !ok {
		return nil, fmt.Errorf("piv: key-management key %T does not do ecdh", priv)
	}
	secret, err := k.ECDH(peer)
	if err != nil {
		return nil, pinRefused(c, before, err)
	}
	return secret, nil
}
