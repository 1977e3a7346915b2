package piv_test

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
)

// selfIssue stands in for the users CA: a certificate for whatever key it
// is given, so that these tests are about the card.
func selfIssue(pub crypto.PublicKey, _ *piv.Attestation) (*x509.Certificate, error) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Alice Adams"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, k)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func TestProvision(t *testing.T) {
	good := func(c *pivtest.Card) piv.Provisioning {
		return piv.Provisioning{Slot: piv.SlotAuthentication, Alg: piv.ECDSAP256, Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchAlways},
			Trust: c.Trust(), Issue: selfIssue, NewPIN: []byte("24681357")}
	}
	for _, tc := range []struct {
		name     string
		firmware string
		edit     func(*pivtest.Card, *piv.Provisioning)
		want     string
	}{
		{"fresh card", "5.7.1", nil, ""},
		{"puk set instead of blocked", "5.7.1", func(_ *pivtest.Card, p *piv.Provisioning) { p.NewPUK = []byte("87654321") }, ""},
		{"rsa on infineon firmware", "4.3.3", func(_ *pivtest.Card, p *piv.Provisioning) { p.Alg = piv.RSA2048 }, "Infineon"},
		{"default pin kept", "5.7.1", func(_ *pivtest.Card, p *piv.Provisioning) { p.NewPIN = piv.DefaultPIN }, "not the default"},
		{"short pin", "5.7.1", func(_ *pivtest.Card, p *piv.Provisioning) { p.NewPIN = []byte("1234") }, "6 to 8"},
		{"card not fresh", "5.7.1", func(c *pivtest.Card, _ *piv.Provisioning) {
			c.SetManagementKey(piv.DefaultManagementKey, []byte("an other management key!"), piv.DefaultPIN)
		}, "fresh from the factory"},
		{"attestation of another device", "5.7.1", func(c *pivtest.Card, _ *piv.Provisioning) { c.AttestSerial = 1 }, "attestation"},
		{"certificate for another key", "5.7.1", func(_ *pivtest.Card, p *piv.Provisioning) {
			p.Issue = func(crypto.PublicKey, *piv.Attestation) (*x509.Certificate, error) {
				k, _ := rsa.GenerateKey(rand.Reader, 2048)
				return selfIssue(k.Public(), nil)
			}
		}, "not for the attested key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := pivtest.New(27182818, tc.firmware)
			p := good(card)
			if tc.edit != nil {
				tc.edit(card, &p)
			}
			done, err := piv.Provision(card, p)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Provision = %v, want an error saying %q", err, tc.want)
				}
				if card.Certificate(piv.SlotAuthentication) != nil {
					t.Fatal("a refused card was given a certificate")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if card.Certificate(piv.SlotAuthentication) == nil || done.Serial != 27182818 {
				t.Fatalf("provisioned %+v", done)
			}
			if err := card.ChangePIN(piv.DefaultPIN, []byte("11111111")); err == nil {
				t.Fatal("the factory PIN still works")
			}
			if k, err := card.ManagementKey([]byte("24681357")); err != nil || len(k) != 24 || string(k) == string(piv.DefaultManagementKey) {
				t.Fatalf("the stored management key: %x, %v", k, err)
			}
			if blocked := card.PUKRetries() == 0; blocked != (p.NewPUK == nil) || done.PUKBlocked != blocked {
				t.Fatalf("PUK blocked %t, reported %t, for NewPUK %q", blocked, done.PUKBlocked, p.NewPUK)
			}
		})
	}
}

// TestROCA: a modulus with the flawed library's fingerprint is caught; keys
// made soundly are not.
func TestROCA(t *testing.T) {
	// A number that is, modulo each of the fingerprint's primes, a power
	// of 65537 (the residues are all that the test looks at).
	m := big.NewInt(1)
	for _, p := range []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
		101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167} {
		m.Mul(m, big.NewInt(p))
	}
	n := new(big.Int).Exp(big.NewInt(65537), big.NewInt(1234567), m)
	n.Add(n, new(big.Int).Lsh(m, 1800))
	if err := piv.CheckKey(&rsa.PublicKey{N: n, E: 65537}); !errors.Is(err, piv.ErrWeakDevice) {
		t.Fatalf("a ROCA modulus: %v", err)
	}
	for range 3 {
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		if piv.ROCA(&k.PublicKey) {
			t.Fatal("a sound key has the ROCA fingerprint")
		}
	}
}

