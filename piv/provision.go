package piv

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// ErrWeakDevice refuses a device or a key with a known flaw.
var ErrWeakDevice = errors.New("piv: weak device")

// rsaLibFirmware reports YubiKey 4 firmware with Infineon's RSA library
// (4.2.6 to 4.3.4), whose RSA keys can be factored (CVE-2017-15361).
func rsaLibFirmware(fw string) bool {
	var a, b, c int
	if n, _ := fmt.Sscanf(fw, "%d.%d.%d", &a, &b, &c); n != 3 || a != 4 {
		return false
	}
	v := b*100 + c
	return v >= 206 && v <= 304
}

// rocaPrimes are the small primes of the ROCA fingerprint: a modulus made
// by the flawed library is, modulo each, in the group 65537 generates.
var rocaPrimes = []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
	101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}

// ROCA reports whether an RSA public key carries the fingerprint of keys
// from Infineon's flawed library (CVE-2017-15361); a sound key has it with
// negligible probability.
func ROCA(pub *rsa.PublicKey) bool {
	for _, p := range rocaPrimes {
		r := new(big.Int).Mod(pub.N, big.NewInt(p)).Int64()
		in := false
		for g := int64(1); ; {
			if g == r {
				in = true
				break
			}
			if g = g * (65537 % p) % p; g == 1 {
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// CheckKey refuses an RSA key with the ROCA fingerprint.
func CheckKey(pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok && ROCA(k) {
		return fmt.Errorf("%w: the RSA key has the fingerprint of Infineon's flawed library (ROCA, CVE-2017-15361)", ErrWeakDevice)
	}
	return nil
}

// Provisioning is what a user's card is given in the room.
type Provisioning struct {
	Slot   Slot
	Alg    string
	Policy Policy
	// Trust is where the attestation must chain: Yubico's roots, or a
	// rehearsal card's own authority.
	Trust *Trust
	// Issue certifies the attested public key (the users CA on the token).
	// Without it the key gets no certificate: a crypto officer's
	// key-management key, enrolled for share envelopes, is known by its
	// attestation alone.
	Issue func(pub crypto.PublicKey, a *Attestation) (*x509.Certificate, error)
	// NewPIN is the PIN the user chose, typed by them; the caller wipes it.
	NewPIN []byte
	// NewPUK replaces the PUK; nil blocks it, as the guide does, so that
	// only a reset (losing the keys) gets past a forgotten PIN.
	NewPUK []byte
	// Escrow, when set, also gives the card an escrowed key-management
	// key in 9d.
	Escrow *Escrow
	// Expiry is when the card's CHUID says it expires.
	Expiry time.Time
}

// Escrow is a key-management key (9d) made off the card, so that what is
// encrypted to it can be recovered if the card is lost: a P-256 key is
// generated in memory, certified by Issue, imported into 9d with its
// certificate, checked to agree with the card, and handed to Keep (which
// seals it for the escrow holders) before it is wiped. A card cannot
// attest a key it did not make: the record of the ceremony is the proof.
type Escrow struct {
	Policy Policy
	Issue  func(pub crypto.PublicKey) (*x509.Certificate, error)
	// Keep receives the private scalar, 32 bytes, wiped when Keep returns.
	Keep func(secret []byte) error
}

// Provisioned is what was done, for the record: nothing in it is secret.
type Provisioned struct {
	Serial      uint32
	Firmware    string
	Attestation *Attestation
	Cert        *x509.Certificate
	EscrowCert  *x509.Certificate // the escrowed 9d key's certificate
	GUID        [16]byte          // the card's identity in its CHUID
	PUKBlocked  bool
}

// Provision takes a card fresh from the factory through the guide's steps:
// check the device, generate the key on it and verify its attestation
// before anything is signed, have it certified, write the certificate,
// replace the management key with a random one kept only on the card
// behind the PIN, set the user's PIN, and block (or replace) the PUK. A card
// whose management key is not the factory default is refused: reset its PIV
// application first.
func Provision(c Card, p Provisioning) (*Provisioned, error) {
	serial, err := c.Serial()
	if err != nil {
		return nil, fmt.Errorf("piv: serial: %w", err)
	}
	out := &Provisioned{Serial: serial, Firmware: c.Firmware()}
	if strings.HasPrefix(p.Alg, "rsa") && rsaLibFirmware(out.Firmware) {
		return nil, fmt.Errorf("%w: firmware %s has Infineon's RSA library (CVE-2017-15361): generate an EC key, or use another device", ErrWeakDevice, out.Firmware)
	}
	if len(p.NewPIN) < 6 || len(p.NewPIN) > 8 || bytes.Equal(p.NewPIN, DefaultPIN) {
		return nil, errors.New("piv: the new PIN has 6 to 8 characters and is not the default")
	}
	a, err := GenerateAttested(c, DefaultManagementKey, p.Slot, p.Alg, p.Policy, p.Trust)
	if err != nil && !errors.Is(err, ErrAttestation) {
		return nil, fmt.Errorf("%w (a card must come fresh from the factory: reset its PIV application first)", err)
	}
	if err != nil {
		return nil, err
	}
	if err := CheckKey(a.PublicKey); err != nil {
		return nil, err
	}
	out.Attestation = a
	if p.Issue != nil {
		if out.Cert, err = issue(c, p, a); err != nil {
			return nil, err
		}
	}
	if p.Escrow != nil {
		if out.EscrowCert, err = escrow(c, p.Escrow); err != nil {
			return nil, err
		}
	}
	if out.GUID, err = writeIdentity(c, p.Expiry); err != nil {
		return nil, err
	}
	mgmt := make([]byte, 24)
	defer clear(mgmt)
	if _, err := rand.Read(mgmt); err != nil {
		return nil, err
	}
	if err := c.SetManagementKey(DefaultManagementKey, mgmt, DefaultPIN); err != nil {
		return nil, fmt.Errorf("piv: replacing the management key: %w", err)
	}
	if err := c.ChangePIN(DefaultPIN, p.NewPIN); err != nil {
		return nil, fmt.Errorf("piv: setting the user's PIN: %w", err)
	}
	if p.NewPUK != nil {
		if err := c.ChangePUK(DefaultPUK, p.NewPUK); err != nil {
			return nil, fmt.Errorf("piv: setting the PUK: %w", err)
		}
		return out, nil
	}
	if err := blockPUK(c); err != nil {
		return nil, err
	}
	out.PUKBlocked = true
	return out, nil
}

// issue has the attested key certified and writes the certificate to its
// slot.
func issue(c Card, p Provisioning, a *Attestation) (*x509.Certificate, error) {
	cert, err := p.Issue(a.PublicKey, a)
	if err != nil {
		return nil, err
	}
	if !signerMatches(cert.PublicKey, a.PublicKey) {
		return nil, errors.New("piv: the certificate is not for the attested key")
	}
	if err := c.SetCertificate(DefaultManagementKey, p.Slot, cert); err != nil {
		return nil, fmt.Errorf("piv: writing the certificate to slot %s: %w", p.Slot, err)
	}
	return cert, nil
}

// writeIdentity gives the card a CHUID with a new GUID, which Windows'
// smart-card login and PIV middleware read as the card's identity, and a
// CCC, as a YubiKey's own tools do.
func writeIdentity(c Card, expiry time.Time) ([16]byte, error) {
	guid, err := NewGUID()
	if err != nil {
		return guid, err
	}
	ccc, err := CCC()
	if err != nil {
		return guid, err
	}
	if err := c.PutObjects(DefaultManagementKey, map[uint32][]byte{ObjectCHUID: CHUID(guid, expiry), ObjectCCC: ccc}); err != nil {
		return guid, fmt.Errorf("piv: writing the CHUID and CCC: %w", err)
	}
	return guid, nil
}

// escrow imports an escrowed key-management key into a fresh card, whose
// management key and PIN are still the factory's.
func escrow(c Card, e *Escrow) (*x509.Certificate, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	secret, err := k.Bytes()
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	defer k.D.SetInt64(0)
	cert, err := e.Issue(k.Public())
	if err != nil {
		return nil, err
	}
	if !signerMatches(cert.PublicKey, k.Public()) {
		return nil, errors.New("piv: the escrow certificate is not for the escrowed key")
	}
	if err := c.ImportKey(DefaultManagementKey, SlotKeyManagement, k, e.Policy); err != nil {
		return nil, fmt.Errorf("piv: importing the escrowed key into 9d: %w", err)
	}
	if err := c.SetCertificate(DefaultManagementKey, SlotKeyManagement, cert); err != nil {
		return nil, fmt.Errorf("piv: writing the escrow certificate to 9d: %w", err)
	}
	// The card must agree on a secret as the key it was given does.
	peer, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	mine, err := k.ECDH()
	if err != nil {
		return nil, err
	}
	want, err := peer.ECDH(mine.PublicKey())
	if err != nil {
		return nil, err
	}
	got, err := SharedSecret(c, k.Public(), DefaultPIN, peer.PublicKey(), false)
	if err != nil {
		return nil, fmt.Errorf("piv: the escrowed key on the card: %w", err)
	}
	if !bytes.Equal(got, want) {
		return nil, errors.New("piv: the card's 9d key is not the escrowed key")
	}
	if err := e.Keep(secret); err != nil {
		return nil, err
	}
	return cert, nil
}

// blockPUK spends the PUK's tries with a wrong value until the card says
// it is blocked; the right one is never tried.
func blockPUK(c Card) error {
	wrong := []byte("00000000")
	for range 256 {
		err := c.ChangePUK(wrong, wrong)
		switch {
		case err == nil:
			return errors.New("piv: the PUK took a wrong value")
		case errors.Is(err, ErrBlocked):
			return nil
		}
	}
	return errors.New("piv: the PUK would not block")
}

func signerMatches(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
