package x509ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"

	"filippo.io/age"
)

// VaultBundle is the JSON that `vault write pki/config/ca @bundle.json`
// (or pki_int/config/ca) takes: {"pem_bundle": "..."} holding the private
// key, then the certificate for it, then its issuers up to the root. The
// key is in the oldest PEM forms (SEC1 "EC PRIVATE KEY", PKCS #1 "RSA
// PRIVATE KEY") and the order is key first, as every Vault version reads
// it. The caller clears what it returns once it is sealed.
func VaultBundle(key crypto.Signer, chain ...*x509.Certificate) ([]byte, error) {
	if len(chain) == 0 || !signerMatches(key, chain[0].PublicKey) {
		return nil, errors.New("x509ca: the bundle's first certificate is not the key's")
	}
	var der []byte
	var typ string
	var err error
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		der, err = x509.MarshalECPrivateKey(k)
		typ = "EC PRIVATE KEY"
	case *rsa.PrivateKey:
		der, typ = x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	default:
		return nil, fmt.Errorf("x509ca: Vault bundles hold ECDSA or RSA keys, not %T", key)
	}
	if err != nil {
		return nil, err
	}
	defer clear(der)
	keyPEM := PEM(typ, der)
	defer clear(keyPEM)
	certs := make([][]byte, len(chain))
	size := len(keyPEM)
	for i, c := range chain {
		certs[i] = PEM("CERTIFICATE", c.Raw)
		size += len(certs[i])
	}
	// Sized once, so that no buffer grows and leaves a copy of the key's
	// text behind; json.Marshal would keep copies in its own buffers, and
	// the PEM alphabet needs no escaping but the newlines.
	var pemBundle, out bytes.Buffer
	pemBundle.Grow(size)
	out.Grow(2*size + 32)
	pemBundle.Write(keyPEM)
	for _, c := range certs {
		pemBundle.Write(c)
	}
	defer clear(pemBundle.Bytes())
	out.WriteString(`{"pem_bundle":"`)
	for _, c := range pemBundle.Bytes() {
		if c == '\n' {
			out.WriteString(`\n`)
		} else {
			out.WriteByte(c)
		}
	}
	out.WriteString("\"}\n")
	if !json.Valid(out.Bytes()) {
		clear(out.Bytes())
		return nil, errors.New("x509ca: the Vault bundle is not JSON")
	}
	return out.Bytes(), nil
}

// SealToAge encrypts b to an age X25519 recipient ("age1..."), for the
// stock `age -d` to open.
func SealToAge(recipient string, b []byte) ([]byte, error) {
	r, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		return nil, fmt.Errorf("x509ca: age recipient: %w", err)
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(w, bytes.NewReader(b)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Wipe zeroes what of a software key this process can reach: the private
// scalar or primes and the values derived from them. (Go's crypto may keep
// a precomputed copy inside the key that no API exposes.)
func Wipe(key crypto.Signer) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		clear(k.D.Bits())
	case *rsa.PrivateKey:
		clear(k.D.Bits())
		for _, p := range k.Primes {
			clear(p.Bits())
		}
		for _, v := range []*big.Int{k.Precomputed.Dp, k.Precomputed.Dq, k.Precomputed.Qinv} {
			if v != nil {
				clear(v.Bits())
			}
		}
	}
}
