// Package pivtest is a software PIV card for tests: it generates keys,
// enforces its PIN with a retry counter, and attests keys under its own
// test CA, laid out as a YubiKey does (root, device certificate in f9,
// slot certificate with Yubico's extensions). Trust returns that CA, so
// attestation logic can be tested without a device.
package pivtest

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ceremony-dev/ceremony/piv"
)

// Defaults of a fresh card, as on a YubiKey out of the box.
var (
	DefaultPIN           = piv.DefaultPIN
	DefaultManagementKey = piv.DefaultManagementKey
)

// Card is the software card. Its fields may be changed by tests to make it
// misbehave.
type Card struct {
	mu       sync.Mutex
	serial   uint32
	firmware string
	retries  int
	pin, puk []byte
	pukTries int
	mgmt     []byte
	stored   []byte // the PIN-protected management key
	certs    map[piv.Slot]*x509.Certificate
	objects  map[uint32][]byte
	ca       *Authority
	keys     map[piv.Slot]slotKey
	// AttestSerial, when set, is the serial written into attestations
	// instead of the card's own.
	AttestSerial uint32
	// Persist, when set, is given the card's State after every change
	// (a PIN try counts), so that a rehearsal card outlives its process;
	// the change fails with its error.
	Persist func(state []byte) error
}

type slotKey struct {
	priv   crypto.Signer
	policy piv.Policy
	// imported keys are not attested: the card cannot vouch for a key it
	// did not make
	imported bool
}

// New returns a card with its own attestation CA.
func New(serial uint32, firmware string) *Card {
	return &Card{serial: serial, firmware: firmware, retries: 3, pukTries: 3, ca: NewAuthority(), keys: map[piv.Slot]slotKey{},
		pin: append([]byte(nil), piv.DefaultPIN...), puk: append([]byte(nil), piv.DefaultPUK...),
		mgmt: append([]byte(nil), piv.DefaultManagementKey...), certs: map[piv.Slot]*x509.Certificate{}, objects: map[uint32][]byte{}}
}

// Authority stands in for Yubico's attestation PKI: a root, and under it
// one device's attestation certificate (what a YubiKey holds in f9) with
// its key.
type Authority struct {
	Root, Device *x509.Certificate
	deviceKey    crypto.Signer
}

// NewAuthority makes a fresh root and device certificate.
func NewAuthority() *Authority {
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	root := mustCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "pivtest Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, rootKey.Public(), rootKey)
	devKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dev := mustCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Yubico PIV Attestation"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, root, devKey.Public(), rootKey)
	return &Authority{Root: root, Device: dev, deviceKey: devKey}
}

// Trust is the authority's root, standing in for Yubico's.
func (a *Authority) Trust() *piv.Trust {
	t := &piv.Trust{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	t.Roots.AddCert(a.Root)
	return t
}

// Attest certifies pub as generated in slot of a device with the given
// firmware ("5.7.1"), serial and policy, with Yubico's extensions, as a
// YubiKey's attestation key does.
func (a *Authority) Attest(slot piv.Slot, pub crypto.PublicKey, firmware string, serial uint32, p piv.Policy) *x509.Certificate {
	var maj, min, patch byte
	fmt.Sscanf(firmware, "%d.%d.%d", &maj, &min, &patch)
	serialDER, _ := asn1.Marshal(int64(serial))
	pin := map[string]byte{piv.PINNever: 1, piv.PINOnce: 2, piv.PINAlways: 3}[p.PIN]
	touch := map[string]byte{piv.TouchNever: 1, piv.TouchAlways: 2, piv.TouchCached: 3}[p.Touch]
	return mustCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "YubiKey PIV Attestation " + slot.String()},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}, Value: []byte{maj, min, patch}},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}, Value: serialDER},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}, Value: []byte{pin, touch}},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 9}, Value: []byte{3}},
		},
	}, a.Device, pub, a.deviceKey)
}

func mustCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// Trust is the card's own CA, standing in for Yubico's.
func (c *Card) Trust() *piv.Trust { return c.ca.Trust() }

func (c *Card) Serial() (uint32, error) { return c.serial, nil }
func (c *Card) Firmware() string        { return c.firmware }

func (c *Card) PINRetries() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.retries, nil
}

func (c *Card) AttestationCertificate() (*x509.Certificate, error) { return c.ca.Device, nil }

func (c *Card) Attest(slot piv.Slot) (*x509.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[slot]
	if !ok {
		return nil, fmt.Errorf("pivtest: slot %s is empty", slot)
	}
	if k.imported {
		return nil, fmt.Errorf("pivtest: the key in slot %s was imported: a card attests only keys it made", slot)
	}
	serial := c.serial
	if c.AttestSerial != 0 {
		serial = c.AttestSerial
	}
	return c.ca.Attest(slot, k.priv.Public(), c.firmware, serial, k.policy), nil
}

