//go:build piv

package vcard_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pivgo "github.com/go-piv/piv-go/v2/piv"
	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
	"github.com/ceremony-dev/ceremony/piv/vcard"
	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/x509ca"
)

const reader = "Virtual PCD 00 00"

// The card stays in the first vpcd reader for the whole run: pcscd polls
// for removal, and a card taken out and another put in between two polls
// looks to it like one card with a stale handle. Each test starts it from
// the factory state instead.
var inReader struct {
	once sync.Once
	card *vcard.Card
	ca   *pivtest.Authority
	err  error
}

const serial32 = 24681357

// insert gives the test the virtual card, fresh from the factory, in the
// first vpcd reader, once PC/SC sees it.
func insert(t *testing.T) (*vcard.Card, *pivtest.Authority) {
	t.Helper()
	inReader.once.Do(func() {
		inReader.ca = pivtest.NewAuthority()
		inReader.card = vcard.New(serial32, "5.7.1", inReader.ca)
		_, inReader.err = inReader.card.Insert(context.Background(), vcard.VPCDAddr)
	})
	if inReader.err != nil {
		tooltest.Missing(t, "%v: apt-get install pcscd vsmartcard-vpcd and start pcscd", inReader.err)
	}
	inReader.card.Factory()
	waitFor(t, func() error {
		yk, err := pivgo.Open(reader)
		if err == nil {
			yk.Close()
		}
		return err
	})
	return inReader.card, inReader.ca
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
	_, ca := insert(t)
	c := open(t)
	if s, err := c.Serial(); err != nil || s != serial32 {
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
	if a.Serial != serial32 || a.Firmware != "5.7.1" || a.Policy != p || a.Slot != piv.SlotKeyManagement {
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

// TestIndependentClientsReadTheVirtualCard: what piv-go wrote on the card
// (a 9a key and its certificate) is read by yubico-piv-tool and by OpenSC's
// PIV driver, as the guide's users read their YubiKeys.
func TestIndependentClientsReadTheVirtualCard(t *testing.T) {
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	pkcs15 := tooltest.Need(t, "pkcs15-tool", "opensc")
	insert(t)
	yk, err := pivgo.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := yk.GenerateKey(vcard.DefaultManagementKey, pivgo.SlotAuthentication,
		pivgo.Key{Algorithm: pivgo.AlgorithmEC256, PINPolicy: pivgo.PINPolicyOnce, TouchPolicy: pivgo.TouchPolicyNever})
	if err != nil {
		t.Fatal(err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: "Alice Adams", Organization: []string{"Example Users"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := yk.SetCertificate(vcard.DefaultManagementKey, pivgo.SlotAuthentication, cert); err != nil {
		t.Fatal(err)
	}
	yk.Close()
	out, err := exec.Command(ykpiv, "-r", reader, "-a", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CN=Alice Adams") {
		t.Fatalf("yubico-piv-tool -a status: %v\n%s", err, out)
	}
	out, err = exec.Command(pkcs15, "--list-certificates").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Certificate for PIV Authentication") {
		t.Fatalf("pkcs15-tool --list-certificates: %v\n%s", err, out)
	}
	out, err = exec.Command(pkcs15, "--read-certificate", "01").Output()
	b, _ := pem.Decode(out)
	if err != nil || b == nil {
		t.Fatalf("pkcs15-tool --read-certificate 01: %v\n%s", err, out)
	}
	if got, err := x509.ParseCertificate(b.Bytes); err != nil || !got.Equal(cert) {
		t.Fatalf("OpenSC reads another certificate in 9a: %v", err)
	}
	// ssh-keygen through OpenSC's PKCS #11 module: the key a user logs in
	// to servers with.
	keygen := tooltest.Need(t, "ssh-keygen", "openssh-client")
	out, err = exec.Command(keygen, "-D", openscModule).CombinedOutput()
	sshPub, _ := ssh.NewPublicKey(pub)
	if err != nil || !strings.Contains(string(out), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))) {
		t.Fatalf("ssh-keygen -D %s does not list the 9a key %s: %v\n%s", openscModule, ssh.MarshalAuthorizedKey(sshPub), err, out)
	}
}

// openscModule is OpenSC's PKCS #11 module, as Debian's opensc-pkcs11 has it.
const openscModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

// TestProvisionOnTheVirtualCard provisions the card as the guide's users'
// YubiKeys are, through piv-go's real path, and holds the result to the
// tools users and servers have: OpenSSL accepts the 9a certificate under
// the users intermediate and root, yubico-piv-tool lists it, a real sshd
// lets the user in with the 9a key through OpenSC's PKCS #11 module and
// the new PIN; the factory PIN, the PUK and the factory management key no
// longer work, and the new management key is on the card behind the PIN.
func TestProvisionOnTheVirtualCard(t *testing.T) {
	openssl := tooltest.Need(t, "openssl", "openssl")
	ykpiv := tooltest.Need(t, "yubico-piv-tool", "yubico-piv-tool")
	tools := tooltest.NeedOpenSSH(t)
	_, ca := insert(t)
	dir := t.TempDir()
	now := time.Now().UTC().Truncate(time.Second)
	rootKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	serial := func() *big.Int { n, _ := x509ca.RandomSerial(); return n }
	root, err := x509ca.IssueCA(rootKey, nil, rootKey.Public(), x509ca.Profile{Subject: pkix.Name{CommonName: "Example Root CA", Organization: []string{"Example"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0), PathLen: 1}, serial(), x509ca.PrivatePKI)
	if err != nil {
		t.Fatal(err)
	}
	usersKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	users, err := x509ca.IssueCA(rootKey, root.Cert, usersKey.Public(), x509ca.Profile{Subject: pkix.Name{CommonName: "Example Users CA", Organization: []string{"Example"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), PathLen: 0}, serial(), x509ca.PrivatePKI)
	if err != nil {
		t.Fatal(err)
	}
	newPIN := []byte("24681357")
	c := open(t)
	done, err := piv.Provision(c, piv.Provisioning{
		Slot: piv.SlotAuthentication, Alg: piv.ECDSAP256, Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever}, Trust: ca.Trust(),
		NewPIN: newPIN,
		Issue: func(pub crypto.PublicKey, a *piv.Attestation) (*x509.Certificate, error) {
			iss, err := x509ca.IssueUser(usersKey, users.Cert, pub, x509ca.Profile{
				Subject:   pkix.Name{CommonName: "Alice Adams", Organization: []string{"Example"}},
				NotBefore: now, NotAfter: now.AddDate(2, 0, 0),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			}, serial(), x509ca.PrivatePKI)
			if err != nil {
				return nil, err
			}
			return iss.Cert, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !done.PUKBlocked || done.Attestation.Serial != serial32 || done.Cert.Subject.CommonName != "Alice Adams" {
		t.Fatalf("provisioned %+v", done)
	}
	write := func(name string, ders ...[]byte) string {
		var b []byte
		for _, d := range ders {
			b = append(b, x509ca.PEM("CERTIFICATE", d)...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out, err := exec.Command(openssl, "verify", "-x509_strict", "-CAfile", write("root.pem", root.DER), "-untrusted", write("users.pem", users.DER),
		"-purpose", "sslclient", write("alice.pem", done.Cert.Raw)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	// piv-go holds the card in a transaction until it is closed.
	c.Close()
	guid := hex.EncodeToString(done.GUID[:])
	if out, err := exec.Command(ykpiv, "-r", reader, "-a", "status").CombinedOutput(); err != nil || !strings.Contains(string(out), "CN=Alice Adams") ||
		!strings.Contains(string(out), guid) || !strings.Contains(string(out), "CCC:") {
		t.Fatalf("yubico-piv-tool -a status, with the CHUID's GUID %s and a CCC: %v\n%s", guid, err, out)
	}
	// OpenSC's PIV driver takes the card's serial from the CHUID's GUID.
	if out, err := exec.Command(tooltest.Need(t, "pkcs15-tool", "opensc"), "--list-info").CombinedOutput(); err != nil ||
		!strings.Contains(strings.ToLower(string(out)), guid) {
		t.Fatalf("pkcs15-tool --list-info does not show the GUID %s: %v\n%s", guid, err, out)
	}

	// The user logs in to a server that knows their 9a key, through OpenSC;
	// with IdentitiesOnly, ssh takes a token's key named by its public half.
	sshPub, _ := ssh.NewPublicKey(done.Attestation.PublicKey)
	authorized := filepath.Join(dir, "authorized_keys")
	os.WriteFile(authorized, ssh.MarshalAuthorizedKey(sshPub), 0o600)
	if out, err := exec.Command(tools.Keygen, "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "host")).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	port := tools.StartSSHD(t, dir, "HostKey "+filepath.Join(dir, "host"), "AuthorizedKeysFile "+authorized)
	hostPub, _ := os.ReadFile(filepath.Join(dir, "host.pub"))
	known := filepath.Join(dir, "known_hosts")
	os.WriteFile(known, []byte(fmt.Sprintf("[127.0.0.1]:%d %s", port, hostPub)), 0o600)
	askpass := filepath.Join(dir, "askpass")
	os.WriteFile(askpass, []byte("#!/bin/sh\necho "+string(newPIN)+"\n"), 0o700)
	me, _ := user.Current()
	login, err := tools.Login(port, me.Username, known, []string{"SSH_ASKPASS=" + askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=none"},
		"-i", authorized, "-o", "PKCS11Provider="+openscModule, "-o", "PreferredAuthentications=publickey")
	if err != nil || !strings.Contains(login, "logged-in-as-"+me.Username) {
		t.Fatalf("ssh with the 9a key through %s: %v\n%s", openscModule, err, login)
	}

	yk, err := pivgo.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer yk.Close()
	if err := yk.VerifyPIN(string(piv.DefaultPIN)); err == nil {
		t.Fatal("the factory PIN still works")
	}
	var auth pivgo.AuthErr
	if err := yk.Unblock(string(piv.DefaultPUK), "11111111"); !errors.As(err, &auth) || auth.Retries != 0 {
		t.Fatalf("the PUK is not blocked: %v", err)
	}
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, pivgo.SlotSignature, pivgo.Key{Algorithm: pivgo.AlgorithmEC256}); err == nil {
		t.Fatal("the factory management key still works")
	}
	m, err := yk.Metadata(string(newPIN))
	if err != nil || m.ManagementKey == nil || len(*m.ManagementKey) != 24 || string(*m.ManagementKey) == string(piv.DefaultManagementKey) {
		t.Fatalf("the PIN-protected management key: %v, %v", m, err)
	}
}
