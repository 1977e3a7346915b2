package dnssec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// KeyFromPublic is the DNSKEY of a public key with the given flags, and
// the algorithm it signs with: RSA/SHA-256 (8), ECDSA P-256 (13), P-384
// (14) or Ed25519 (15).
func KeyFromPublic(pub crypto.PublicKey, flags uint16) (Key, error) {
	k := Key{Flags: flags, Protocol: 3}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		e := big.NewInt(int64(p.E)).Bytes()
		if len(e) > 255 {
			return k, errors.New("dnssec: RSA exponent too long")
		}
		k.Algorithm = RSASHA256
		k.PublicKey = append(append([]byte{byte(len(e))}, e...), p.N.Bytes()...)
	case *ecdsa.PublicKey:
		size := 0
		switch p.Curve {
		case elliptic.P256():
			k.Algorithm, size = ECDSAP256SHA256, 32
		case elliptic.P384():
			k.Algorithm, size = ECDSAP384SHA384, 48
		default:
			return k, fmt.Errorf("dnssec: curve %s has no DNSSEC algorithm", p.Curve.Params().Name)
		}
		raw, err := p.Bytes()
		if err != nil {
			return k, err
		}
		if len(raw) != 1+2*size {
			return k, errors.New("dnssec: ECDSA key of the wrong size")
		}
		k.PublicKey = raw[1:]
	case ed25519.PublicKey:
		k.Algorithm, k.PublicKey = ED25519, append([]byte(nil), p...)
	default:
		return k, fmt.Errorf("dnssec: no DNSSEC algorithm for %T", pub)
	}
	return k, nil
}

// Sign completes s with a signature by signer, whose DNSKEY is key, over
// the DNSKEY RRset keys at owner, and verifies it in software before
// returning it.
func Sign(signer crypto.Signer, key Key, s RRSIG, owner string, keys []Key) (RRSIG, error) {
	s.Algorithm, s.KeyTag, s.TypeCovered = key.Algorithm, key.Tag(), TypeDNSKEY
	data, err := s.SignedData(owner, keys)
	if err != nil {
		return s, err
	}
	if s.Signature, err = signData(signer, key, data); err != nil {
		return s, err
	}
	if err := s.Verify(owner, keys, key); err != nil {
		return s, fmt.Errorf("dnssec: the token's signature does not verify: %w", err)
	}
	return s, nil
}

// signData signs data as key's algorithm does, in DNSSEC's encoding.
func signData(signer crypto.Signer, key Key, data []byte) ([]byte, error) {
	h, err := hashFor(key.Algorithm)
	if err != nil {
		return nil, err
	}
	var sig []byte
	if h == 0 {
		sig, err = signer.Sign(rand.Reader, data, crypto.Hash(0))
	} else {
		sig, err = signer.Sign(rand.Reader, digest(h, data), h)
	}
	if err != nil {
		return nil, fmt.Errorf("dnssec: sign: %w", err)
	}
	if key.Algorithm == ECDSAP256SHA256 || key.Algorithm == ECDSAP384SHA384 {
		// DNSSEC writes r and s side by side, each of the curve's size.
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &rs); err != nil {
			return nil, fmt.Errorf("dnssec: ECDSA signature: %w", err)
		}
		size := len(key.PublicKey) / 2
		sig = append(rs.R.FillBytes(make([]byte, size)), rs.S.FillBytes(make([]byte, size))...)
	}
	return sig, nil
}
