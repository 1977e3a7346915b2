package steps_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"testing"

	"github.com/ceremony-dev/ceremony/sigcheck"
	"github.com/ceremony-dev/ceremony/steps"
)

// liar signs with one key and claims the public half of another, as a
// faulty token would.
type liar struct {
	crypto.Signer
	pub crypto.PublicKey
}

func (l liar) Public() crypto.PublicKey { return l.pub }
func (l liar) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return l.Signer.Sign(r, d, o)
}

func TestSignVerified(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ek, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("to be signed")
	for _, tc := range []struct {
		name   string
		signer crypto.Signer
		alg    string
		bad    bool
	}{
		{"p256", p256, "ecdsa-p256-sha256", false},
		{"p384", p384, "ecdsa-p384-sha384", false},
		{"rsa", rk, "rsa-2048-pkcs1v15-sha256", false},
		{"ed25519", ek, "ed25519", false},
		{"a token that lies about its key", liar{p256, other.Public()}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, alg, err := steps.SignVerified(tc.signer, msg)
			if tc.bad {
				if !errors.Is(err, sigcheck.ErrBadSignature) {
					t.Fatalf("got %v, want ErrBadSignature", err)
				}
				return
			}
			if err != nil || alg != tc.alg {
				t.Fatalf("alg %q err %v", alg, err)
			}
			if err := steps.VerifySignature(tc.signer.Public(), msg, sig); err != nil {
				t.Fatal(err)
			}
			if err := steps.VerifySignature(tc.signer.Public(), []byte("something else"), sig); !errors.Is(err, sigcheck.ErrBadSignature) {
				t.Fatalf("a signature over another message: %v", err)
			}
		})
	}
}
