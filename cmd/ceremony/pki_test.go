package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/helper/certutil"

	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/x509ca"
)

// caRoster fills the roles of the CA ceremonies: the administrator, the
// internal witness, two crypto officers and a remote party.
const caRoster = `
[[participant]]
id = "alice"
name = "Alice Abbott"
roles = ["CA"]
[[participant]]
id = "bruno"
name = "Bruno Bauer"
roles = ["IW"]
[[participant]]
id = "chloe"
name = "Chloe Chen"
roles = ["CO"]
[[participant]]
id = "dmitri"
name = "Dmitri Dahl"
roles = ["CO"]
[[participant]]
id = "farah"
name = "Farah Fox"
roles = ["RP"]
`

// pki is a root CA ceremony's working directory.
type pki struct {
	t       *testing.T
	bin     string
	dir     string
	openssl string
	env     []string
}

func newPKI(t *testing.T) *pki {
	return &pki{t: t, bin: buildBinary(t), dir: t.TempDir(), openssl: tooltest.Need(t, "openssl", "openssl"),
		env: append(os.Environ(), "CEREMONY_AUTO_SHEETS="+filepath.Join(t.TempDir(), "sheets"))}
}

func (p *pki) write(name string, b []byte) string {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// rehearse runs a shipped ceremony with a configuration, unattended, and
// returns its output and whether it ended well.
func (p *pki) rehearse(script, cfg, out string) (string, bool) {
	cmd := exec.Command(p.bin, "rehearse", filepath.Join("..", "..", "ceremonies", script), "--config", filepath.Join(p.dir, cfg), "--auto", "--out", filepath.Join(p.dir, out))
	cmd.Env = p.env
	b, err := cmd.CombinedOutput()
	return string(b), err == nil
}

func (p *pki) art(bundle, name string) string { return filepath.Join(p.dir, bundle, "artifacts", name) }

func (p *pki) ssl(args ...string) (string, error) {
	out, err := exec.Command(p.openssl, args...).CombinedOutput()
	return string(out), err
}

func csrFor(t *testing.T, subject string, key crypto.Signer) []byte {
	t.Helper()
	n, err := x509ca.ParseName(subject)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: n}, key)
	if err != nil {
		t.Fatal(err)
	}
	return x509ca.PEM("CERTIFICATE REQUEST", der)
}

