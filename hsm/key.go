package hsm

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/ceremony-dev/ceremony/sigcheck"
)

// Kind names a key type as ceremony scripts spell it.
type Kind string

const (
	ECDSAP256 Kind = "ecdsa-p256"
	ECDSAP384 Kind = "ecdsa-p384"
	RSA2048   Kind = "rsa-2048"
	RSA3072   Kind = "rsa-3072"
	RSA4096   Kind = "rsa-4096"
	Ed25519   Kind = "ed25519"
)

// Kinds lists every kind GenerateKey accepts.
var Kinds = []Kind{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, Ed25519}

// ParseKind checks a kind name from a script.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w %q (want one of ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519)", ErrUnsupportedKind, s)
}

func (k Kind) rsaBits() int {
	switch k {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// Key is a private key that stays on its token, usable as a crypto.Signer.
// Every signature is checked against the public key in software before Sign
// returns it, so a faulty token cannot hand out a bad signature.
type Key struct {
	label string
	id    []byte
	kind  Kind
	pub   crypto.PublicKey
	// sign asks the token for a raw signature in the Go encoding of the
	// key type (ASN.1 for ECDSA); opts are already normalised.
	sign func(digest []byte, opts crypto.SignerOpts) ([]byte, error)
	// skipVerify is set on the copy Unverified returns, and by the
	// benchmark that measures what verification costs.
	skipVerify bool
}

// Unverified is the same key, signing without the software check Sign
// makes of each signature. It is for a caller that checks every signature
// itself before anything uses it: a batch that checks each one on another
// core while the token makes the next (sshca.SignBatch).
func (k *Key) Unverified() crypto.Signer {
	c := *k
	c.skipVerify = true
	return &c
}

// Label is the key's CKA_LABEL.
func (k *Key) Label() string { return k.label }

// ID is the key's CKA_ID, random bytes chosen by the token.
func (k *Key) ID() []byte { return append([]byte(nil), k.id...) }

// Kind is the key type.
func (k *Key) Kind() string { return string(k.kind) }

// Public returns the public key: *ecdsa.PublicKey, *rsa.PublicKey or
// ed25519.PublicKey.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Sign signs a digest (or, for Ed25519, the whole message with opts
// crypto.Hash(0)). The token's randomness is used; rand is ignored. RSA keys
// sign PKCS #1 v1.5 unless opts is *rsa.PSSOptions; a PSS salt length of
// rsa.PSSSaltLengthAuto means the length of the hash, which every token
// supports and every verifier accepts.
func (k *Key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts == nil {
		opts = crypto.Hash(0)
	}
	switch k.pub.(type) {
	case ed25519.PublicKey:
		if opts.HashFunc() != crypto.Hash(0) {
			return nil, fmt.Errorf("hsm: ed25519 key %q signs whole messages, not %v digests", k.label, opts.HashFunc())
		}
	default:
		h := opts.HashFunc()
		if h == crypto.Hash(0) || !h.Available() {
			return nil, fmt.Errorf("hsm: key %q needs a digest from a known hash", k.label)
		}
		if len(digest) != h.Size() {
			return nil, fmt.Errorf("hsm: digest is %d bytes, %v needs %d", len(digest), h, h.Size())
		}
	}
	if pss, ok := opts.(*rsa.PSSOptions); ok && pss.SaltLength == rsa.PSSSaltLengthAuto {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: pss.Hash}
	}
	sig, err := k.sign(digest, opts)
	if err != nil {
		return nil, fmt.Errorf("hsm: sign with %q: %w", k.label, err)
	}
	if k.skipVerify {
		return sig, nil
	}
	if err := sigcheck.Verify(k.pub, digest, sig, opts); err != nil {
		return nil, fmt.Errorf("hsm: key %q: %w", k.label, err)
	}
	return sig, nil
}

// ecdsaASN1 converts the r||s a PKCS #11 token returns to the ASN.1 form
// crypto.Signer callers expect.
func ecdsaASN1(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("ecdsa signature of odd length %d", len(raw))
	}
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:len(raw)/2]),
		new(big.Int).SetBytes(raw[len(raw)/2:]),
	})
}

// keySelector is how FindKey names a key: a label, "id:" and the CKA_ID in
// lowercase hex, or a PKCS #11 URI whose object and id attributes must
// both match where given.
type keySelector struct {
	label string
	id    []byte
}

func parseSelector(s string) (keySelector, error) {
	if h, ok := strings.CutPrefix(s, "id:"); ok {
		id, err := hex.DecodeString(h)
		if err != nil || len(id) == 0 {
			return keySelector{}, fmt.Errorf("hsm: key id %q is not hex", h)
		}
		return keySelector{id: id}, nil
	}
	if strings.HasPrefix(s, "pkcs11:") {
		u, err := ParseURI(s)
		if err != nil {
			return keySelector{}, err
		}
		if u.Object == "" && len(u.ID) == 0 {
			return keySelector{}, fmt.Errorf("%w: %s names no object or id", ErrBadURI, s)
		}
		return keySelector{label: u.Object, id: u.ID}, nil
	}
	if s == "" {
		return keySelector{}, errors.New("hsm: empty key label")
	}
	return keySelector{label: s}, nil
}

func (k keySelector) matches(label string, id []byte) bool {
	return (k.label == "" || k.label == label) && (k.id == nil || bytes.Equal(k.id, id))
}
