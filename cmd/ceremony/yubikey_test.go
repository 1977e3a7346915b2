//go:build piv

package main

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
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
	"github.com/ceremony-dev/ceremony/shares"
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
// the YubiKeys in a reader: virtual cards reached through pcscd and piv-go,
// their attestations held to their own authority. Two crypto officers
// enroll their cards for the escrow; the user's card gets its 9a key and
// certificate and an escrowed 9d key, split to the officers' cards. The
// user's certificates are read back off the card by yubico-piv-tool and
// accepted by openssl under the rehearsal's users CA and root. With another
// authority in place of the cards', the attestation is refused and nothing
// is signed.
func TestYubiKeyProvisionOnTheVirtualCard(t *testing.T) {
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	openssl := tooltest.Need(t, "openssl", "openssl")
	o := inTheReader(t, ykpiv, 11223344, 3)
	cards := o.cards
	dir := t.TempDir()
	script := filepath.Join("..", "..", "ceremonies", "yubikey-provision.lua")

	t.Run("another authority", func(t *testing.T) {
		t.Setenv("CEREMONY_PIV_TRUST", trustFile(t, pivtest.NewAuthority()))
		bundle := filepath.Join(dir, "refused")
		var out, errb bytes.Buffer
		if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code == exitOK {
			t.Fatal("the rehearsal went through with an attestation of another authority")
		}
		if !strings.Contains(out.String()+errb.String(), "attestation") {
			t.Errorf("the refusal does not name the attestation:\n%s\n%s", out.String(), errb.String())
		}
		if m, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "*-9?.crt")); len(m) > 0 {
			t.Fatalf("a user's certificate was made: %v", m)
		}
		for _, c := range cards {
			c.Factory()
		}
		o.fresh = 0
	})

	t.Setenv("CEREMONY_PIV_TRUST", trustFile(t, o.ca))
	bundle := filepath.Join(dir, "bundle")
	var out, errb bytes.Buffer
	if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("rehearse: exit %d\n%s", code, errb.String())
	}
	if code, report := verifyOut(t, bundle); code != 0 {
		t.Fatalf("verify: %s", report)
	}
	art := func(n string) string { return filepath.Join(bundle, "artifacts", n) }
	certs, _ := filepath.Glob(art("*-9[ad].crt"))
	envs, _ := filepath.Glob(art("*-9d-escrow-*.envelope"))
	if len(certs) != 2 || len(envs) != 2 {
		t.Fatalf("certificates %v, escrow envelopes %v", certs, envs)
	}
	for _, c := range certs {
		purpose := "sslclient"
		if strings.HasSuffix(c, "-9d.crt") {
			purpose = "any"
		}
		if o, err := exec.Command(openssl, "verify", "-x509_strict", "-CAfile", art("root.crt"), "-untrusted", art("users.crt"), "-purpose", purpose, c).CombinedOutput(); err != nil {
			t.Fatalf("openssl verify %s: %v\n%s", c, err, o)
		}
	}
	if b, _ := os.ReadFile(art("ledger.txt")); !strings.Contains(string(b), " user ") || !strings.Contains(string(b), ", 9a CN=") || !strings.Contains(string(b), ", 9d CN=") {
		t.Fatalf("ledger.txt:\n%s", b)
	}
	o.deck.Top(cards[2])
	st, err := exec.Command(ykpiv, "-r", yubiReader, "-a", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(st), "O=Example Co") || !strings.Contains(string(st), "Slot 9a") || !strings.Contains(string(st), "Slot 9d") {
		t.Fatalf("yubico-piv-tool -a status: %v\n%s", err, st)
	}
	// The card's identity as yubico-piv-tool reads it: the CHUID with the
	// GUID the transcript records, and a CCC under the GSC-IS identifier.
	guid := ""
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err == nil && e.Type == "piv.provisioned" {
			var d struct {
				GUID string `json:"chuid_guid"`
			}
			json.Unmarshal(e.Data, &d)
			guid = d.GUID
		}
	}
	if len(guid) != 32 || !strings.Contains(string(st), "CHUID:\t3019d4e739da739ced39ce739d836858210842108421c84210c3eb3410"+guid+"3508") ||
		!strings.Contains(string(st), "CCC:\tf015a000000116ff02") {
		t.Fatalf("yubico-piv-tool -a status does not show the CHUID with GUID %q and the CCC:\n%s", guid, st)
	}
	recoverEscrow(t, bundle, o, certs)
}