// TestProvisionEscrow: the escrowed 9d key is on the card with its
// certificate, agrees with the key handed to Keep, and is no longer the
// card's to attest; a failing Keep stops the provisioning before the PIN
// is set.
func TestProvisionEscrow(t *testing.T) {
	card := pivtest.New(31415926, "5.7.1")
	var kept []byte
	p := piv.Provisioning{Slot: piv.SlotAuthentication, Alg: piv.ECDSAP256, Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever},
		Trust: card.Trust(), Issue: selfIssue, NewPIN: []byte("24681357"),
		Escrow: &piv.Escrow{Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever},
			Issue: func(pub crypto.PublicKey) (*x509.Certificate, error) { return selfIssue(pub, nil) },
			Keep:  func(secret []byte) error { kept = append([]byte(nil), secret...); return nil }}}
	done, err := piv.Provision(card, p)
	if err != nil {
		t.Fatal(err)
	}
	if done.EscrowCert == nil || card.Certificate(piv.SlotKeyManagement) != done.EscrowCert {
		t.Fatal("the escrow certificate is not in 9d")
	}
	k, err := ecdh.P256().NewPrivateKey(kept)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := done.EscrowCert.PublicKey.(*ecdsa.PublicKey).ECDH()
	if !k.PublicKey().Equal(pub) {
		t.Fatal("the key kept is not the one certified")
	}
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	got, err := piv.SharedSecret(card, done.EscrowCert.PublicKey, []byte("24681357"), peer.PublicKey(), false)
	want, _ := k.ECDH(peer.PublicKey())
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the card and the kept key disagree: %v", err)
	}
	if _, err := card.Attest(piv.SlotKeyManagement); err == nil {
		t.Fatal("the card attested an imported key")
	}

	other := pivtest.New(31415927, "5.7.1")
	p.Trust, p.Escrow.Keep = other.Trust(), func([]byte) error { return errors.New("no escrow holder") }
	if _, err := piv.Provision(other, p); err == nil || !strings.Contains(err.Error(), "no escrow holder") {
		t.Fatalf("a failing Keep: %v", err)
	}
	if n, _ := other.PINRetries(); n != 3 || other.ChangePIN(piv.DefaultPIN, piv.DefaultPIN) != nil {
		t.Fatal("the PIN was changed although the escrow failed")
	}
}

// TestProvisionWritesCardIdentity: a provisioned card has a CHUID with the
// GUID Provision reports and the expiry asked for, and a CCC, in the shape
// SP 800-73-4 gives them.
func TestProvisionWritesCardIdentity(t *testing.T) {
	card := pivtest.New(16180339, "5.7.1")
	expiry := time.Date(2028, 12, 2, 0, 0, 0, 0, time.UTC)
	done, err := piv.Provision(card, piv.Provisioning{Slot: piv.SlotAuthentication, Alg: piv.ECDSAP256, Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever},
		Trust: card.Trust(), Issue: selfIssue, NewPIN: []byte("24681357"), Expiry: expiry})
	if err != nil {
		t.Fatal(err)
	}
	chuid := card.Object(piv.ObjectCHUID)
	if len(chuid) != 2+25+2+16+2+8+4 || chuid[0] != 0x30 || chuid[1] != 25 || chuid[27] != 0x34 || chuid[28] != 16 ||
		!bytes.Equal(chuid[29:45], done.GUID[:]) || string(chuid[47:55]) != "20281202" || !bytes.Equal(chuid[55:], []byte{0x3e, 0, 0xfe, 0}) {
		t.Fatalf("CHUID %x, GUID %x", chuid, done.GUID)
	}
	ccc := card.Object(piv.ObjectCCC)
	if len(ccc) < 23 || !bytes.Equal(ccc[:9], []byte{0xf0, 0x15, 0xa0, 0x00, 0x00, 0x01, 0x16, 0xff, 0x02}) || !bytes.HasSuffix(ccc, []byte{0xfe, 0x00}) {
		t.Fatalf("CCC %x", ccc)
	}
	other, _ := piv.NewGUID()
	if other == done.GUID {
		t.Fatal("two GUIDs alike")
	}
}
