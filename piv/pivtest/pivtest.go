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
	DefaultPIN           = []byte("123456")
	DefaultManagementKey = []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}
)

// Card is the software card. Its fields may be changed by tests to make it
// misbehave.
type Card struct {
	mu       sync.Mutex
	serial   uint32
	firmware string
	retries  int
	ca       *Authority
	keys     map[piv.Slot]slotKey
	// AttestSerial, when set, is the serial written into attestations
	// instead of the card's own.
	AttestSerial uint32
}

type slotKey struct {
	priv   crypto.Signer
	policy piv.Policy
}

// New returns a card with its own attestation CA.
func New(serial uint32, firmware string) *Card {
	return &Card{serial: serial, firmware: firmware, retries: 3, ca: NewAuthority(), keys: map[piv.Slot]slotKey{}}
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
	serial := c.serial
	if c.AttestSerial != 0 {
		serial = c.AttestSerial
	}
	return c.ca.Attest(slot, k.priv.Public(), c.firmware, serial, k.policy), nil
}

func (c *Card) Generate(managementKey []byte, slot piv.Slot, alg string, p piv.Policy) (crypto.PublicKey, error) {
	if subtle.ConstantTimeCompare(managementKey, DefaultManagementKey) != 1 {
		return nil, errors.New("pivtest: wrong management key")
	}
	var priv crypto.Signer
	var err error
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
	c.keys[slot] = slotKey{priv: priv, policy: p}
	return priv.Public(), nil
}

// PrivateKey checks the PIN as a card does: a wrong one costs a retry.
func (c *Card) PrivateKey(slot piv.Slot, pub crypto.PublicKey, pin []byte) (crypto.PrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[slot]
	if !ok || !k.priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		return nil, fmt.Errorf("pivtest: no such key in slot %s", slot)
	}
	if k.policy.PIN != piv.PINNever {
		if c.retries == 0 {
			return nil, errors.New("pivtest: pin blocked")
		}
		if subtle.ConstantTimeCompare(pin, DefaultPIN) != 1 {
			c.retries--
			return nil, fmt.Errorf("pivtest: wrong pin, %d retries left", c.retries)
		}
		c.retries = 3
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

func (c *Card) Close() error { return nil }

var _ piv.Card = (*Card)(nil)
