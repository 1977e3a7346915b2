package sigcheck_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/ceremony-dev/ceremony/sigcheck"
)

func TestVerify(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sum := sha256.Sum256([]byte("message"))
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	for _, tc := range []struct {
		name   string
		signer crypto.Signer
		pub    crypto.PublicKey
		digest []byte
		opts   crypto.SignerOpts
		ok     bool
	}{
		{"ecdsa", p256, p256.Public(), sum[:], crypto.SHA256, true},
		{"ecdsa, another key's public half", p256, other.Public(), sum[:], crypto.SHA256, false},
		{"rsa pkcs1v15", rsaKey, rsaKey.Public(), sum[:], crypto.SHA256, true},
		{"rsa pss", rsaKey, rsaKey.Public(), sum[:], pss, true},
		{"ed25519", edKey, edKey.Public(), []byte("message"), crypto.Hash(0), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := tc.signer.Sign(rand.Reader, tc.digest, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = sigcheck.Verify(tc.pub, tc.digest, sig, tc.opts)
			if tc.ok != (err == nil) {
				t.Fatalf("Verify: %v, want ok %v", err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, sigcheck.ErrBadSignature) {
				t.Errorf("error %v does not wrap ErrBadSignature", err)
			}
			if tc.ok {
				sig[len(sig)-1] ^= 1
				if err := sigcheck.Verify(tc.pub, tc.digest, sig, tc.opts); !errors.Is(err, sigcheck.ErrBadSignature) {
					t.Errorf("a changed signature: %v", err)
				}
			}
		})
	}
	if err := sigcheck.Verify("not a key", sum[:], nil, crypto.SHA256); !errors.Is(err, sigcheck.ErrBadSignature) {
		t.Errorf("unknown key type: %v", err)
	}
}
