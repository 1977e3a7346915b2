//go:build piv

package main

import (
	"bytes"
	"context"
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
