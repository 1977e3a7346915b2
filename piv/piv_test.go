package piv_test

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
)

func TestGenerateAttested(t *testing.T) {
	for _, c := range []struct {
		alg  string
		slot piv.Slot
		p    piv.Policy
	}{
		{piv.ECDSAP256, piv.SlotSignature, piv.Policy{PIN: piv.PINAlways, Touch: piv.TouchAlways}},
		{piv.ECDSAP384, piv.SlotAuthentication, piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchCached}},
		{piv.Ed25519, piv.SlotCardAuthentication, piv.Policy{PIN: piv.PINNever, Touch: piv.TouchNever}},
	} {
		t.Run(c.alg, func(t *testing.T) {
			card := pivtest.New(31415926, "5.7.4")
			a, err := piv.GenerateAttested(card, pivtest.DefaultManagementKey, c.slot, c.alg, c.p, card.Trust())
			if err != nil {
				t.Fatal(err)
			}
			if a.Serial != 31415926 || a.Firmware != "5.7.4" || a.Policy != c.p || a.Slot != c.slot {
				t.Fatalf("attestation %+v", a)
			}
			s, err := piv.Signer(card, c.slot, a.PublicKey, pivtest.DefaultPIN, false)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("ceremony")
			d := sha256.Sum256(msg)
			in, opts := d[:], crypto.SignerOpts(crypto.SHA256)
			if c.alg == piv.Ed25519 {
				in, opts = msg, crypto.Hash(0)
			}
			if _, err := s.Sign(rand.Reader, in, opts); err != nil {
				t.Fatalf("sign: %v", err)
			}
		})
	}
}

func TestAttestationRefused(t *testing.T) {
	card := pivtest.New(1, "5.7.4")
	p := piv.Policy{PIN: piv.PINAlways, Touch: piv.TouchAlways}
	other := pivtest.New(2, "5.7.4")
	yubico, err := piv.YubicoTrust()
	if err != nil {
		t.Fatal(err)
	}
	liar := pivtest.New(3, "5.7.4")
	liar.AttestSerial = 4
	for name, c := range map[string]struct {
		card  *pivtest.Card
		trust *piv.Trust
	}{
		"foreign CA":            {card, other.Trust()},
		"not a genuine Yubikey": {card, yubico},
		"serial mismatch":       {liar, liar.Trust()},
	} {
		_, err := piv.GenerateAttested(c.card, pivtest.DefaultManagementKey, piv.SlotSignature, piv.ECDSAP256, p, c.trust)
		if !errors.Is(err, piv.ErrAttestation) {
			t.Errorf("%s: got %v, want ErrAttestation", name, err)
		}
	}
	// A slot certificate from one device presented with another's device
	// certificate.
	if _, err := card.Generate(pivtest.DefaultManagementKey, piv.SlotSignature, piv.ECDSAP256, p); err != nil {
		t.Fatal(err)
	}
	slotCert, _ := card.Attest(piv.SlotSignature)
	otherDev, _ := other.AttestationCertificate()
	if _, err := piv.VerifyAttestation(otherDev, slotCert, other.Trust()); !errors.Is(err, piv.ErrAttestation) {
		t.Errorf("mixed devices: %v", err)
	}
}

func TestYubicoTrust(t *testing.T) {
	trust, err := piv.YubicoTrust()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range trust.Roots.Subjects() {
		names = append(names, string(s))
	}
	if len(names) != 3 {
		t.Fatalf("%d roots, want 3 (PIV, U2F, Attestation Root 1)", len(names))
	}
	if n := len(trust.Intermediates.Subjects()); n != 4 {
		t.Fatalf("%d intermediates, want 4", n)
	}
}

func TestSharedSecret(t *testing.T) {
	card := pivtest.New(1, "5.7.4")
	pub, err := card.Generate(pivtest.DefaultManagementKey, piv.SlotKeyManagement, piv.ECDSAP256, piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever})
	if err != nil {
		t.Fatal(err)
	}
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	got, err := piv.SharedSecret(card, pub, pivtest.DefaultPIN, peer.PublicKey(), false)
	if err != nil {
		t.Fatal(err)
	}
	cardPub, _ := pub.(*ecdsa.PublicKey).ECDH()
	want, _ := peer.ECDH(cardPub)
	if string(got) != string(want) {
		t.Fatal("device and peer disagree on the shared secret")
	}
}