// recoverEscrow opens the escrow envelopes on the officers' cards, as a
// recovery would, and checks that the shares combine to the private key
// of the user's 9d certificate.
func recoverEscrow(t *testing.T, bundle string, o *officerCards, certs []string) {
	t.Helper()
	var rec *shares.Record
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "piv.provisioned" {
			var d struct {
				Escrow struct{ Record *shares.Record } `json:"escrow"`
			}
			json.Unmarshal(e.Data, &d)
			rec = d.Escrow.Record
		}
	}
	envs, _ := filepath.Glob(filepath.Join(bundle, "artifacts", "*-9d-escrow-*.envelope"))
	if rec == nil || len(envs) != rec.N {
		t.Fatalf("escrow record %v, envelopes %v", rec, envs)
	}
	c := shares.NewCollector(rec)
	defer c.Zero()
	for _, f := range envs {
		b, _ := os.ReadFile(f)
		env, err := shares.ParseEnvelope(b)
		if err != nil {
			t.Fatal(err)
		}
		card, err := o.open(yubiReader, env.Card)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), env.Recipient.Bytes())
		sh, err := env.Open(func(eph *ecdh.PublicKey) ([]byte, error) {
			return piv.SharedSecret(card, pub, []byte("12345678"), eph, false)
		})
		card.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.Add(sh, env.Holder); err != nil {
			t.Fatal(err)
		}
	}
	secret, err := c.Combine()
	if err != nil {
		t.Fatal(err)
	}
	defer clear(secret)
	k, err := ecdh.P256().NewPrivateKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range certs {
		if !strings.HasSuffix(f, "-9d.crt") {
			continue
		}
		b, _ := os.ReadFile(f)
		blk, _ := pem.Decode(b)
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := cert.PublicKey.(*ecdsa.PublicKey).ECDH(); !k.PublicKey().Equal(want) {
			t.Fatal("the escrow combines to another key than the 9d certificate's")
		}
		return
	}
	t.Fatal("no 9d certificate")
}

// inTheReader makes n fresh virtual cards, serials from first on, under one
// attestation authority that the rehearsal trusts, puts them in the deck
// of the second virtual reader and has the ceremony find them there, for
// the rest of the test.
func inTheReader(t *testing.T, ykpiv string, first uint32, n int) *officerCards {
	t.Helper()
	ca := pivtest.NewAuthority()
	var cards []*vcard.Card
	for i := range n {
		cards = append(cards, vcard.New(first+uint32(i), "5.7.1", ca))
	}
	o := &officerCards{ca: ca, cards: cards, mistake: map[string]int{}, away: map[string]int{}}
	o.deck.Top(cards[0])
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := o.deck.Insert(ctx, yubiAddr); err != nil {
		tooltest.Missing(t, "%v: apt-get install pcscd vsmartcard-vpcd and start pcscd", err)
	}
	// Probed from another process until the card is up: a piv-go Open that
	// meets an earlier test's card half gone would hold the reader for the
	// rest of this one.
	want := fmt.Sprint(cards[0].Serial())
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if out, err := exec.Command(ykpiv, "-r", yubiReader, "-a", "status").Output(); err == nil && strings.Contains(string(out), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the virtual card did not come up in %s", yubiReader)
		}
	}
	real := openReader
	openReader = o.open
	t.Cleanup(func() { openReader = real })
	t.Setenv("CEREMONY_PIV_READER", yubiReader)
	t.Setenv("CEREMONY_PIV_TRUST", trustFile(t, ca))
	return o
}

// trustFile writes the root of a, to hold rehearsal attestations to.
func trustFile(t *testing.T, a *pivtest.Authority) string {
	p := filepath.Join(t.TempDir(), "trust.pem")
	if err := os.WriteFile(p, x509ca.PEM("CERTIFICATE", a.Root.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// officerCards are crypto officers' cards taking turns in one virtual
// reader: each time the ceremony asks for a card, the one asked for (or,
// for a new enrollment, the next fresh one) is put on top of the deck in
// the reader, and piv-go then finds it through pcscd like any YubiKey.
type officerCards struct {
	ca      *pivtest.Authority
	deck    vcard.Deck
	cards   []*vcard.Card
	fresh   int
	mistake map[string]int // serial -> which card goes in instead, once
	away    map[string]int // serial -> how many more times it is not brought
}

func (o *officerCards) open(reader, serial string) (piv.Card, error) {
	if serial == "" {
		o.deck.Top(o.cards[o.fresh])
		o.fresh++
	} else if i, ok := o.mistake[serial]; ok {
		delete(o.mistake, serial)
		o.deck.Top(o.cards[i])
	} else if o.away[serial] > 0 {
		o.away[serial]--
		return nil, fmt.Errorf("card %s is not in the reader", serial)
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
	o := inTheReader(t, ykpiv, 31000001, 3)
	o.mistake["31000002"] = 2
	dir := t.TempDir()
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

// TestYubiKeyOfficerCardsResume: a split to the officers' virtual cards
// that cannot finish (one officer's card stays away) leaves the ceremony;
// resumed, the split is made void and made again to the same cards,
// through pcscd, and the bundle verifies.
func TestYubiKeyOfficerCardsResume(t *testing.T) {
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	o := inTheReader(t, ykpiv, 41000001, 3)
	o.away["41000003"] = 9 // three tries of the split's three attempts
	bundle := filepath.Join(t.TempDir(), "bundle")
	script := filepath.Join("..", "..", "ceremonies", "officer-cards.lua")
	var out, errb bytes.Buffer
	if code := run([]string{"rehearse", script, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code == exitOK {
		t.Fatal("the split went through without the third officer's card")
	}
	if !strings.Contains(errb.String(), "ceremony resume") {
		t.Fatalf("no way on is offered:\n%s", errb.String())
	}
	o.away = map[string]int{}
	out.Reset()
	errb.Reset()
	if code := run([]string{"resume", bundle, "--auto"}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, errb.String())
	}
	if code, report := verifyOut(t, bundle); code != 0 {
		t.Fatalf("verify: %s", report)
	}
	n := map[string]int{}
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		n[e.Type]++
	}
	if n["piv.enrolled"] != 3 || n["split.done"] != 2 || n["envelope.sealed"] < 9 || n["share.rejected"] < 3 || n["shares.combined"] != 2 {
		t.Fatalf("events: %v", n)
	}
}
