package steps

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"

	"github.com/ceremony-dev/ceremony/sigcheck"
)

// scheme is how a message is signed with a key of one type.
type scheme struct {
	name   string
	hash   crypto.Hash // 0 for Ed25519, which signs the message itself
	digest func([]byte) []byte
}

func schemeFor(pub crypto.PublicKey) (scheme, error) {
	sha256d := func(m []byte) []byte { s := sha256.Sum256(m); return s[:] }
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return scheme{"ecdsa-p256-sha256", crypto.SHA256, sha256d}, nil
		case elliptic.P384():
			return scheme{"ecdsa-p384-sha384", crypto.SHA384, func(m []byte) []byte { s := sha512.Sum384(m); return s[:] }}, nil
		}
		return scheme{}, fmt.Errorf("ecdsa curve %s is not supported", pub.Curve.Params().Name)
	case *rsa.PublicKey:
		return scheme{fmt.Sprintf("rsa-%d-pkcs1v15-sha256", pub.N.BitLen()), crypto.SHA256, sha256d}, nil
	case ed25519.PublicKey:
		return scheme{"ed25519", 0, func(m []byte) []byte { return m }}, nil
	}
	return scheme{}, fmt.Errorf("a %T key is not supported", pub)
}

// SignVerified signs msg with the scheme that fits the key (ECDSA P-256 with
// SHA-256, P-384 with SHA-384, RSA PKCS #1 v1.5 with SHA-256, Ed25519 over
// the message) and verifies the signature in software before returning it.
// alg names the scheme for the record.
func SignVerified(signer crypto.Signer, msg []byte) (sig []byte, alg string, err error) {
	s, err := schemeFor(signer.Public())
	if err != nil {
		return nil, "", err
	}
	if sig, err = signer.Sign(rand.Reader, s.digest(msg), s.hash); err != nil {
		return nil, "", err
	}
	if err := VerifySignature(signer.Public(), msg, sig); err != nil {
		return nil, "", err
	}
	return sig, s.name, nil
}

// VerifySignature checks sig over msg by the scheme SignVerified uses for
// pub's type.
func VerifySignature(pub crypto.PublicKey, msg, sig []byte) error {
	s, err := schemeFor(pub)
	if err != nil {
		return err
	}
	return sigcheck.Verify(pub, s.digest(msg), sig, s.hash)
}
