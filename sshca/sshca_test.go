package sshca_test

import (
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshca"
	"github.com/ceremony-dev/ceremony/tooltest"
)

func sshPub(t testing.TB, k crypto.Signer) ssh.PublicKey {
	t.Helper()
	p, err := ssh.NewPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa-p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ecdsa-p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa-2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa-1024":
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	}
	if err != nil || k == nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return k
}

var (
	from = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)
)

// keygenL runs ssh-keygen -L on a certificate, in UTC.
func keygenL(t *testing.T, c *ssh.Certificate) string {
	t.Helper()
	keygen := tooltest.Need(t, "ssh-keygen", "openssh-client")
	path := filepath.Join(t.TempDir(), "id-cert.pub")
	if err := os.WriteFile(path, ssh.MarshalAuthorizedKey(c), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(keygen, "-L", "-f", path)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen -L: %v\n%s", err, out)
	}
	return string(out)
}

// TestKeygenShowsWhatWasAsked: ssh-keygen -L shows for each certificate
// exactly the key id, serial, principals, validity, critical options and
// extensions asked for, signed with the algorithm the CA's type calls for.
func TestKeygenShowsWhatWasAsked(t *testing.T) {
	cases := []struct {
		ca   string
		req  sshca.Request
		want []string
	}{
		{"ecdsa-p256", sshca.Request{Kind: sshca.User, KeyID: "alice@example", Serial: 7, Principals: []string{"alice", "deploy"},
			ValidAfter: from, ValidBefore: to, Extensions: sshca.DefaultUserExtensions,
			CriticalOptions: map[string]string{"force-command": "/usr/bin/uptime", "source-address": "10.0.0.0/8,192.0.2.1"}},
			[]string{"user certificate", `Key ID: "alice@example"`, "Serial: 7", "Valid: from 2026-12-01T00:00:00 to 2027-12-01T00:00:00",
				"Principals: \n                alice\n                deploy\n",
				"Critical Options: \n                force-command /usr/bin/uptime\n                source-address 10.0.0.0/8,192.0.2.1\n",
				"Extensions: \n                permit-X11-forwarding\n                permit-agent-forwarding\n                permit-port-forwarding\n                permit-pty\n                permit-user-rc\n",
				"(using ecdsa-sha2-nistp256)"}},
		{"rsa-2048", sshca.Request{Kind: sshca.Host, KeyID: "web1", Serial: 8, Principals: []string{"web1.example.org"},
			ValidAfter: from, ValidBefore: to},
			[]string{"host certificate", `Key ID: "web1"`, "Serial: 8", "Principals: \n                web1.example.org\n",
				"Critical Options: (none)", "Extensions: (none)", "(using rsa-sha2-512)"}},
		{"ed25519", sshca.Request{Kind: sshca.User, KeyID: "break-glass", Serial: 9, ValidAfter: from, ValidBefore: sshca.Forever, Unbounded: true},
			[]string{"Valid: after 2026-12-01T00:00:00", "Principals: (none)", "(using ssh-ed25519)"}},
	}
	for _, c := range cases {
		t.Run(c.req.KeyID, func(t *testing.T) {
			ca, err := sshca.CASigner(newKey(t, c.ca))
			if err != nil {
				t.Fatal(err)
			}
			c.req.Key = sshPub(t, newKey(t, "ed25519"))
			cert, err := sshca.Sign(ca, c.req)
			if err != nil {
				t.Fatal(err)
			}
			out := keygenL(t, cert)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("ssh-keygen -L does not show %q:\n%s", w, out)
				}
			}
			if err := sshca.Verify(cert, ca.PublicKey()); err != nil {
				t.Fatal(err)
			}
			other, _ := sshca.CASigner(newKey(t, "ed25519"))
			if sshca.Verify(cert, other.PublicKey()) == nil {
				t.Fatal("verified under another CA")
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	ca, _ := sshca.CASigner(newKey(t, "ecdsa-p256"))
	good := sshca.Request{Kind: sshca.User, KeyID: "k", Serial: 1, Principals: []string{"a"}, ValidAfter: from, ValidBefore: to,
		Key: sshPub(t, newKey(t, "ed25519"))}
	var params dsa.Parameters
	if err := dsa.GenerateParameters(&params, rand.Reader, dsa.L1024N160); err != nil {
		t.Fatal(err)
	}
	dk := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: params}}
	if err := dsa.GenerateKey(dk, rand.Reader); err != nil {
		t.Fatal(err)
	}
	dsaPub, err := ssh.NewPublicKey(&dk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(*sshca.Request)
		want   error
	}{
		{"no principals", func(r *sshca.Request) { r.Principals = nil }, sshca.ErrUnbounded},
		{"valid for ever", func(r *sshca.Request) { r.ValidBefore = sshca.Forever }, sshca.ErrUnbounded},
		{"rsa 1024", func(r *sshca.Request) { r.Key = sshPub(t, newKey(t, "rsa-1024")) }, sshca.ErrWeakKey},
		{"dsa", func(r *sshca.Request) { r.Key = dsaPub }, sshca.ErrWeakKey},
		{"serial 0", func(r *sshca.Request) { r.Serial = 0 }, nil},
		{"no key id", func(r *sshca.Request) { r.KeyID = "" }, nil},
		{"ends before it starts", func(r *sshca.Request) { r.ValidBefore = from.Add(-time.Hour) }, nil},
		{"unknown option", func(r *sshca.Request) { r.CriticalOptions = map[string]string{"no-pty": ""} }, nil},
		{"bad source-address", func(r *sshca.Request) { r.CriticalOptions = map[string]string{"source-address": "10.0.0.0/33"} }, nil},
		{"unknown extension", func(r *sshca.Request) { r.Extensions = []string{"permit-everything"} }, nil},
		{"host with options", func(r *sshca.Request) {
			r.Kind = sshca.Host
			r.Extensions = []string{"permit-pty"}
		}, nil},
		{"comma in principal", func(r *sshca.Request) { r.Principals = []string{"a,b"} }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := good
			c.change(&r)
			_, err := sshca.Sign(ca, r)
			if err == nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if _, err := sshca.Sign(ca, good); err != nil {
		t.Fatalf("the good request: %v", err)
	}
	// A token that signs with another key than the one expected: nothing
	// of the batch comes back.
	other, _ := sshca.CASigner(newKey(t, "ecdsa-p256"))
	if certs, err := sshca.SignBatch(other, ca.PublicKey(), []sshca.Request{good, good}); err == nil || certs != nil {
		t.Fatalf("a batch signed by another key: %v", err)
	}
}

// TestKeygenQueriesKRL: ssh-keygen -Q reports as revoked the certificates
// the KRL revokes (by serial, by key id, by key) and the others as not.
func TestKeygenQueriesKRL(t *testing.T) {
	keygen := tooltest.Need(t, "ssh-keygen", "openssh-client")
	caKey := newKey(t, "ecdsa-p256")
	ca, _ := sshca.CASigner(caKey)
	dir := t.TempDir()
	ledger := sshca.NewLedger(ca.PublicKey())
	var files []string
	keys := map[uint64]ssh.PublicKey{}
	for i, id := range []string{"alice", "bob", "carol", "dave", "erin", "bob"} {
		keys[uint64(i+1)] = sshPub(t, newKey(t, "ed25519"))
		cert, err := sshca.Sign(ca, sshca.Request{Kind: sshca.User, KeyID: id, Serial: ledger.NextSerial(), Principals: []string{id},
			ValidAfter: from, ValidBefore: to, Key: keys[uint64(i+1)]})
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.Add(cert, "test"); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, fmt.Sprintf("%d-cert.pub", i+1)))
		os.WriteFile(files[i], ssh.MarshalAuthorizedKey(cert), 0o644)
	}
	// Revoked: 1 by serial, both "bob" (2 and 6) by key id, 4's key outright.
	marked, err := ledger.Revoke([]uint64{1}, []string{"bob"}, []ssh.PublicKey{keys[4]}, to, "test")
	if err != nil || marked != 4 {
		t.Fatalf("marked %d: %v", marked, err)
	}
	if _, err := ledger.Revoke([]uint64{99}, nil, nil, to, "test"); err == nil {
		t.Fatal("a serial never issued was revoked")
	}
	krl, err := ledger.KRL(ca.PublicKey(), to, "test KRL")
	if err != nil {
		t.Fatal(err)
	}
	b, err := krl.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "revoked.krl")
	os.WriteFile(path, b, 0o644)
	revoked := map[int]bool{1: true, 2: true, 4: true, 6: true}
	for i, f := range files {
		out, err := exec.Command(keygen, "-Q", "-f", path, f).CombinedOutput()
		got := err != nil && strings.Contains(string(out), "REVOKED")
		if err != nil && !got {
			t.Fatalf("ssh-keygen -Q %s: %v\n%s", f, err, out)
		}
		if got != revoked[i+1] {
			t.Errorf("certificate %d: ssh-keygen -Q says revoked=%v, want %v\n%s", i+1, got, revoked[i+1], out)
		}
	}
	// ssh-keygen reads the whole list back.
	out, err := exec.Command(keygen, "-Q", "-l", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen -Q -l: %v\n%s", err, out)
	}
	for _, w := range []string{"KRL version 1", "Comment: test KRL", "serial: 1", "id: bob", "hash: SHA256:" + strings.TrimPrefix(sshca.Fingerprint(keys[4]), "SHA256:")} {
		if !strings.Contains(string(out), w) {
			t.Errorf("ssh-keygen -Q -l does not show %q:\n%s", w, out)
		}
	}
	// The next list of the same ledger has the next version.
	if k2, _ := ledger.KRL(ca.PublicKey(), to, ""); k2.Version != 2 {
		t.Fatalf("second KRL version %d", k2.Version)
	}
}
