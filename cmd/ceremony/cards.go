package main

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"os"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
)

// openCard opens the YubiKey a provisioning step works on. A live run uses
// the reader CEREMONY_PIV_READER names, or the one reader with a YubiKey,
// and holds attestations to Yubico's roots. A rehearsal without a reader
// named gets a fresh software card each time (a new user's card), with
// its own attestation authority; a rehearsal with one (a virtual card in
// vsmartcard's reader, say) may hold its attestations to the roots in the
// PEM file CEREMONY_PIV_TRUST.
func (c *ceremonyRun) openCard() (piv.Card, *piv.Trust, error) {
	reader := os.Getenv("CEREMONY_PIV_READER")
	if c.rehearsal && reader == "" {
		var b [4]byte
		rand.Read(b[:])
		card := pivtest.New(binary.BigEndian.Uint32(b[:])%90_000_000+10_000_000, "5.7.1")
		return card, card.Trust(), nil
	}
	trust, err := piv.YubicoTrust()
	if err != nil {
		return nil, nil, err
	}
	if path := os.Getenv("CEREMONY_PIV_TRUST"); path != "" {
		if !c.rehearsal {
			return nil, nil, errors.New("CEREMONY_PIV_TRUST is for rehearsals: a live ceremony holds attestations to Yubico's roots")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		trust = &piv.Trust{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
		if !trust.Roots.AppendCertsFromPEM(b) {
			return nil, nil, errors.New("CEREMONY_PIV_TRUST holds no certificate")
		}
	}
	card, err := openReader(reader)
	return card, trust, err
}
