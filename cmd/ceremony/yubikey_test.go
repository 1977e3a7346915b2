//go:build piv

package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
	"github.com/ceremony-dev/ceremony/piv/vcard"
	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/x509ca"
)

// The second vpcd reader: the piv package's tests use the first.
const (
	yubiReader = "Virtual PCD 00 01"
	yubiAddr   = "127.0.0.1:35964"
)

// TestYubiKeyProvisionOnTheVirtualCard rehearses yubikey-provision.lua with
// the YubiKey in a reader: a virtual card reached through pcscd and piv-go,
// its attestations held to its own authority. The user's certificate is
// read back off the card by yubico-piv-tool and accepted by openssl under
// the rehearsal's users CA and root. With another authority in place of the
// card's, the attestation is refused and nothing is signed.
func TestYubiKeyProvisionOnTheVirtualCard(t *testing.T) {
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	openssl := tooltest.Need(t, "openssl", "openssl")
	ca := pivtest.NewAuthority()
	card := vcard.New(11223344, "5.7.1", ca)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := card.Insert(ctx, yubiAddr); err != nil {
		tooltest.Missing(t, "%v: apt-get install pcscd vsmartcard-vpcd and start pcscd", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := piv.Open(yubiReader)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the virtual card: %v", err)
		}
	}
	dir := t.TempDir()
	trust := func(a *pivtest.Authority) string {
		p := filepath.Join(dir, "trust.pem")
		os.WriteFile(p, x509ca.PEM("CERTIFICATE", a.Root.Raw), 0o600)
		return p
	}
	t.Setenv("CEREMONY_PIV_READER", yubiReader)
	script := filepath.Join("..", "..", "ceremonies", "yubikey-provision.lua")

	t.Run("another authority", func(t *testing.T) {
		t.Setenv("CEREMONY_PIV_TRUST", trust(pivtest.NewAuthority()))
		bundle := filepath.Join(dir, "refused")
		var out, errb bytes.Buffer
		if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code == exitOK {
			t.Fatal("the rehearsal went through with an attestation of another authority")
		}
		if !strings.Contains(out.String()+errb.String(), "attestation") {
			t.Errorf("the refusal does not name the attestation:\n%s\n%s", out.String(), errb.String())
		}
		if _, err := os.Stat(filepath.Join(bundle, "artifacts")); err == nil {
			if m, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "*-9a.crt")); len(m) > 0 {
				t.Fatalf("a certificate was made: %v", m)
			}
		}
		card.Factory()
	})

	t.Setenv("CEREMONY_PIV_TRUST", trust(ca))
	bundle := filepath.Join(dir, "bundle")
	var out, errb bytes.Buffer
	if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("rehearse: exit %d\n%s", code, errb.String())
	}
	if code, report := verifyOut(t, bundle); code != 0 {
		t.Fatalf("verify: %s", report)
	}
	certs, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "*-9a.crt"))
	if len(certs) != 1 {
		t.Fatalf("certificates: %v", certs)
	}
	art := func(n string) string { return filepath.Join(bundle, "artifacts", n) }
	if o, err := exec.Command(openssl, "verify", "-x509_strict", "-CAfile", art("root.crt"), "-untrusted", art("users.crt"), "-purpose", "sslclient", certs[0]).CombinedOutput(); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, o)
	}
	o, err := exec.Command(ykpiv, "-r", yubiReader, "-a", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(o), "O=Example Co") || !strings.Contains(string(o), "Slot 9a") {
		t.Fatalf("yubico-piv-tool -a status: %v\n%s", err, o)
	}
}

// officerCards are crypto officers' cards taking turns in one virtual
// reader: each time the ceremony asks for a card, the one asked for (or,
// for a new enrollment, the next fresh one) is put on top of the deck in
// the reader, and piv-go then finds it through pcscd like any YubiKey.
type officerCards struct {
	deck    vcard.Deck
	cards   []*vcard.Card
	fresh   int
	mistake map[string]int // serial -> which card goes in instead, once
}

func (o *officerCards) open(reader, serial string) (piv.Card, error) {
	if serial == "" {
		o.deck.Top(o.cards[o.fresh])
		o.fresh++
	} else if i, ok := o.mistake[serial]; ok {
		delete(o.mistake, serial)
		o.deck.Top(o.cards[i])
	} else {
		for _, c := range o.cards {
			if fmt.Sprint(c.Serial()) == serial {
				o.deck.Top(c)
			}
		}
	}
	return openPCSC(reader, serial)
}

