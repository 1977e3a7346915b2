// Package sigcheck checks a signature in software, as every signature a
// token or a card makes is checked before anything uses it: a faulty or
// lying device must never put a bad signature on a certificate or a record.
// It is a leaf: the standard library only.
package sigcheck

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
)

// ErrBadSignature is returned for a signature that does not verify against
// the key's public half.
var ErrBadSignature = errors.New("the signature does not verify against the key's public key")

// Verify checks sig over digest as a crypto.Signer made it with opts: ECDSA
// in ASN.1 form, RSA PKCS #1 v1.5 or PSS (when opts is *rsa.PSSOptions), and
// Ed25519 over the whole message (digest is then the message). The error
// wraps ErrBadSignature.
func Verify(pub crypto.PublicKey, digest, sig []byte, opts crypto.SignerOpts) error {
	ok := false
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(p, digest, sig)
	case *rsa.PublicKey:
		if pss, isPSS := opts.(*rsa.PSSOptions); isPSS {
			ok = rsa.VerifyPSS(p, opts.HashFunc(), digest, sig, pss) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(p, opts.HashFunc(), digest, sig) == nil
		}
	case ed25519.PublicKey:
		ok = ed25519.Verify(p, digest, sig)
	default:
		return fmt.Errorf("%w: a %T key is not supported", ErrBadSignature, pub)
	}
	if !ok {
		return fmt.Errorf("%w (%T)", ErrBadSignature, pub)
	}
	return nil
}
