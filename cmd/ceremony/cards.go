package main

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
)

// openCard opens a YubiKey: the one with serial, or for "" the one in the
// reader. A live run looks in the readers whose name contains
// CEREMONY_PIV_READER (default: YubiKey), and holds attestations to
// Yubico's roots. A rehearsal without CEREMONY_PIV_READER uses software
// cards kept beside the bundle in BUNDLE.cards, as the rehearsal token is
// in BUNDLE.token: "" gives a new one, fresh from the factory, and a
// serial the one made earlier, keys and PIN counter as they were. A
// rehearsal with a reader (a virtual card in vsmartcard's reader, say) may
// hold its attestations to the roots in the PEM file CEREMONY_PIV_TRUST.
func (c *ceremonyRun) openCard(serial string) (piv.Card, *piv.Trust, error) {
	reader := os.Getenv("CEREMONY_PIV_READER")
	if c.rehearsal && reader == "" {
		card, err := rehearsalCard(c.rehearsalCardDirs(), serial)
		if err != nil {
			return nil, nil, err
		}
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
	if reader == "" {
		reader = "YubiKey"
	}
	card, err := openReader(reader, serial)
	return card, trust, err
}

// rehearsalCardDirs are where a rehearsal finds its software cards: beside
// its bundle, and beside each bundle whose envelopes the configuration
// gives (DIR/artifacts: DIR.cards), so that a later ceremony is rehearsed
// with the cards the earlier rehearsal enrolled.
func (c *ceremonyRun) rehearsalCardDirs() []string {
	dirs := []string{c.bundle + ".cards"}
	for _, d := range c.cfg.Envelopes {
		if !filepath.IsAbs(d) {
			d = filepath.Join(c.cfgDir, d)
		}
		if filepath.Base(d) == "artifacts" {
			dirs = append(dirs, filepath.Dir(d)+".cards")
		}
	}
	return dirs
}

// rehearsalCard is a software card kept in the first of dirs (a new one)
// or found in one of them (by serial), saved after every change so that
// a resumed rehearsal finds it as it was.
func rehearsalCard(dirs []string, serial string) (*pivtest.Card, error) {
	var card *pivtest.Card
	dir := dirs[0]
	if serial == "" {
		var b [4]byte
		rand.Read(b[:])
		card = pivtest.New(binary.BigEndian.Uint32(b[:])%90_000_000+10_000_000, "5.7.1")
		n, _ := card.Serial()
		serial = strconv.FormatUint(uint64(n), 10)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	} else {
		var b []byte
		var err error
		for _, dir = range dirs {
			if b, err = durable.ReadFile(filepath.Join(dir, serial+".json"), 1<<20); !errors.Is(err, fs.ErrNotExist) {
				break
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no rehearsal card %s in %s: it is not in the reader", serial, strings.Join(dirs, " or "))
		}
		if err != nil {
			return nil, err
		}
		if card, err = pivtest.Restore(b); err != nil {
			return nil, err
		}
	}
	path := filepath.Join(dir, serial+".json")
	card.Persist = func(state []byte) error { return durable.Replace(path, state, 0o600) }
	state, err := card.State()
	if err != nil {
		return nil, err
	}
	return card, durable.Replace(path, state, 0o600)
}
