package hsm_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/tooltest"
)

// realToolKinds are the kinds whose certificates and signatures are shown
// to OpenSSL. RSA 3072 and 4096 are left out: they differ from RSA 2048
// only in size and take long to generate on SoftHSM2.
var realToolKinds = []struct {
	kind hsm.Kind
	// text must all appear in `openssl x509 -text` of the CA certificate.
	text []string
	// sig, when set, has OpenSSL verify a bare signature of realToolsMsg.
	sig *sigCheck
}{
	{
		kind: hsm.ECDSAP256,
		text: []string{"Public Key Algorithm: id-ecPublicKey", "ASN1 OID: prime256v1", "Signature Algorithm: ecdsa-with-SHA256"},
		sig: &sigCheck{
			digest: realToolsDigest[:],
			opts:   crypto.SHA256,
			args:   []string{"dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "msg.txt"},
		},
	},
	{
		kind: hsm.ECDSAP384,
		text: []string{"Public Key Algorithm: id-ecPublicKey", "ASN1 OID: secp384r1", "Signature Algorithm: ecdsa-with-SHA384"},
	},
	{
		kind: hsm.RSA2048,
		text: []string{"Public Key Algorithm: rsaEncryption", "Public-Key: (2048 bit)", "Signature Algorithm: sha256WithRSAEncryption"},
	},
	{
		kind: hsm.Ed25519,
		text: []string{"Public Key Algorithm: ED25519", "Signature Algorithm: ED25519"},
		sig: &sigCheck{
			digest: realToolsMsg,
			opts:   crypto.Hash(0),
			args:   []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg.txt", "-sigfile", "sig.bin"},
		},
	},
}

// sigCheck is a signature over realToolsMsg and the OpenSSL command that
// verifies it from pub.pem, msg.txt and sig.bin.
type sigCheck struct {
	digest []byte // what Sign is given: the SHA-256 digest, or for Ed25519 the message
	opts   crypto.SignerOpts
	args   []string
}

var (
	realToolsMsg    = []byte("root key signing ceremony, the quarter's key signing request\n")
	realToolsDigest = sha256.Sum256(realToolsMsg)
)

// TestRealToolsAcceptKeys shows that what the keys on each token sign is
// accepted by OpenSSL, the verifier relying parties actually run, and that
// OpenSSL rejects the same output with one byte of the signature changed.
func TestRealToolsAcceptKeys(t *testing.T) {
	tooltest.Need(t, "openssl", "openssl")
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			for _, c := range realToolKinds {
				t.Run(string(c.kind), func(t *testing.T) {
					s, err := tok.GenerateKey("realtools-"+string(c.kind), string(c.kind))
					if err != nil {
						t.Fatalf("generate: %v", err)
					}
					dir := t.TempDir()
					der := selfSignedCA(t, tok, s, string(c.kind))
					writePEM(t, filepath.Join(dir, "cert.pem"), "CERTIFICATE", der)

					// OpenSSL trusts a CA file's own signature unless
					// -check_ss_sig asks it to check it.
					out := openssl(t, dir, true, "verify", "-check_ss_sig", "-CAfile", "cert.pem", "cert.pem")
					if !strings.Contains(out, "cert.pem: OK") {
						t.Fatalf("openssl verify did not say OK:\n%s", out)
					}
					out = openssl(t, dir, true, "x509", "-in", "cert.pem", "-noout", "-text")
					for _, want := range c.text {
						if !strings.Contains(out, want) {
							t.Errorf("openssl x509 -text lacks %q:\n%s", want, out)
						}
					}

					writePEM(t, filepath.Join(dir, "bad.pem"), "CERTIFICATE", flipSignature(t, der))
					out = openssl(t, dir, false, "verify", "-check_ss_sig", "-CAfile", "bad.pem", "bad.pem")
					if !strings.Contains(out, "signature failure") {
						t.Fatalf("openssl verify of a changed signature did not report a signature failure:\n%s", out)
					}

					if c.sig == nil {
						return
					}
					args := c.sig.args
					sig, err := s.Sign(nil, c.sig.digest, c.sig.opts)
					if err != nil {
						t.Fatalf("sign: %v", err)
					}
					pub, err := x509.MarshalPKIXPublicKey(s.Public())
					if err != nil {
						t.Fatal(err)
					}
					writePEM(t, filepath.Join(dir, "pub.pem"), "PUBLIC KEY", pub)
					writeFile(t, filepath.Join(dir, "msg.txt"), realToolsMsg)
					writeFile(t, filepath.Join(dir, "sig.bin"), sig)
					out = openssl(t, dir, true, args...)
					if !strings.Contains(out, "Verified") {
						t.Fatalf("openssl %s did not verify the signature:\n%s", args[0], out)
					}
					bad := bytes.Clone(sig)
					bad[len(bad)-1] ^= 1
					if err := os.Remove(filepath.Join(dir, "sig.bin")); err != nil {
						t.Fatal(err)
					}
					writeFile(t, filepath.Join(dir, "sig.bin"), bad)
					openssl(t, dir, false, args...)
				})
			}
		})
	}
}

// selfSignedCA makes a CA certificate for s signed by s, with a serial
// drawn from the token as a ceremony's root certificate has.
func selfSignedCA(t *testing.T, tok steps.Token, s crypto.Signer, name string) []byte {
	t.Helper()
	r, err := tok.Random(16)
	if err != nil {
		t.Fatalf("random: %v", err)
	}
	// A positive serial that is never zero, within RFC 5280's 20 octets.
	r[0] = r[0]&0x7f | 0x40
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(r),
		Subject:               pkix.Name{CommonName: "rehearsal root " + name, Organization: []string{"ceremony"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, s.Public(), s)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	return der
}

// flipSignature returns der with the last byte of its signature changed;
// the last byte keeps the DER structure intact for every algorithm, so
// only the signature check can reject it.
func flipSignature(t *testing.T, der []byte) []byte {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(der, cert.Signature)
	if i < 0 {
		t.Fatal("signature not found in the certificate")
	}
	bad := bytes.Clone(der)
	bad[i+len(cert.Signature)-1] ^= 1
	return bad
}

// openssl runs openssl in dir and returns its combined output, failing the
// test when its exit status is not what wantOK says.
func openssl(t *testing.T, dir string, wantOK bool, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("openssl %s: %v", args[0], err)
	}
	if ok := err == nil; ok != wantOK {
		t.Fatalf("openssl %s: succeeded %v, want %v:\n%s", strings.Join(args, " "), ok, wantOK, out)
	}
	return string(out)
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	writeFile(t, path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// writeFile creates path, refusing to overwrite it.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