func TestFinalPINTryNeedsOverride(t *testing.T) {
	card := pivtest.New(1, "5.7.4")
	p := piv.Policy{PIN: piv.PINAlways, Touch: piv.TouchNever}
	pub, _ := card.Generate(pivtest.DefaultManagementKey, piv.SlotSignature, piv.ECDSAP256, p)
	for range 2 {
		if _, err := piv.Signer(card, piv.SlotSignature, pub, []byte("000000"), false); err == nil {
			t.Fatal("wrong pin accepted")
		}
	}
	_, err := piv.Signer(card, piv.SlotSignature, pub, pivtest.DefaultPIN, false)
	var o interface{ NeedsOverride() bool }
	if !errors.Is(err, piv.ErrPINFinalTry) || !errors.As(err, &o) || !o.NeedsOverride() {
		t.Fatalf("final try: got %v", err)
	}
	if n, _ := card.PINRetries(); n != 1 {
		t.Fatalf("an attempt was spent: %d left", n)
	}
	if _, err := piv.Signer(card, piv.SlotSignature, pub, pivtest.DefaultPIN, true); err != nil {
		t.Fatalf("with override: %v", err)
	}
	r, err := piv.Report(card)
	if err != nil || r["serial"] != "1" || r["firmware"] != "5.7.4" || r["pin_retries"] != "3" {
		t.Fatalf("report %v, %v", r, err)
	}
}

// A wrong PIN is reported as such, with the card's own count, and the
// right one still works while tries are left.
func TestSharedSecretWrongPIN(t *testing.T) {
	card := pivtest.New(1, "5.7.4")
	pub, _ := card.Generate(pivtest.DefaultManagementKey, piv.SlotKeyManagement, piv.ECDSAP256, piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever})
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	_, err := piv.SharedSecret(card, pub, []byte("000000"), peer.PublicKey(), false)
	var w *piv.WrongPINError
	if !errors.As(err, &w) || w.Retries != 2 || err.Error() != "piv: wrong pin: 2 tries are left" {
		t.Fatalf("got %v", err)
	}
	if _, err := piv.SharedSecret(card, pub, pivtest.DefaultPIN, peer.PublicKey(), false); err != nil {
		t.Fatal(err)
	}
}

// A software card saved and restored is the same card: same keys, same
// attestation authority, same PIN state; Persist sees every change.
func TestSoftwareCardState(t *testing.T) {
	card := pivtest.New(7, "5.7.1")
	var saved []byte
	card.Persist = func(b []byte) error { saved = b; return nil }
	p := piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever}
	a, err := piv.GenerateAttested(card, pivtest.DefaultManagementKey, piv.SlotKeyManagement, piv.ECDSAP256, p, card.Trust())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := card.PrivateKey(piv.SlotKeyManagement, a.PublicKey, []byte("999999")); err == nil {
		t.Fatal("wrong pin accepted")
	}
	back, err := pivtest.Restore(saved)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := back.PINRetries(); n != 2 {
		t.Fatalf("restored card has %d tries, want the 2 left after the wrong pin", n)
	}
	again, err := piv.AttestedKey(back, piv.SlotKeyManagement, card.Trust())
	if err != nil {
		t.Fatal(err)
	}
	if !again.PublicKey.(*ecdsa.PublicKey).Equal(a.PublicKey) {
		t.Fatal("the restored card holds another key")
	}
	// A change the card cannot save fails, rather than leaving the kept
	// card behind the one in use.
	back.Persist = func([]byte) error { return errors.New("disk full") }
	if err := back.ChangePIN(pivtest.DefaultPIN, []byte("24681357")); err == nil || !strings.Contains(err.Error(), "saving the card: disk full") {
		t.Fatalf("an unsaved change: %v", err)
	}
}