// leafFrom issues a TLS server certificate under an intermediate, as the
// system holding the intermediate's key would, and writes it.
func (p *pki) leafFrom(ca *x509.Certificate, key crypto.Signer, name string) string {
	p.t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := x509ca.RandomSerial()
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, k.Public(), key)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.write(name+".crt", x509ca.PEM("CERTIFICATE", der))
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509ca.ParseCertificate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRootCA runs root-ca.lua with each way an intermediate's key comes
// (dev from a request made elsewhere, test and users on the token, prod
// for Vault), then crl.lua on the same token and shares revoking prod, and
// holds what they make to OpenSSL, age and Vault's own bundle parser.
func TestRootCA(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two ceremonies")
	}
	p := newPKI(t)
	ageKeygen := tooltest.Need(t, "age-keygen", "age")
	out, err := exec.Command(ageKeygen, "-o", filepath.Join(p.dir, "vault-identity")).CombinedOutput()
	if err != nil {
		t.Fatalf("age-keygen: %v\n%s", err, out)
	}
	recipient := strings.TrimSpace(string(out[strings.Index(string(out), "age1"):]))
	devKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p.write("dev.csr", csrFor(t, "C=US, O=Example Co, CN=Example Dev CA", devKey))
	p.write("root.toml", []byte("id = \"root-ca-1\"\n[token]\nembedded = \"token\"\n[inputs]\ndev_csr = \"dev.csr\"\n"+
		"[params]\ntest_from = \"token\"\nprod_from = \"vault\"\nvault_recipient = \""+recipient+"\"\n"+caRoster))
	if out, ok := p.rehearse("root-ca.lua", "root.toml", "root"); !ok {
		t.Fatalf("root-ca.lua: %s", out)
	}
	if code, v := verifyOut(t, filepath.Join(p.dir, "root")); code != 0 || !strings.Contains(v, "conformance  the events are what script.lua makes") {
		t.Fatalf("verify: %s", v)
	}
	root := p.art("root", "root.crt")
	for _, n := range []string{"dev", "test", "prod", "users"} {
		if out, err := p.ssl("verify", "-x509_strict", "-CAfile", root, p.art("root", n+".crt")); err != nil {
			t.Errorf("openssl verify %s: %v\n%s", n, err, out)
		}
	}
	text, _ := p.ssl("x509", "-noout", "-text", "-in", root)
	for _, w := range []string{"ecdsa-with-SHA384", "CA:TRUE, pathlen:1", "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
		"X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier", "URI:http://crl.example.org/root.crl",
		"Subject: C = US, ST = California, L = San Francisco, O = Example Co, CN = Example Root CA"} {
		if !strings.Contains(text, w) {
			t.Errorf("openssl x509 -text of the root lacks %q:\n%s", w, text)
		}
	}
	rootCert := readCert(t, root)
	if rootCert.SerialNumber.BitLen() < 64 || rootCert.NotAfter.Sub(rootCert.NotBefore) != 87600*time.Hour {
		t.Errorf("root serial of %d bits, validity %v", rootCert.SerialNumber.BitLen(), rootCert.NotAfter.Sub(rootCert.NotBefore))
	}
	if text, _ := p.ssl("x509", "-noout", "-text", "-in", p.art("root", "users.crt")); !strings.Contains(text, "CA:TRUE, pathlen:0") {
		t.Errorf("the users intermediate is not pathlen 0:\n%s", text)
	}

	// A leaf below the intermediate whose key never left its system.
	devLeaf := p.leafFrom(readCert(t, p.art("root", "dev.crt")), devKey, "dev.example.org")
	if out, err := p.ssl("verify", "-x509_strict", "-CAfile", root, "-untrusted", p.art("root", "dev.crt"), devLeaf); err != nil {
		t.Errorf("openssl verify of a leaf below dev: %v\n%s", err, out)
	}

	// The Vault bundle opens with age and reads with Vault's rules; a leaf
	// from its key verifies.
	opened := tooltest.OpenAge(t, filepath.Join(p.dir, "vault-identity"), p.art("root", "prod-bundle.json.age"))
	var vb struct {
		PEMBundle string `json:"pem_bundle"`
	}
	if err := json.Unmarshal(opened, &vb); err != nil {
		t.Fatal(err)
	}
	bundle, err := certutil.ParsePEMBundle(vb.PEMBundle)
	if err != nil {
		t.Fatalf("Vault's ParsePEMBundle: %v", err)
	}
	prod := readCert(t, p.art("root", "prod.crt"))
	if !bundle.Certificate.Equal(prod) || len(bundle.CAChain) != 1 || !bundle.CAChain[0].Certificate.Equal(rootCert) {
		t.Fatal("the Vault bundle holds other certificates")
	}
	prodLeaf := p.leafFrom(prod, bundle.PrivateKey, "www.example.org")
	if out, err := p.ssl("verify", "-x509_strict", "-CAfile", root, "-untrusted", p.art("root", "prod.crt"), prodLeaf); err != nil {
		t.Errorf("openssl verify of a leaf from the Vault bundle's key: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(p.dir, "root", "transcript.jsonl")); bytes.Contains(b, []byte("PRIVATE KEY")) {
		t.Fatal("the transcript holds a private key")
	}

	// The first CRL: number 1, nothing revoked, and the chain passes with it.
	crl1 := p.art("root", "root.crl")
	if out, err := p.ssl("crl", "-noout", "-verify", "-CAfile", root, "-in", crl1); err != nil || !strings.Contains(out, "verify OK") {
		t.Fatalf("openssl crl -verify: %v\n%s", err, out)
	}
	if out, _ := p.ssl("crl", "-noout", "-text", "-in", crl1); !strings.Contains(out, "X509v3 CRL Number: \n                1") || !strings.Contains(out, "No Revoked Certificates") {
		t.Errorf("the first CRL:\n%s", out)
	}
	if out, err := p.ssl("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl1, p.art("root", "prod.crt")); err != nil {
		t.Errorf("openssl verify -crl_check: %v\n%s", err, out)
	}

	// What zlint ran and left out is on the record, for each certificate.
	lints := 0
	for e, err := range transcript.ReadEvents(filepath.Join(p.dir, "root", transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "x509.issued" || e.Type == "x509.crl" {
			var d struct {
				Lint x509ca.LintReport `json:"lint"`
			}
			json.Unmarshal(e.Data, &d)
			if d.Lint.Lints < 5 || len(d.Lint.Excluded.ExcludeSources) == 0 {
				t.Errorf("%s: lint report %+v", e.Type, d.Lint)
			}
			lints++
		}
	}
	if lints != 6 {
		t.Errorf("%d lint reports, want 6 (root, four intermediates, CRL)", lints)
	}
	ledger, _ := os.ReadFile(p.art("root", "ledger.txt"))
	if n := strings.Count(string(ledger), " # 20"); n != 5 {
		t.Errorf("ledger.txt has %d certificates:\n%s", n, ledger)
	}

	// The yearly CRL ceremony on the same token and shares revokes prod.
	splitRecord(t, filepath.Join(p.dir, "root"), "root-user", filepath.Join(p.dir, "root-user.json"))
	p.write("crl.toml", []byte("id = \"crl-1\"\n[token]\nembedded = \"token\"\n[inputs]\nroot_crt = \"root/artifacts/root.crt\"\n"+
		"previous_crl = \"root/artifacts/root.crl\"\nledger = \"root/artifacts/ledger.json\"\n[sets]\nroot-user = \"root-user.json\"\n"+
		"[params]\nwith_new_root = false\nrevoke = \"prod\"\nreason = \"keyCompromise\"\n"+caRoster))
	if out, ok := p.rehearse("crl.lua", "crl.toml", "crl"); !ok {
		t.Fatalf("crl.lua: %s", out)
	}
	if code, v := verifyOut(t, filepath.Join(p.dir, "crl")); code != 0 {
		t.Fatalf("verify crl: %s", v)
	}
	crl2 := p.art("crl", "root.crl")
	if out, err := p.ssl("crl", "-noout", "-verify", "-CAfile", root, "-in", crl2); err != nil || !strings.Contains(out, "verify OK") {
		t.Fatalf("openssl crl -verify of the second CRL: %v\n%s", err, out)
	}
	if out, _ := p.ssl("crl", "-noout", "-text", "-in", crl2); !strings.Contains(out, "X509v3 CRL Number: \n                2") || !strings.Contains(out, "Key Compromise") {
		t.Errorf("the second CRL:\n%s", out)
	}
	if out, err := p.ssl("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl2, p.art("root", "prod.crt")); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify -crl_check accepted the revoked prod intermediate: %v\n%s", err, out)
	}
	if out, err := p.ssl("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl2, p.art("root", "dev.crt")); err != nil {
		t.Errorf("openssl verify -crl_check refused dev: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(p.art("crl", "ledger.json"))
	led, err := x509ca.ParseLedger(b)
	if err != nil {
		t.Fatal(err)
	}
	i, _ := led.Find("prod")
	if r := led.Certificates[i]; r.Reason != "keyCompromise" || r.RevokedIn != 2 || len(led.Certificates) != 5 {
		t.Errorf("the ledger after the CRL: %+v", led)
	}
}

// TestRootCARefusesBadRequests: a request whose signature fails, whose key
// is weaker than the profile or whose subject the profile does not allow
// stops the step with a clear error, and nothing is signed for it.
func TestRootCARefusesBadRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three ceremonies")
	}
	good, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	broken := csrFor(t, "C=US, O=Example Co, CN=Example Dev CA", good)
	blk, _ := pem.Decode(broken)
	blk.Bytes[len(blk.Bytes)-3] ^= 1
	for _, c := range []struct {
		name string
		csr  []byte
		want string
	}{
		{"signature fails", pem.EncodeToMemory(blk), "the request's signature does not verify"},
		{"weak key", csrFor(t, "C=US, O=Example Co, CN=Example Dev CA", weak), "weak key: RSA key of 1024 bits"},
		{"another subject", csrFor(t, "C=US, O=Example Co, CN=Evil CA", good), "the profile certifies"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPKI(t)
			p.write("dev.csr", c.csr)
			p.write("root.toml", []byte("id = \"root-ca-1\"\n[token]\nembedded = \"token\"\n[inputs]\ndev_csr = \"dev.csr\"\n[params]\ntest_from = \"token\"\nprod_from = \"token\"\n"+caRoster))
			out, ok := p.rehearse("root-ca.lua", "root.toml", "root")
			if ok || !strings.Contains(out, c.want) {
				t.Fatalf("want a refusal with %q:\n%s", c.want, out)
			}
			for e, err := range transcript.ReadEvents(filepath.Join(p.dir, "root", transcript.TranscriptFile)) {
				if err == nil && e.Type == "x509.issued" && bytes.Contains(e.Data, []byte(`"name":"dev"`)) {
					t.Fatal("the dev intermediate was signed")
				}
			}
		})
	}
}
