//go:build piv

package piv_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/piv"
)

// TestYubiKeyReadOnly reports on a plugged-in YubiKey without changing it:
// serial, firmware, PIN retries, and the device attestation certificate
// checked against the Yubico roots. It skips where there is no YubiKey.
func TestYubiKeyReadOnly(t *testing.T) {
	cards, err := piv.Cards()
	if err != nil {
		t.Skipf("no PC/SC service (%v): start pcscd and plug in a YubiKey to run this test", err)
	}
	var name string
	for _, c := range cards {
		if strings.Contains(strings.ToLower(c), "yubikey") {
			name = c
		}
	}
	if name == "" {
		t.Skip("no YubiKey plugged in")
	}
	card, err := piv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	r, err := piv.Report(card)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %v", name, r)
	dev, err := card.AttestationCertificate()
	if err != nil {
		t.Fatal(err)
	}
	trust, err := piv.YubicoTrust()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Verify(x509.VerifyOptions{Roots: trust.Roots, Intermediates: trust.Intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("device attestation certificate does not chain to the Yubico roots: %v", err)
	}
}
