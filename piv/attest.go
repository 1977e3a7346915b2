package piv

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"

	_ "embed" // the Yubico certificates
)

//go:embed roots/roots.pem
var yubicoRootsPEM []byte

//go:embed roots/intermediates.pem
var yubicoIntermediatesPEM []byte

// Trust is where attestations must chain to.
type Trust struct {
	Roots, Intermediates *x509.CertPool
}

// YubicoTrust is the Yubico attestation PKI: the PIV and U2F roots of older
// devices, and Yubico Attestation Root 1 with its intermediates (Yubico
// Attestation Intermediate A 1 and B 1, Yubico PIV Attestation A 1 and B 1)
// used from firmware 5.7.4.
func YubicoTrust() (*Trust, error) {
	t := &Trust{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	roots, err := parsePEM(yubicoRootsPEM)
	if err != nil {
		return nil, err
	}
	for _, c := range roots {
		// The U2F root says pathlen 0, yet devices of that era put their
		// own attestation certificate under it; allow that one step.
		if c.Subject.CommonName == "Yubico U2F Root CA Serial 457200631" {
			c.MaxPathLen = 1
		}
		t.Roots.AddCert(c)
	}
	inter, err := parsePEM(yubicoIntermediatesPEM)
	if err != nil {
		return nil, err
	}
	for _, c := range inter {
		t.Intermediates.AddCert(c)
	}
	return t, nil
}

func parsePEM(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		// pem.Decode skips the comment lines naming each certificate.
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("piv: embedded yubico certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("piv: no embedded yubico certificates")
	}
	return out, nil
}

// Attestation is what a verified attestation says about a key.
type Attestation struct {
	Slot       Slot
	Serial     uint32
	Firmware   string
	Policy     Policy
	FormFactor string
	PublicKey  crypto.PublicKey
}

// Yubico's attestation extensions.
var (
	oidFirmware   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}
	oidSerial     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}
	oidPolicy     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}
	oidFormFactor = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 9}
)

var (
	pinPolicies   = map[byte]string{1: PINNever, 2: PINOnce, 3: PINAlways, 4: "match-once", 5: "match-always"}
	touchPolicies = map[byte]string{1: TouchNever, 2: TouchAlways, 3: TouchCached}
	formFactors   = map[byte]string{1: "usb-a keychain", 2: "usb-a nano", 3: "usb-c keychain", 4: "usb-c nano", 5: "usb-c lightning", 6: "usb-a bio", 7: "usb-c bio"}
)

// VerifyAttestation checks that slotCert was issued by the device
// certificate and that the device certificate chains to trust, then reads
// serial, firmware, policies and slot from slotCert.
func VerifyAttestation(device, slotCert *x509.Certificate, trust *Trust) (*Attestation, error) {
	inter := trust.Intermediates.Clone()
	dev := *device
	// Some YubiKey 4 device certificates lack basic constraints; without
	// them the standard library refuses the device as an issuer.
	if !dev.BasicConstraintsValid {
		dev.BasicConstraintsValid, dev.IsCA = true, true
	}
	inter.AddCert(&dev)
	if err := slotCert.CheckSignatureFrom(&dev); err != nil {
		return nil, fmt.Errorf("%w: slot certificate not issued by this device: %v", ErrAttestation, err)
	}
	if _, err := slotCert.Verify(x509.VerifyOptions{Roots: trust.Roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAttestation, err)
	}
	return parseAttestation(slotCert)
}

func parseAttestation(c *x509.Certificate) (*Attestation, error) {
	a := &Attestation{PublicKey: c.PublicKey}
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidFirmware):
			if len(e.Value) != 3 {
				return nil, fmt.Errorf("%w: firmware extension of %d bytes", ErrAttestation, len(e.Value))
			}
			a.Firmware = fmt.Sprintf("%d.%d.%d", e.Value[0], e.Value[1], e.Value[2])
		case e.Id.Equal(oidSerial):
			var n int64
			if _, err := asn1.Unmarshal(e.Value, &n); err != nil || n < 0 || n > 1<<32-1 {
				return nil, fmt.Errorf("%w: serial extension", ErrAttestation)
			}
			a.Serial = uint32(n)
		case e.Id.Equal(oidPolicy):
			if len(e.Value) != 2 {
				return nil, fmt.Errorf("%w: policy extension of %d bytes", ErrAttestation, len(e.Value))
			}
			a.Policy = Policy{PIN: pinPolicies[e.Value[0]], Touch: touchPolicies[e.Value[1]]}
		case e.Id.Equal(oidFormFactor):
			if len(e.Value) == 1 {
				a.FormFactor = formFactors[e.Value[0]&0x7f]
			}
		}
	}
	const prefix = "YubiKey PIV Attestation "
	if s, ok := strings.CutPrefix(c.Subject.CommonName, prefix); ok {
		if n, err := strconv.ParseUint(s, 16, 32); err == nil {
			a.Slot = Slot(n)
		}
	}
	return a, nil
}

// GenerateAttested generates a key on the device and proves it: the slot is
// attested, the attestation verified against trust, and the attested key,
// slot, serial and policies compared with what was asked and generated.
func GenerateAttested(c Card, managementKey []byte, slot Slot, alg string, p Policy, trust *Trust) (*Attestation, error) {
	pub, err := c.Generate(managementKey, slot, alg, p)
	if err != nil {
		return nil, fmt.Errorf("piv: generate %s in slot %s: %w", alg, slot, err)
	}
	a, err := AttestedKey(c, slot, trust)
	if err != nil {
		return nil, err
	}
	pk, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	switch {
	case !ok || !pk.Equal(a.PublicKey):
		return nil, fmt.Errorf("%w: attested key is not the generated one", ErrAttestation)
	case a.Policy != p:
		return nil, fmt.Errorf("%w: attested policy %+v, asked for %+v", ErrAttestation, a.Policy, p)
	}
	return a, nil
}

// AttestedKey has the device attest the key in slot and verifies the
// attestation against trust, for this very device and slot: the key a
// card holds, proven, before anything is sealed to it or opened with it.
func AttestedKey(c Card, slot Slot, trust *Trust) (*Attestation, error) {
	device, err := c.AttestationCertificate()
	if err != nil {
		return nil, fmt.Errorf("piv: device attestation certificate: %w", err)
	}
	cert, err := c.Attest(slot)
	if err != nil {
		return nil, fmt.Errorf("piv: attest slot %s: %w", slot, err)
	}
	a, err := VerifyAttestation(device, cert, trust)
	if err != nil {
		return nil, err
	}
	serial, err := c.Serial()
	if err != nil {
		return nil, fmt.Errorf("piv: serial: %w", err)
	}
	switch {
	case a.Slot != slot:
		return nil, fmt.Errorf("%w: attestation is for slot %s, not %s", ErrAttestation, a.Slot, slot)
	case a.Serial != serial:
		return nil, fmt.Errorf("%w: attestation names serial %d, device says %d", ErrAttestation, a.Serial, serial)
	}
	return a, nil
}

// Report describes a device for the transcript.
func Report(c Card) (map[string]string, error) {
	serial, err := c.Serial()
	if err != nil {
		return nil, fmt.Errorf("piv: serial: %w", err)
	}
	retries, err := c.PINRetries()
	if err != nil {
		return nil, fmt.Errorf("piv: pin retries: %w", err)
	}
	tries := strconv.Itoa(retries)
	if retries == PINVerified {
		tries = "verified"
	}
	return map[string]string{
		"serial":      strconv.FormatUint(uint64(serial), 10),
		"firmware":    c.Firmware(),
		"pin_retries": tries,
	}, nil
}
