package x509ca_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/helper/certutil"

	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/x509ca"
)

var (
	now     = time.Now().UTC().Truncate(time.Second)
	rootEnd = now.AddDate(10, 0, 0)
)

func p384(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	s, err := x509ca.RandomSerial()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func name(t testing.TB, s string) pkix.Name {
	n, err := x509ca.ParseName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type hierarchy struct {
	rootKey, intKey crypto.Signer
	root, inter     *x509ca.Issued
}

func newHierarchy(t *testing.T, rootKey crypto.Signer) hierarchy {
	t.Helper()
	root, err := x509ca.IssueCA(rootKey, nil, rootKey.Public(), x509ca.Profile{
		Subject: name(t, "C=US, ST=California, L=San Francisco, O=Example Co, CN=Example Root CA"), NotBefore: now, NotAfter: rootEnd, PathLen: 1,
	}, serial(t), x509ca.PrivatePKI)
	if err != nil {
		t.Fatal(err)
	}
	intKey := p384(t)
	inter, err := x509ca.IssueCA(rootKey, root.Cert, intKey.Public(), x509ca.Profile{
		Subject: name(t, "C=US, O=Example Co, CN=Example Prod CA"), NotBefore: now, NotAfter: now.Add(35040 * time.Hour), PathLen: 0,
		CRLURLs: []string{"http://crl.example.org/root.crl"},
	}, serial(t), x509ca.PrivatePKI)
	if err != nil {
		t.Fatal(err)
	}
	return hierarchy{rootKey, intKey, root, inter}
}

func writePEM(t *testing.T, dir, file, typ string, der ...[]byte) string {
	t.Helper()
	var b []byte
	for _, d := range der {
		b = append(b, x509ca.PEM(typ, d)...)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// leaf issues a TLS server certificate from the intermediate, in software,
// as the CA that holds it would.
func leaf(t *testing.T, h hierarchy) []byte {
	t.Helper()
	k := p384(t)
	tmpl := &x509.Certificate{SerialNumber: serial(t), Subject: pkix.Name{CommonName: "www.example.org"}, DNSNames: []string{"www.example.org"},
		NotBefore: now, NotAfter: now.AddDate(0, 3, 0), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		CRLDistributionPoints: []string{"http://crl.example.org/prod.crl"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, h.inter.Cert, k.Public(), h.intKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(tooltest.Need(t, "openssl", "openssl"), args...).CombinedOutput()
	return string(out), err
}

// TestOpenSSLAcceptsTheHierarchy: openssl verify -x509_strict accepts the
// intermediate and a leaf below it, for P-384 and RSA roots; openssl crl
// -verify accepts the root's CRL, and with -crl_check the chain passes
// until the CRL revokes the intermediate.
func TestOpenSSLAcceptsTheHierarchy(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		key  crypto.Signer
	}{{"ecdsa-p384", p384(t)}, {"rsa-3072", rsaKey}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			h := newHierarchy(t, c.key)
			rootPEM := writePEM(t, dir, "root.crt", "CERTIFICATE", h.root.DER)
			intPEM := writePEM(t, dir, "prod.crt", "CERTIFICATE", h.inter.DER)
			leafPEM := writePEM(t, dir, "leaf.crt", "CERTIFICATE", leaf(t, h))
			if out, err := openssl(t, "verify", "-x509_strict", "-CAfile", rootPEM, intPEM); err != nil {
				t.Fatalf("openssl verify of the intermediate: %v\n%s", err, out)
			}
			if out, err := openssl(t, "verify", "-x509_strict", "-CAfile", rootPEM, "-untrusted", intPEM, leafPEM); err != nil {
				t.Fatalf("openssl verify of a leaf: %v\n%s", err, out)
			}
			out, _ := openssl(t, "x509", "-noout", "-text", "-in", rootPEM)
			for _, w := range []string{"X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:1", "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
				"X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier", "Subject: C = US, ST = California, L = San Francisco, O = Example Co, CN = Example Root CA"} {
				if !strings.Contains(out, w) {
					t.Errorf("openssl x509 -text does not show %q:\n%s", w, out)
				}
			}
			crl, err := x509ca.IssueCRL(c.key, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(31540000 * time.Second)}, x509ca.PrivatePKI)
			if err != nil {
				t.Fatal(err)
			}
			crlPEM := writePEM(t, dir, "root.crl", "X509 CRL", crl.DER)
			if out, err := openssl(t, "crl", "-noout", "-verify", "-CAfile", rootPEM, "-in", crlPEM); err != nil || !strings.Contains(out, "verify OK") {
				t.Fatalf("openssl crl -verify: %v\n%s", err, out)
			}
			if out, err := openssl(t, "verify", "-crl_check", "-CAfile", rootPEM, "-CRLfile", crlPEM, intPEM); err != nil {
				t.Fatalf("openssl verify -crl_check before revocation: %v\n%s", err, out)
			}
			// The next CRL revokes the intermediate.
			crl2, err := x509ca.IssueCRL(c.key, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(2), ThisUpdate: now.Add(time.Hour), NextUpdate: now.Add(24 * time.Hour),
				Previous: crl.CRL, Revoked: []x509ca.Revocation{{Serial: h.inter.Cert.SerialNumber, At: now, Reason: "keyCompromise"}}}, x509ca.PrivatePKI)
			if err != nil {
				t.Fatal(err)
			}
			crl2PEM := writePEM(t, dir, "root2.crl", "X509 CRL", crl2.DER)
			if out, err := openssl(t, "verify", "-crl_check", "-CAfile", rootPEM, "-CRLfile", crl2PEM, intPEM); err == nil || !strings.Contains(out, "certificate revoked") {
				t.Fatalf("openssl verify -crl_check accepted a revoked intermediate: %v\n%s", err, out)
			}
			if out, _ := openssl(t, "crl", "-noout", "-text", "-in", crl2PEM); !strings.Contains(out, "Key Compromise") || !strings.Contains(out, "X509v3 CRL Number: \n                2") {
				t.Fatalf("openssl crl -text:\n%s", out)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	rootKey := p384(t)
	h := newHierarchy(t, rootKey)
	prof := x509ca.Profile{Subject: name(t, "CN=Example Dev CA"), NotBefore: now, NotAfter: now.Add(time.Hour), PathLen: 0}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	crl1, err := x509ca.IssueCRL(rootKey, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(5), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, x509ca.PrivatePKI)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		do   func() error
		want string
	}{
		{"weak key", func() error {
			_, err := x509ca.IssueCA(rootKey, h.root.Cert, weak.Public(), prof, serial(t), x509ca.PrivatePKI)
			return err
		}, "weak key"},
		{"validity past the issuer's", func() error {
			p := prof
			p.NotAfter = rootEnd.Add(time.Hour)
			_, err := x509ca.IssueCA(rootKey, h.root.Cert, p384(t).Public(), p, serial(t), x509ca.PrivatePKI)
			return err
		}, "is not within the issuer's"},
		{"a CA below pathlen 0", func() error {
			_, err := x509ca.IssueCA(h.intKey, h.inter.Cert, p384(t).Public(), prof, serial(t), x509ca.PrivatePKI)
			return err
		}, "does not fit under the issuer's"},
		{"another key signs", func() error {
			_, err := x509ca.IssueCA(p384(t), h.root.Cert, p384(t).Public(), prof, serial(t), x509ca.PrivatePKI)
			return err
		}, "not the issuer's"},
		{"short serial", func() error {
			_, err := x509ca.IssueCA(rootKey, h.root.Cert, p384(t).Public(), prof, big.NewInt(7), x509ca.PrivatePKI)
			return err
		}, "64 to 159 bits"},
		{"CRL number not above the last", func() error {
			_, err := x509ca.IssueCRL(rootKey, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(5), ThisUpdate: now, NextUpdate: now.Add(time.Hour), Previous: crl1.CRL}, x509ca.PrivatePKI)
			return err
		}, "is not above the previous CRL's"},
		{"CRL past the issuer", func() error {
			_, err := x509ca.IssueCRL(rootKey, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(6), ThisUpdate: now, NextUpdate: rootEnd.Add(time.Hour)}, x509ca.PrivatePKI)
			return err
		}, "not within the issuer's validity"},
		{"unknown reason", func() error {
			_, err := x509ca.IssueCRL(rootKey, h.root.Cert, x509ca.CRLRequest{Number: big.NewInt(6), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
				Revoked: []x509ca.Revocation{{Serial: big.NewInt(9), At: now, Reason: "oops"}}}, x509ca.PrivatePKI)
			return err
		}, `revocation reason "oops"`},
		{"a lint that fails", func() error {
			// Without the exclusions, CABF's rules for public roots apply,
			// and a root without them is refused unsigned.
			_, err := x509ca.IssueCA(rootKey, nil, rootKey.Public(), x509ca.Profile{Subject: name(t, "CN=No Org Root"), NotBefore: now, NotAfter: rootEnd, PathLen: 1}, serial(t), x509ca.Lints{})
			var le *x509ca.LintError
			if !errors.As(err, &le) {
				return errors.New("no lint error")
			}
			return err
		}, "zlint finds certificate CN=No Org Root wanting"},
		{"an unknown lint source", func() error {
			_, err := x509ca.IssueCA(rootKey, nil, rootKey.Public(), x509ca.Profile{Subject: name(t, "CN=R"), NotBefore: now, NotAfter: rootEnd, PathLen: 1}, serial(t), x509ca.Lints{ExcludeSources: []string{"Browsers"}})
			return err
		}, `lint source "Browsers"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestCheckCSR(t *testing.T) {
	k := p384(t)
	want := name(t, "C=US, O=Example Co, CN=Example Prod CA")
	csr := func(subj pkix.Name, key crypto.Signer) []byte {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subj}, key)
		if err != nil {
			t.Fatal(err)
		}
		return x509ca.PEM("CERTIFICATE REQUEST", der)
	}
	if _, err := x509ca.CheckCSR(csr(want, k), want); err != nil {
		t.Fatal(err)
	}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"another subject", csr(name(t, "CN=Someone Else"), k), "the profile certifies"},
		{"weak key", csr(want, weak), "weak key"},
		{"a broken signature", brokenCSR(t, csr(want, k)), "signature does not verify"},
		{"not a CSR", x509ca.PEM("CERTIFICATE", []byte{1}), "not a PEM CERTIFICATE REQUEST"},
		{"two blocks", append(csr(want, k), csr(want, k)...), "more than one PEM block"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := x509ca.CheckCSR(c.in, want); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// brokenCSR flips a bit of the signature at the end of a PEM CSR.
func brokenCSR(t *testing.T, p []byte) []byte {
	b, _ := pem.Decode(p)
	raw := append([]byte(nil), b.Bytes...)
	raw[len(raw)-2] ^= 1
	return x509ca.PEM("CERTIFICATE REQUEST", raw)
}

// TestVaultBundle: the bundle sealed to an age recipient opens with the
// stock age tool, and Vault's own PEM-bundle parser reads the key, the
// intermediate and the chain to the root from it.
func TestVaultBundle(t *testing.T) {
	keygen := tooltest.Need(t, "age-keygen", "age")
	dir := t.TempDir()
	id := filepath.Join(dir, "identity")
	out, err := exec.Command(keygen, "-o", id).CombinedOutput()
	if err != nil {
		t.Fatalf("age-keygen: %v\n%s", err, out)
	}
	recipient := ""
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "age1") {
			recipient = f
		}
	}
	h := newHierarchy(t, p384(t))
	bundle, err := x509ca.VaultBundle(h.intKey, h.inter.Cert, h.root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := x509ca.SealToAge(recipient, bundle)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PRIVATE KEY") {
		t.Fatal("the sealed bundle holds the key in the clear")
	}
	os.WriteFile(filepath.Join(dir, "bundle.json.age"), sealed, 0o600)
	opened := tooltest.OpenAge(t, id, filepath.Join(dir, "bundle.json.age"))
	var v struct {
		PEMBundle string `json:"pem_bundle"`
	}
	if err := json.Unmarshal(opened, &v); err != nil {
		t.Fatal(err)
	}
	parsed, err := certutil.ParsePEMBundle(v.PEMBundle)
	if err != nil {
		t.Fatalf("Vault's ParsePEMBundle: %v", err)
	}
	if !parsed.Certificate.Equal(h.inter.Cert) || len(parsed.CAChain) != 1 || !h.intKey.Public().(*ecdsa.PublicKey).Equal(parsed.PrivateKey.Public()) {
		t.Fatalf("Vault read another bundle: %+v", parsed)
	}
	if !strings.HasPrefix(v.PEMBundle, "-----BEGIN EC PRIVATE KEY-----") {
		t.Fatal("the key does not come first in the SEC1 form every Vault reads")
	}
	x509ca.Wipe(h.intKey)
	for _, w := range h.intKey.(*ecdsa.PrivateKey).D.Bits() {
		if w != 0 {
			t.Fatal("the key was not wiped")
		}
	}
	if _, err := x509ca.SealToAge("age1notarecipient", bundle); err == nil {
		t.Fatal("a bad recipient was taken")
	}
}
