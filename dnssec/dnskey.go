// Package dnssec reads and checks what a DNSSEC key signing ceremony takes
// and returns: DNSKEY records, their key tags and DS digests, the RRSIGs
// over a DNSKEY RRset, and IANA's Key Signing Request (KSR) and Signed Key
// Response (SKR) files as the root zone's KSK and ZSK operators exchange
// them.
//
// It follows RFC 4034 (DNSKEY, RRSIG and DS records, the key tag of its
// appendix B, the canonical form and order of section 6), RFC 3110 (RSA
// keys), RFC 6605 (ECDSA) and RFC 8080 (Ed25519).
package dnssec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Algorithm numbers (RFC 8624) this package knows.
const (
	RSASHA256       = 8
	RSASHA512       = 10
	ECDSAP256SHA256 = 13
	ECDSAP384SHA384 = 14
	ED25519         = 15
)

// Flag bits of a DNSKEY.
const (
	FlagZone   = 256
	FlagRevoke = 128
	FlagSEP    = 1
)

// Key is a DNSKEY record's data.
type Key struct {
	Flags     uint16
	Protocol  uint8
	Algorithm uint8
	PublicKey []byte
}

// RDATA is the key's wire form.
func (k Key) RDATA() []byte {
	b := binary.BigEndian.AppendUint16(nil, k.Flags)
	return append(append(b, k.Protocol, k.Algorithm), k.PublicKey...)
}

// Tag is the key tag of RFC 4034, appendix B.
func (k Key) Tag() uint16 {
	var ac uint32
	for i, b := range k.RDATA() {
		if i&1 == 1 {
			ac += uint32(b)
		} else {
			ac += uint32(b) << 8
		}
	}
	ac += ac >> 16 & 0xffff
	return uint16(ac & 0xffff)
}

// CryptoPublicKey decodes the key for verification.
func (k Key) CryptoPublicKey() (crypto.PublicKey, error) {
	p := k.PublicKey
	switch k.Algorithm {
	case RSASHA256, RSASHA512:
		if len(p) < 3 {
			return nil, errors.New("dnssec: RSA key too short")
		}
		elen, off := int(p[0]), 1
		if elen == 0 {
			elen, off = int(binary.BigEndian.Uint16(p[1:3])), 3
		}
		if elen == 0 || elen > 8 || len(p) <= off+elen {
			return nil, errors.New("dnssec: RSA key with a bad exponent")
		}
		e := new(big.Int).SetBytes(p[off : off+elen])
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return nil, errors.New("dnssec: RSA exponent too large")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(p[off+elen:]), E: int(e.Int64())}, nil
	case ECDSAP256SHA256, ECDSAP384SHA384:
		curve, size := elliptic.P256(), 32
		if k.Algorithm == ECDSAP384SHA384 {
			curve, size = elliptic.P384(), 48
		}
		if len(p) != 2*size {
			return nil, fmt.Errorf("dnssec: ECDSA key of %d bytes", len(p))
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append([]byte{4}, p...))
		if err != nil {
			return nil, fmt.Errorf("dnssec: %w", err)
		}
		return pub, nil
	case ED25519:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("dnssec: Ed25519 key of %d bytes", len(p))
		}
		return ed25519.PublicKey(p), nil
	}
	return nil, fmt.Errorf("dnssec: algorithm %d is not one this tool signs or checks", k.Algorithm)
}

// RSABits is the size of an RSA key's modulus, 0 for other keys.
func (k Key) RSABits() (bits, exponent int) {
	pub, err := k.CryptoPublicKey()
	if r, ok := pub.(*rsa.PublicKey); ok && err == nil {
		return r.N.BitLen(), r.E
	}
	return 0, 0
}

// NameWire is a domain name's canonical wire form (lowercase labels).
func NameWire(name string) ([]byte, error) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	var b []byte
	if name != "" {
		for _, l := range strings.Split(name, ".") {
			if l == "" || len(l) > 63 {
				return nil, fmt.Errorf("dnssec: bad domain name %q", name)
			}
			b = append(append(b, byte(len(l))), l...)
		}
	}
	if b = append(b, 0); len(b) > 255 {
		return nil, fmt.Errorf("dnssec: domain name %q too long", name)
	}
	return b, nil
}

// DS is the digest of a DS record for the key at owner: digest type 2
// (SHA-256) or 4 (SHA-384), in upper-case hex as zone files show it.
func (k Key) DS(owner string, digestType uint8) (string, error) {
	wire, err := NameWire(owner)
	if err != nil {
		return "", err
	}
	data := append(wire, k.RDATA()...)
	switch digestType {
	case 2:
		s := sha256.Sum256(data)
		return strings.ToUpper(hex.EncodeToString(s[:])), nil
	case 4:
		s := sha512.Sum384(data)
		return strings.ToUpper(hex.EncodeToString(s[:])), nil
	}
	return "", fmt.Errorf("dnssec: DS digest type %d: use 2 (SHA-256) or 4 (SHA-384)", digestType)
}

// ParseDNSKEY reads DNSKEY records in zone-file form, one a line
// ("example.org. 172800 IN DNSKEY 257 3 13 base64..."; TTL and class may
// be left out); blank lines and ';' comments are passed over.
func ParseDNSKEY(text string) ([]Key, error) {
	var keys []Key
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		i := slices.Index(f, "DNSKEY")
		if i < 1 || len(f) < i+5 {
			return nil, fmt.Errorf("dnssec: line %d: not a DNSKEY record", n+1)
		}
		flags, err1 := strconv.ParseUint(f[i+1], 10, 16)
		proto, err2 := strconv.ParseUint(f[i+2], 10, 8)
		alg, err3 := strconv.ParseUint(f[i+3], 10, 8)
		pub, err4 := base64.StdEncoding.DecodeString(strings.Join(f[i+4:], ""))
		if err := errors.Join(err1, err2, err3, err4); err != nil || len(pub) == 0 {
			return nil, fmt.Errorf("dnssec: line %d: a DNSKEY's flags, protocol, algorithm and key do not read", n+1)
		}
		keys = append(keys, Key{Flags: uint16(flags), Protocol: uint8(proto), Algorithm: uint8(alg), PublicKey: pub})
	}
	if len(keys) == 0 {
		return nil, errors.New("dnssec: no DNSKEY records")
	}
	return keys, nil
}