func (c *Card) Generate(managementKey []byte, slot piv.Slot, alg string, p piv.Policy) (_ crypto.PublicKey, err error) {
	if err := c.checkManagementKey(managementKey); err != nil {
		return nil, err
	}
	var priv crypto.Signer
	switch alg {
	case piv.ECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case piv.ECDSAP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case piv.Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case piv.RSA2048:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("pivtest: algorithm %q", alg)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	c.keys[slot] = slotKey{priv: priv, policy: p}
	return priv.Public(), nil
}

func (c *Card) ImportKey(managementKey []byte, slot piv.Slot, priv crypto.PrivateKey, p piv.Policy) (err error) {
	if err := c.checkManagementKey(managementKey); err != nil {
		return err
	}
	// The card keeps its own copy, as a device does: the caller wipes its.
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("pivtest: cannot import a %T", priv)
	}
	s, err := signer(der)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	c.keys[slot] = slotKey{priv: s, policy: p, imported: true}
	return nil
}

// PrivateKey checks the PIN as a card does: a wrong one costs a retry.
func (c *Card) PrivateKey(slot piv.Slot, pub crypto.PublicKey, pin []byte) (_ crypto.PrivateKey, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	k, ok := c.keys[slot]
	if !ok || !k.priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		return nil, fmt.Errorf("pivtest: no such key in slot %s", slot)
	}
	if k.policy.PIN != piv.PINNever {
		if c.retries == 0 {
			return nil, errors.New("pivtest: pin blocked")
		}
		if err := c.checkPIN(pin); err != nil {
			return nil, err
		}
	}
	if e, ok := k.priv.(*ecdsa.PrivateKey); ok {
		return ecdhKey{e}, nil
	}
	return k.priv, nil
}

// ecdhKey adds ECDH to an EC key, as a YubiKey's key-management key has.
type ecdhKey struct{ *ecdsa.PrivateKey }

func (k ecdhKey) ECDH(peer *ecdh.PublicKey) ([]byte, error) {
	e, err := k.PrivateKey.ECDH()
	if err != nil {
		return nil, err
	}
	return e.ECDH(peer)
}

func (c *Card) checkManagementKey(k []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if subtle.ConstantTimeCompare(k, c.mgmt) != 1 {
		return errors.New("pivtest: wrong management key")
	}
	return nil
}

// checkPIN counts a wrong PIN; the caller holds c.mu.
func (c *Card) checkPIN(pin []byte) error { return check("pin", &c.retries, c.pin, pin) }

// check compares an attempt with want, counting a failure against tries
// and filling them again on success, as a card's counter does.
func check(what string, tries *int, want, got []byte) error {
	if *tries == 0 {
		return fmt.Errorf("pivtest: %s: %w", what, piv.ErrBlocked)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		if *tries--; *tries == 0 {
			return fmt.Errorf("pivtest: wrong %s: %w", what, piv.ErrBlocked)
		}
		return fmt.Errorf("pivtest: wrong %s, %d retries left", what, *tries)
	}
	*tries = 3
	return nil
}

func (c *Card) SetCertificate(managementKey []byte, slot piv.Slot, cert *x509.Certificate) (err error) {
	if err := c.checkManagementKey(managementKey); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	c.certs[slot] = cert
	return nil
}

func (c *Card) PutObjects(managementKey []byte, objects map[uint32][]byte) (err error) {
	if err := c.checkManagementKey(managementKey); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	for tag, v := range objects {
		c.objects[tag] = append([]byte(nil), v...)
	}
	return nil
}

// Object is what a data object holds, for tests.
func (c *Card) Object(tag uint32) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.objects[tag]
}

// Certificate is what the slot's certificate object holds, for tests.
func (c *Card) Certificate(slot piv.Slot) *x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.certs[slot]
}

func (c *Card) ChangePIN(old, new []byte) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	if err := c.checkPIN(old); err != nil {
		return err
	}
	c.pin = append([]byte(nil), new...)
	return nil
}

func (c *Card) ChangePUK(old, new []byte) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	if err := check("puk", &c.pukTries, c.puk, old); err != nil {
		return err
	}
	c.puk = append([]byte(nil), new...)
	return nil
}

// PUKRetries is how many PUK attempts are left, for tests.
func (c *Card) PUKRetries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pukTries
}

func (c *Card) SetManagementKey(old, new, pin []byte) (err error) {
	if err := c.checkManagementKey(old); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	if err := c.checkPIN(pin); err != nil {
		return err
	}
	c.mgmt, c.stored = append([]byte(nil), new...), append([]byte(nil), new...)
	return nil
}

func (c *Card) ManagementKey(pin []byte) (_ []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.persist(&err)
	if err := c.checkPIN(pin); err != nil {
		return nil, err
	}
	if c.stored == nil {
		return nil, errors.New("pivtest: no PIN-protected management key")
	}
	return append([]byte(nil), c.stored...), nil
}

func (c *Card) Close() error { return nil }

var _ piv.Card = (*Card)(nil)
