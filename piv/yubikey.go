//go:build piv

package piv

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// Cards lists the smart-card readers PC/SC sees.
func Cards() ([]string, error) { return pivgo.Cards() }

// Open opens the YubiKey in the named reader.
func Open(card string) (Card, error) {
	yk, err := pivgo.Open(card)
	if err != nil {
		return nil, fmt.Errorf("piv: open %q: %w", card, err)
	}
	return &yubiKey{yk: yk, reader: card}, nil
}

type yubiKey struct {
	yk     *pivgo.YubiKey
	reader string
}

// PutObjects closes piv-go's exclusive connection, writes the objects over
// one of its own, and opens piv-go's again: what was verified on the card
// (the PIN) is forgotten.
func (y *yubiKey) PutObjects(managementKey []byte, objects map[uint32][]byte) error {
	y.yk.Close()
	err := putObjects(y.reader, managementKey, objects)
	yk, oerr := pivgo.Open(y.reader)
	if oerr != nil {
		return fmt.Errorf("piv: reopening %q: %w", y.reader, oerr)
	}
	y.yk = yk
	return err
}

func (y *yubiKey) Serial() (uint32, error) { return y.yk.Serial() }

func (y *yubiKey) Firmware() string {
	v := y.yk.Version()
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

func (y *yubiKey) PINRetries() (int, error) {
	n, err := y.yk.Retries()
	if err != nil && strings.Contains(err.Error(), "expected error code from empty pin") {
		// piv-go's words for a card that answered the empty VERIFY with
		// success: the PIN is verified in this session.
		return PINVerified, nil
	}
	return n, err
}

func (y *yubiKey) AttestationCertificate() (*x509.Certificate, error) {
	return y.yk.AttestationCertificate()
}

func pivSlot(s Slot) (pivgo.Slot, error) {
	switch s {
	case SlotAuthentication:
		return pivgo.SlotAuthentication, nil
	case SlotSignature:
		return pivgo.SlotSignature, nil
	case SlotKeyManagement:
		return pivgo.SlotKeyManagement, nil
	case SlotCardAuthentication:
		return pivgo.SlotCardAuthentication, nil
	}
	if r, ok := pivgo.RetiredKeyManagementSlot(uint32(s)); ok {
		return r, nil
	}
	return pivgo.Slot{}, fmt.Errorf("piv: unknown slot %s", s)
}

func (y *yubiKey) Attest(slot Slot) (*x509.Certificate, error) {
	s, err := pivSlot(slot)
	if err != nil {
		return nil, err
	}
	return y.yk.Attest(s)
}

var (
	algorithms = map[string]pivgo.Algorithm{
		ECDSAP256: pivgo.AlgorithmEC256, ECDSAP384: pivgo.AlgorithmEC384,
		Ed25519: pivgo.AlgorithmEd25519, RSA2048: pivgo.AlgorithmRSA2048,
	}
	pinPolicy   = map[string]pivgo.PINPolicy{PINNever: pivgo.PINPolicyNever, PINOnce: pivgo.PINPolicyOnce, PINAlways: pivgo.PINPolicyAlways}
	touchPolicy = map[string]pivgo.TouchPolicy{TouchNever: pivgo.TouchPolicyNever, TouchAlways: pivgo.TouchPolicyAlways, TouchCached: pivgo.TouchPolicyCached}
)

func (y *yubiKey) Generate(managementKey []byte, slot Slot, alg string, p Policy) (crypto.PublicKey, error) {
	s, key, err := pivKey(slot, p)
	if err != nil {
		return nil, err
	}
	a, ok := algorithms[alg]
	if !ok {
		return nil, fmt.Errorf("piv: unsupported algorithm %q", alg)
	}
	key.Algorithm = a
	return y.yk.GenerateKey(managementKey, s, key)
}

// ImportKey writes a key made off the card into slot (piv-go calls it
// insecure: the key existed outside the device, as an escrowed key must).
func (y *yubiKey) ImportKey(managementKey []byte, slot Slot, priv crypto.PrivateKey, p Policy) error {
	s, key, err := pivKey(slot, p)
	if err != nil {
		return err
	}
	return y.yk.SetPrivateKeyInsecure(managementKey, s, priv, key)
}

// pivKey is a slot and policy in piv-go's terms.
func pivKey(slot Slot, p Policy) (pivgo.Slot, pivgo.Key, error) {
	s, err := pivSlot(slot)
	if err != nil {
		return s, pivgo.Key{}, err
	}
	pp, ok := pinPolicy[p.PIN]
	if !ok {
		return s, pivgo.Key{}, fmt.Errorf("piv: unknown pin policy %q", p.PIN)
	}
	tp, ok := touchPolicy[p.Touch]
	if !ok {
		return s, pivgo.Key{}, fmt.Errorf("piv: unknown touch policy %q", p.Touch)
	}
	return s, pivgo.Key{PINPolicy: pp, TouchPolicy: tp}, nil
}

// PrivateKey hands the PIN to piv-go, which needs it as a string; the
// device checks it and counts failures.
func (y *yubiKey) PrivateKey(slot Slot, pub crypto.PublicKey, pin []byte) (crypto.PrivateKey, error) {
	s, err := pivSlot(slot)
	if err != nil {
		return nil, err
	}
	return y.yk.PrivateKey(s, pub, pivgo.KeyAuth{PIN: string(pin)})
}

func (y *yubiKey) SetCertificate(managementKey []byte, slot Slot, cert *x509.Certificate) error {
	s, err := pivSlot(slot)
	if err != nil {
		return err
	}
	return y.yk.SetCertificate(managementKey, s, cert)
}

// piv-go takes PINs and PUKs as strings; the device checks and counts them.
func (y *yubiKey) ChangePIN(old, new []byte) error {
	return blocked(y.yk.SetPIN(string(old), string(new)))
}

func (y *yubiKey) ChangePUK(old, new []byte) error {
	return blocked(y.yk.SetPUK(string(old), string(new)))
}

// blocked marks a refusal that left no tries.
func blocked(err error) error {
	var a pivgo.AuthErr
	if errors.As(err, &a) && a.Retries == 0 {
		return fmt.Errorf("%w: %v", ErrBlocked, err)
	}
	return err
}

func (y *yubiKey) SetManagementKey(old, new, pin []byte) error {
	if err := y.yk.SetManagementKey(old, new); err != nil {
		return err
	}
	if err := y.yk.VerifyPIN(string(pin)); err != nil {
		return err
	}
	k := append([]byte(nil), new...)
	return y.yk.SetMetadata(new, &pivgo.Metadata{ManagementKey: &k})
}

func (y *yubiKey) ManagementKey(pin []byte) ([]byte, error) {
	m, err := y.yk.Metadata(string(pin))
	if err != nil {
		return nil, err
	}
	if m.ManagementKey == nil {
		return nil, errors.New("piv: the card holds no PIN-protected management key")
	}
	return *m.ManagementKey, nil
}

func (y *yubiKey) Close() error { return y.yk.Close() }
