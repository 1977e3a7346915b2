//go:build piv

package vcard_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	pivgo "github.com/go-piv/piv-go/v2/piv"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
	"github.com/ceremony-dev/ceremony/piv/vcard"
	"github.com/ceremony-dev/ceremony/tooltest"
)

const reader = "Virtual PCD 00 00"

// insert puts a fresh virtual card into the first vpcd reader and waits
// until PC/SC sees it.
func insert(t *testing.T, serial uint32) (*vcard.Card, *pivtest.Authority) {
	t.Helper()
	ca := pivtest.NewAuthority()
	card := vcard.New(serial, "5.7.1", ca)
	ctx, cancel := context.WithCancel(context.Background())
	done, err := card.Insert(ctx, vcard.VPCDAddr)
	if err != nil {
		cancel()
		tooltest.Missing(t, "%v: apt-get install pcscd vsmartcard-vpcd and start pcscd", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		// The reader must see the card gone before the next test inserts one.
		waitFor(t, func() error {
			yk, err := pivgo.Open(reader)
			if err == nil {
				yk.Close()
				return errors.New("the card is still in the reader")
			}
			return nil
		})
	})
	waitFor(t, func() error {
		yk, err := pivgo.Open(reader)
		if err == nil {
			yk.Close()
		}
		return err
	})
	return card, ca
}

func waitFor(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the virtual card: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func open(t *testing.T) piv.Card {
	t.Helper()
	c, err := piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestPIVGoOnTheVirtualCard runs piv-go's PC/SC path through pcscd and vpcd
// against the virtual card: identity, a key generated and attested to the
// card's authority (and refused under another), signing and ECDH verified
// in software, a wrong PIN counted by the card.
func TestPIVGoOnTheVirtualCard(t *testing.T) {
	_, ca := insert(t, 24681357)
	c := open(t)
	if s, err := c.Serial(); err != nil || s != 24681357 {
		t.Fatalf("Serial = %d, %v", s, err)
	}
	if fw := c.Firmware(); fw != "5.7.1" {
		t.Fatalf("Firmware = %q", fw)
	}
	if n, err := c.PINRetries(); err != nil || n != 3 {
		t.Fatalf("PINRetries = %d, %v", n, err)
	}
	p := piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever}
	a, err := piv.GenerateAttested(c, vcard.DefaultManagementKey, piv.SlotKeyManagement, piv.ECDSAP256, p, ca.Trust())
	if err != nil {
		t.Fatal(err)
	}
	if a.Serial != 24681357 || a.Firmware != "5.7.1" || a.Policy != p || a.Slot != piv.SlotKeyManagement {
		t.Fatalf("attestation %+v", a)
	}
	// The same card's attestation does not chain to another authority.
	if _, err := piv.GenerateAttested(c, vcard.DefaultManagementKey, piv.SlotAuthentication, piv.ECDSAP256, p, pivtest.NewAuthority().Trust()); !errors.Is(err, piv.ErrAttestation) {
		t.Fatalf("an attestation under another authority: %v, want piv.ErrAttestation", err)
	}
	if _, err := piv.GenerateAttested(c, []byte("not the management key of 24 b"), piv.SlotSignature, piv.ECDSAP256, p, ca.Trust()); err == nil {
		t.Fatal("a wrong management key generated a key")
	}

	// A wrong PIN is counted on the card.
	s, err := piv.Signer(c, piv.SlotKeyManagement, a.PublicKey, []byte("000000"), false)
	if err == nil {
		_, err = s.Sign(rand.Reader, make([]byte, 32), crypto.SHA256)
	}
	if err == nil {
		t.Fatal("a wrong PIN signed")
	}
	if n, _ := c.PINRetries(); n != 2 {
		t.Fatalf("after a wrong PIN the card has %d tries, want 2", n)
	}
	if s, err = piv.Signer(c, piv.SlotKeyManagement, a.PublicKey, vcard.DefaultPIN, false); err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("signed on the virtual card"))
	sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(a.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatal("the card's signature does not verify")
	}
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	secret, err := piv.SharedSecret(c, a.PublicKey, vcard.DefaultPIN, peer.PublicKey(), false)
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := a.PublicKey.(*ecdsa.PublicKey).ECDH()
	if want, _ := peer.ECDH(ours); string(secret) != string(want) {
		t.Fatal("the card's ECDH secret differs from the peer's")
	}
}
