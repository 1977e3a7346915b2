package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshca"
	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
)

// sshTools are the OpenSSH programs the SSH CA tests run.
type sshTools struct{ tooltest.OpenSSH }

func needSSH(t *testing.T) sshTools { return sshTools{tooltest.NeedOpenSSH(t)} }

func (s sshTools) newKey(t *testing.T, path string) string {
	t.Helper()
	if out, err := exec.Command(s.Keygen, "-q", "-t", "ed25519", "-N", "", "-C", filepath.Base(path), "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(pub))
	return fields[0] + " " + fields[1]
}

// certsByID splits a certificates artifact into one file per key id,
// named where ssh does not pick them up by itself.
func certsByID(t *testing.T, artifact, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(artifact)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		path := filepath.Join(dir, f[2]+".cert")
		if err := os.WriteFile(path, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out[f[2]] = path
	}
	return out
}

// splitRecord writes the public record of a share set split in a bundle,
// as a later ceremony's [sets] takes it.
func splitRecord(t *testing.T, bundle, set, path string) {
	t.Helper()
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Set    string          `json:"set"`
			Record json.RawMessage `json:"record"`
		}
		if e.Type == "secret.split" && json.Unmarshal(e.Data, &d) == nil && d.Set == set {
			if err := os.WriteFile(path, d.Record, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("%s splits no set %s", bundle, set)
}

// login runs a command over ssh as user with key (and a certificate, when
// cert is not ""), trusting hosts through knownHosts only.
func (s sshTools) login(port int, user, key, cert, knownHosts string) (string, error) {
	opts := []string{"-i", key, "-o", "BatchMode=yes"}
	if cert != "" {
		opts = append(opts, "-o", "CertificateFile="+cert)
	}
	return s.Login(port, user, knownHosts, nil, opts...)
}

// TestSSHCAWithRealSSHD runs ssh-ca.lua twice on one token, as a CA's first
// ceremony and its next one, with real keys, and holds what they make to
// OpenSSH itself: ssh-keygen reads the certificates, the revocation list
// and its signature; a real sshd that trusts ssh_ca.pub lets in a
// certificate for an allowed principal and refuses the bare key, another
// principal, an expired certificate and one the second ceremony revoked;
// and the ssh client accepts the certified host key through
// @cert-authority and refuses an uncertified one.
func TestSSHCAWithRealSSHD(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two ceremonies and two sshd")
	}
	tools := needSSH(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	script, _ := filepath.Abs(filepath.Join("..", "..", "ceremonies", "ssh-ca.lua"))
	keys := map[string]string{}
	for _, k := range []string{"alice", "bob", "carol", "host", "rogue-host"} {
		keys[k] = tools.newKey(t, filepath.Join(dir, k))
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("users.txt", fmt.Sprintf("principals=%q %s alice\nprincipals=\"someone-else\" %s bob\nprincipals=%q %s carol\n",
		me.Username, keys["alice"], keys["bob"], me.Username, keys["carol"]))
	write("hosts.txt", fmt.Sprintf("principals=\"127.0.0.1,localhost\" %s testhost\n", keys["host"]))
	env := append(os.Environ(), "CEREMONY_AUTO_SHEETS="+filepath.Join(dir, "sheets"))
	rehearse := func(cfg, out string) {
		t.Helper()
		cmd := exec.Command(bin, "rehearse", script, "--config", filepath.Join(dir, cfg), "--auto", "--out", filepath.Join(dir, out))
		cmd.Env = env
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rehearse %s: %v\n%s", cfg, err, b)
		}
		if code, v := verifyOut(t, filepath.Join(dir, out)); code != 0 {
			t.Fatalf("verify %s: %s", out, v)
		}
	}

	// The CA's first ceremony: a new key, users and the host certified.
	write("first.toml", "id = \"ssh-ca-1\"\n[token]\nembedded = \"token\"\n[inputs]\nuser_keys = \"users.txt\"\nhost_keys = \"hosts.txt\"\n"+caRoster)
	rehearse("first.toml", "first")
	art := filepath.Join(dir, "first", "artifacts")
	first := certsByID(t, filepath.Join(art, "user-certs"), dir)
	hostCerts := certsByID(t, filepath.Join(art, "host-certs"), dir)
	out, err := exec.Command(tools.Keygen, "-L", "-f", first["alice"]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `Key ID: "alice"`) || !strings.Contains(string(out), "Serial: 1\n") ||
		!strings.Contains(string(out), "Principals: \n                "+me.Username+"\n") {
		t.Fatalf("ssh-keygen -L of alice's certificate: %v\n%s", err, out)
	}
	if out, err := exec.Command(tools.Keygen, "-L", "-f", hostCerts["testhost"]).CombinedOutput(); err != nil || !strings.Contains(string(out), "host certificate") || !strings.Contains(string(out), "Serial: 4\n") {
		t.Fatalf("ssh-keygen -L of the host certificate: %v\n%s", err, out)
	}

	// The next ceremony: the same CA key and ledger, carol's key id revoked.
	splitRecord(t, filepath.Join(dir, "first"), "ssh-user", filepath.Join(dir, "ssh-user.json"))
	write("users2.txt", fmt.Sprintf("principals=%q %s alice\n", me.Username, keys["alice"]))
	write("next.toml", "id = \"ssh-ca-2\"\n[token]\nembedded = \"token\"\n[inputs]\nuser_keys = \"users2.txt\"\nhost_keys = \"hosts.txt\"\n"+
		"ledger = \"first/artifacts/ssh-ledger-final.json\"\n[sets]\nssh-user = \"ssh-user.json\"\n[params]\nnew_ca = false\nrevoke_key_id = \"carol\"\n"+caRoster)
	rehearse("next.toml", "next")
	art2 := filepath.Join(dir, "next", "artifacts")
	second := certsByID(t, filepath.Join(art2, "user-certs"), filepath.Join(t.TempDir()))
	if out, _ := exec.Command(tools.Keygen, "-L", "-f", second["alice"]).CombinedOutput(); !strings.Contains(string(out), "Serial: 5\n") {
		t.Fatalf("the next ceremony's serials do not continue the ledger:\n%s", out)
	}
	krl := filepath.Join(art2, "revoked.krl")
	for id, want := range map[string]bool{"alice": false, "bob": false, "carol": true} {
		out, err := exec.Command(tools.Keygen, "-Q", "-f", krl, first[id]).CombinedOutput()
		if got := err != nil && strings.Contains(string(out), "REVOKED"); got != want {
			t.Errorf("ssh-keygen -Q says %s revoked=%v, want %v: %s", id, got, want, out)
		}
	}
	caLine, err := os.ReadFile(filepath.Join(art, "ssh_ca.pub"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := write("allowed_signers", "ssh-ca "+string(caLine))
	verifyKRL := exec.Command(tools.Keygen, "-Y", "verify", "-f", allowed, "-I", "ssh-ca", "-n", sshca.KRLNamespace, "-s", krl+".sig")
	verifyKRL.Stdin, _ = os.Open(krl)
	if out, err := verifyKRL.CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y verify of the KRL's signature: %v\n%s", err, out)
	}

	// An expired certificate for alice's key, from a CA sshd also trusts:
	// what sshd refuses is the validity, not an unknown CA.
	soft, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	softCA, _ := sshca.CASigner(soft)
	alicePub, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(keys["alice"]))
	expired, err := sshca.Sign(softCA, sshca.Request{Kind: sshca.User, Key: alicePub, KeyID: "alice-expired", Serial: 1,
		Principals: []string{me.Username}, ValidAfter: time.Now().Add(-2 * time.Hour), ValidBefore: time.Now().Add(-time.Hour),
		Extensions: sshca.DefaultUserExtensions})
	if err != nil {
		t.Fatal(err)
	}
	expiredPath := write("alice-expired.cert", string(ssh.MarshalAuthorizedKey(expired)))
	trusted := write("trusted_ca", string(caLine)+string(ssh.MarshalAuthorizedKey(softCA.PublicKey())))

	port := tools.StartSSHD(t, dir, "HostKey "+filepath.Join(dir, "host"), "HostCertificate "+hostCerts["testhost"],
		"TrustedUserCAKeys "+trusted, "RevokedKeys "+krl)
	known := write("known_hosts", fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", port, caLine))
	for _, c := range []struct {
		name, key, cert string
		ok              bool
	}{
		{"a certificate for an allowed principal", "alice", first["alice"], true},
		{"the next ceremony's certificate", "alice", second["alice"], true},
		{"the same key without its certificate", "alice", "", false},
		{"a certificate for another principal", "bob", first["bob"], false},
		{"an expired certificate", "alice", expiredPath, false},
		{"a revoked certificate", "carol", first["carol"], false},
	} {
		out, err := tools.login(port, me.Username, filepath.Join(dir, c.key), c.cert, known)
		if ok := err == nil && strings.Contains(out, "logged-in-as-"+me.Username); ok != c.ok {
			t.Errorf("%s: logged in=%v, want %v: %v\n%s", c.name, ok, c.ok, err, out)
		}
	}

	// A server whose host key has no certificate is refused.
	rogue := tools.StartSSHD(t, dir, "HostKey "+filepath.Join(dir, "rogue-host"), "TrustedUserCAKeys "+trusted)
	rogueKnown := write("known_hosts_rogue", fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", rogue, caLine))
	if out, err := tools.login(rogue, me.Username, filepath.Join(dir, "alice"), first["alice"], rogueKnown); err == nil || !strings.Contains(out, "Host key verification failed") {
		t.Errorf("a host without a certificate was trusted: %v\n%s", err, out)
	}
}
