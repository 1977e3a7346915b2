package dnssec

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// TypeDNSKEY is the RR type a KSK signs here.
const TypeDNSKEY = 48

// RRSIG is an RRSIG record's data over a DNSKEY RRset.
type RRSIG struct {
	TypeCovered uint16
	Algorithm   uint8
	Labels      uint8
	OriginalTTL uint32
	Expiration  time.Time
	Inception   time.Time
	KeyTag      uint16
	SignerName  string
	Signature   []byte
}

// SignedData is what the signer signs (RFC 4034, 3.1.8.1): the RRSIG's
// data without its signature, then each DNSKEY of the set at owner in
// canonical form and order, with the original TTL.
func (s RRSIG) SignedData(owner string, keys []Key) ([]byte, error) {
	rdatas := make([][]byte, len(keys))
	for i, k := range keys {
		rdatas[i] = k.RDATA()
	}
	return s.SignedRRset(owner, TypeDNSKEY, rdatas)
}

// SignedRRset is SignedData for any RRset at owner of type typ, given its
// records' data in wire form (with any names in them in canonical form).
func (s RRSIG) SignedRRset(owner string, typ uint16, rdatas [][]byte) ([]byte, error) {
	signer, err := NameWire(s.SignerName)
	if err != nil {
		return nil, err
	}
	ownerWire, err := NameWire(owner)
	if err != nil {
		return nil, err
	}
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = append(b, s.Algorithm, s.Labels)
	b = binary.BigEndian.AppendUint32(b, s.OriginalTTL)
	b = binary.BigEndian.AppendUint32(b, uint32(s.Expiration.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Inception.Unix()))
	b = binary.BigEndian.AppendUint16(b, s.KeyTag)
	b = append(b, signer...)
	rdatas = slices.Clone(rdatas)
	slices.SortFunc(rdatas, bytes.Compare)
	rdatas = slices.CompactFunc(rdatas, bytes.Equal)
	for _, rd := range rdatas {
		b = append(b, ownerWire...)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, 1) // IN
		b = binary.BigEndian.AppendUint32(b, s.OriginalTTL)
		b = binary.BigEndian.AppendUint16(b, uint16(len(rd)))
		b = append(b, rd...)
	}
	return b, nil
}

func hashFor(alg uint8) (crypto.Hash, error) {
	switch alg {
	case RSASHA256, ECDSAP256SHA256:
		return crypto.SHA256, nil
	case RSASHA512:
		return crypto.SHA512, nil
	case ECDSAP384SHA384:
		return crypto.SHA384, nil
	case ED25519:
		return 0, nil
	}
	return 0, fmt.Errorf("dnssec: algorithm %d is not one this tool signs or checks", alg)
}

func digest(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(data)
		return s[:]
	}
	return data
}

// Verify checks the RRSIG over the DNSKEY RRset keys at owner with key.
func (s RRSIG) Verify(owner string, keys []Key, key Key) error {
	if s.Algorithm != key.Algorithm {
		return fmt.Errorf("dnssec: signature algorithm %d, key algorithm %d", s.Algorithm, key.Algorithm)
	}
	if s.KeyTag != key.Tag() {
		return fmt.Errorf("dnssec: signature names key tag %d, the key's is %d", s.KeyTag, key.Tag())
	}
	data, err := s.SignedData(owner, keys)
	if err != nil {
		return err
	}
	h, err := hashFor(s.Algorithm)
	if err != nil {
		return err
	}
	pub, err := key.CryptoPublicKey()
	if err != nil {
		return err
	}
	d := digest(h, data)
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(p, h, d, s.Signature)
	case *ecdsa.PublicKey:
		n := len(s.Signature) / 2
		if len(s.Signature) != (p.Curve.Params().BitSize+7)/8*2 {
			return errors.New("dnssec: ECDSA signature of the wrong size")
		}
		if !ecdsa.Verify(p, d, new(big.Int).SetBytes(s.Signature[:n]), new(big.Int).SetBytes(s.Signature[n:])) {
			return errors.New("dnssec: ECDSA signature does not verify")
		}
		return nil
	case ed25519.PublicKey:
		if !ed25519.Verify(p, data, s.Signature) {
			return errors.New("dnssec: Ed25519 signature does not verify")
		}
		return nil
	}
	return errors.New("dnssec: unknown key type")
}