// TestYubiKeyOfficerCardsOnTheVirtualCards rehearses officer-cards.lua with the
// crypto officers' YubiKeys as virtual cards through pcscd and piv-go: each
// card's 9d key is made and attested on the card, every share is sealed to
// its holder's card and opened there (ECDH on the card) before the split
// ends, and again to activate the token. An officer who brings the wrong
// card is refused, recorded, and then brings theirs. yubico-piv-tool reads
// the 9d attestation off a card: it is for the key the transcript names.
func TestYubiKeyOfficerCardsOnTheVirtualCards(t *testing.T) {
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	ca := pivtest.NewAuthority()
	o := &officerCards{mistake: map[string]int{"31000002": 2}}
	for i := range 3 {
		o.cards = append(o.cards, vcard.New(uint32(31000001+i), "5.7.1", ca))
	}
	o.deck.Top(o.cards[0])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := o.deck.Insert(ctx, yubiAddr); err != nil {
		tooltest.Missing(t, "%v: apt-get install pcscd vsmartcard-vpcd and start pcscd", err)
	}
	// Probed from another process until the card is up: a piv-go Open that
	// meets the previous test's card half gone would hold the reader for
	// the rest of this one.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if out, err := exec.Command(ykpiv, "-r", yubiReader, "-a", "status").Output(); err == nil && strings.Contains(string(out), "31000001") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the virtual card did not come up in %s", yubiReader)
		}
	}
	real := openReader
	openReader = o.open
	defer func() { openReader = real }()
	dir := t.TempDir()
	trust := filepath.Join(dir, "trust.pem")
	os.WriteFile(trust, x509ca.PEM("CERTIFICATE", ca.Root.Raw), 0o600)
	t.Setenv("CEREMONY_PIV_READER", yubiReader)
	t.Setenv("CEREMONY_PIV_TRUST", trust)
	bundle := filepath.Join(dir, "bundle")
	var out, errb bytes.Buffer
	script := filepath.Join("..", "..", "ceremonies", "officer-cards.lua")
	if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("rehearse: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if code, report := verifyOut(t, bundle); code != 0 {
		t.Fatalf("verify: %s", report)
	}
	n := map[string]int{}
	var key string
	record := filepath.Join(dir, "record.json")
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		n[e.Type]++
		switch {
		case e.Type == "split.done" && strings.Contains(string(e.Data), `"set":"token-user"`):
			var d struct {
				Record json.RawMessage `json:"record"`
			}
			json.Unmarshal(e.Data, &d)
			os.WriteFile(record, d.Record, 0o600)
		case e.Type == "share.rejected" && !strings.Contains(string(e.Data), "card 31000002 is in none of the readers (card 31000003 in Virtual PCD 00 01)"):
			t.Errorf("refusal: %s", e.Data)
		case e.Type == "piv.enrolled" && strings.Contains(string(e.Data), `"serial":"31000003"`):
			var d struct {
				PublicKey string `json:"public_key"`
			}
			json.Unmarshal(e.Data, &d)
			key = d.PublicKey
		}
	}
	if n["piv.enrolled"] != 3 || n["envelope.sealed"] != 6 || n["share.verified"] != 6 || n["share.accepted"] != 4 || n["share.rejected"] != 1 || n["sheet.shown"] != 0 {
		t.Fatalf("events: %v", n)
	}
	o.deck.Top(o.cards[2])
	att, err := exec.Command(ykpiv, "-r", yubiReader, "-a", "attest", "-s", "9d").Output()
	if err != nil {
		t.Fatalf("yubico-piv-tool -a attest -s 9d: %v", err)
	}
	blk, _ := pem.Decode(att)
	if blk == nil {
		t.Fatalf("yubico-piv-tool printed no certificate:\n%s", att)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := cert.PublicKey.(*ecdsa.PublicKey).ECDH()
	if base64.StdEncoding.EncodeToString(ec.Bytes()) != key {
		t.Fatal("the card's 9d attestation is for another key than the transcript names")
	}

	// Each holder checks their envelope alone, with their card and PIN.
	envs, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "token-user-*-3-erin.envelope"))
	if len(envs) != 1 {
		t.Fatalf("erin's envelope: %v", envs)
	}
	for _, tc := range []struct {
		name, pin string
		mistake   map[string]int
		code      int
		want      string
	}{
		{"wrong PIN", "87654321\n", nil, exitFailed, "wrong pin: 2 tries are left"},
		{"another card", "12345678\n", map[string]int{"31000003": 0}, exitFailed, "card 31000003 is in none of the readers (card 31000001 in"},
		// the right PIN fills the card's counter again
		{"right card and PIN", "12345678\n", nil, exitOK, "ok: card 31000003 opens erin's envelope: share 3 of 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.mistake = tc.mistake
			var out, errb bytes.Buffer
			code := run([]string{"shares", "check", "--record", record, "--envelope", envs[0]}, stdio{strings.NewReader(tc.pin), &out, &errb})
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out.String(), errb.String())
			}
		})
	}
	if left := o.cards[2].PINRetries(); left != 3 {
		t.Fatalf("erin's card has %d PIN tries left after the right PIN, want 3", left)
	}
}
