// Package x509ca issues X.509 CA certificates and CRLs with a key held
// elsewhere (a token's crypto.Signer), linting before it signs.
//
// Nothing is signed by the real key until it has been linted: a copy with
// the same to-be-signed content is signed by a throwaway key of the same
// type and linted with zlint; the real certificate's TBS bytes must then
// equal the linted copy's, its signature is verified in software, and it is
// parsed again. A CRL gets the same treatment. Lints that bind only the
// public web PKI may be left out (Lints), and what was left out is part of
// the report kept in the record.
package x509ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// ParseName reads a subject written as "C=US, ST=California, L=San
// Francisco, O=Example Co, OU=Security, CN=Example Root CA". Only those
// attributes are known; each at most once; no escapes, so no commas in
// values.
func ParseName(s string) (pkix.Name, error) {
	var n pkix.Name
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return n, fmt.Errorf("subject %q: want KEY=value, comma separated", s)
		}
		if strings.ContainsAny(v, `\+"<>;`) {
			return n, fmt.Errorf("subject %q: %s: the characters \\ + \" < > ; are not taken", s, k)
		}
		if seen[k] {
			return n, fmt.Errorf("subject %q: %s given twice", s, k)
		}
		seen[k] = true
		switch k {
		case "C":
			if len(v) != 2 {
				return n, fmt.Errorf("subject %q: C is a two-letter country code", s)
			}
			n.Country = []string{v}
		case "ST":
			n.Province = []string{v}
		case "L":
			n.Locality = []string{v}
		case "O":
			n.Organization = []string{v}
		case "OU":
			n.OrganizationalUnit = []string{v}
		case "CN":
			n.CommonName = v
		default:
			return n, fmt.Errorf("subject %q: %s: use C, ST, L, O, OU and CN", s, k)
		}
	}
	if n.CommonName == "" {
		return n, fmt.Errorf("subject %q: CN is required", s)
	}
	return n, nil
}

// Profile is what a CA certificate says.
type Profile struct {
	Subject   pkix.Name
	NotBefore time.Time
	NotAfter  time.Time
	// PathLen is the number of CAs that may follow below this one.
	PathLen int
	// CRLURLs are the CRL distribution points of the issuer, written in
	// the certificate; the root's own may be empty.
	CRLURLs []string
	// KeyUsage and ExtKeyUsage are an end entity's (IssueUser); a CA
	// certificate's are fixed.
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
}

// RandomSerial is a positive serial of 127 random bits (at least 64, as
// the CA/Browser Forum asks, and within the 20 octets RFC 5280 allows).
func RandomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // a fixed length: 16 octets, never a leading zero
	return new(big.Int).SetBytes(b), nil
}

// ErrWeakKey is returned for a subject key too weak to certify.
var ErrWeakKey = errors.New("x509ca: weak key")

// CheckKey refuses keys below the profile's strength: RSA under 2048 bits,
// curves other than P-256, P-384 and P-521.
func CheckKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("%w: RSA key of %d bits; at least 2048", ErrWeakKey, k.N.BitLen())
		}
		if k.E != 65537 {
			return fmt.Errorf("%w: RSA exponent %d; 65537 is expected", ErrWeakKey, k.E)
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return fmt.Errorf("%w: curve %s", ErrWeakKey, k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("%w: key type %T", ErrWeakKey, pub)
	}
	return nil
}

// throwaway is a new key of the same type as pub, for signing the copy
// that is linted.
func throwaway(pub crypto.PublicKey) (crypto.Signer, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.GenerateKey(k.Curve, rand.Reader)
	case *rsa.PublicKey:
		return rsa.GenerateKey(rand.Reader, k.N.BitLen())
	case ed25519.PublicKey:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("x509ca: no throwaway key of type %T", pub)
}

// keyID is the key identifier of RFC 5280, 4.2.1.2 (1): the SHA-1 hash of
// the subjectPublicKey bits.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	h := sha1.Sum(spki.Key.Bytes)
	return h[:], nil
}

// Issued is a certificate made, with its lint report.
type Issued struct {
	DER  []byte
	Cert *x509.Certificate
	Lint *LintReport
}

// Fingerprint is the certificate's SHA-256, as `openssl x509 -fingerprint
// -sha256` shows it without colons.
func (i *Issued) Fingerprint() string {
	h := sha256.Sum256(i.DER)
	return hex.EncodeToString(h[:])
}

// IssueCA makes a CA certificate for subjectKey with profile p: the root,
// self-signed by signer when issuer is nil, or an intermediate issued by
// issuer, whose key signer is. It lints before signing, checks the result
// against the linted copy and verifies it.
func IssueCA(signer crypto.Signer, issuer *x509.Certificate, subjectKey crypto.PublicKey, p Profile, serial *big.Int, l Lints) (*Issued, error) {
	if p.PathLen < 0 {
		return nil, errors.New("x509ca: a CA certificate needs a path length")
	}
	t := &x509.Certificate{BasicConstraintsValid: true, IsCA: true, MaxPathLen: p.PathLen, MaxPathLenZero: p.PathLen == 0,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	if issuer != nil && (issuer.MaxPathLen > 0 || issuer.MaxPathLenZero) && p.PathLen >= issuer.MaxPathLen {
		return nil, fmt.Errorf("x509ca: path length %d does not fit under the issuer's %d", p.PathLen, issuer.MaxPathLen)
	}
	return issue(signer, issuer, subjectKey, p, serial, t, l)
}

// IssueUser makes an end entity's certificate (a user's PIV key) for
// subjectKey, issued by issuer whose key signer is, with p's key usages,
// linted before it is signed, checked against the linted copy and verified.
func IssueUser(signer crypto.Signer, issuer *x509.Certificate, subjectKey crypto.PublicKey, p Profile, serial *big.Int, l Lints) (*Issued, error) {
	if issuer == nil {
		return nil, errors.New("x509ca: a user certificate needs an issuer")
	}
	if p.KeyUsage == 0 {
		return nil, errors.New("x509ca: a user certificate needs key usages")
	}
	t := &x509.Certificate{BasicConstraintsValid: true, KeyUsage: p.KeyUsage, ExtKeyUsage: p.ExtKeyUsage}
	return issue(signer, issuer, subjectKey, p, serial, t, l)
}

// issue completes template t from p and signs it, lint first.
func issue(signer crypto.Signer, issuer *x509.Certificate, subjectKey crypto.PublicKey, p Profile, serial *big.Int, t *x509.Certificate, l Lints) (*Issued, error) {
	if err := CheckKey(subjectKey); err != nil {
		return nil, err
	}
	if serial == nil || serial.Sign() <= 0 || serial.BitLen() < 64 || serial.BitLen() > 159 {
		return nil, errors.New("x509ca: a serial is positive, with 64 to 159 bits")
	}
	if !p.NotAfter.After(p.NotBefore) {
		return nil, errors.New("x509ca: validity ends before it starts")
	}
	ski, err := keyID(subjectKey)
	if err != nil {
		return nil, err
	}
	t.SerialNumber, t.Subject, t.NotBefore, t.NotAfter = serial, p.Subject, p.NotBefore.UTC(), p.NotAfter.UTC()
	t.SubjectKeyId, t.CRLDistributionPoints = ski, p.CRLURLs
	parent := t
	if issuer == nil {
		t.AuthorityKeyId = ski
		if !signerMatches(signer, subjectKey) {
			return nil, errors.New("x509ca: a root is signed by its own key")
		}
	} else {
		if !issuer.IsCA || issuer.KeyUsage&x509.KeyUsageCertSign == 0 {
			return nil, errors.New("x509ca: the issuer is not a CA that signs certificates")
		}
		if !signerMatches(signer, issuer.PublicKey) {
			return nil, errors.New("x509ca: the signing key is not the issuer's")
		}
		if t.NotBefore.Before(issuer.NotBefore) || t.NotAfter.After(issuer.NotAfter) {
			return nil, fmt.Errorf("x509ca: validity %s to %s is not within the issuer's, %s to %s",
				t.NotBefore.Format(time.RFC3339), t.NotAfter.Format(time.RFC3339), issuer.NotBefore.Format(time.RFC3339), issuer.NotAfter.Format(time.RFC3339))
		}
		parent = issuer
	}
	what := "certificate " + p.Subject.String()
	tbs, rep, err := lintedTBS(what, signer, func(s crypto.Signer, lintRun bool) ([]byte, error) {
		par := parent
		if lintRun && issuer != nil {
			// The copy's parent has the throwaway key; the rest of it, and
			// so everything the TBS takes from it, is the issuer's.
			c := *issuer
			c.PublicKey = s.Public()
			par = &c
		}
		return x509.CreateCertificate(rand.Reader, t, par, subjectKey, s)
	}, lintCertificate, l)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, subjectKey, signer)
	if err != nil {
		return nil, fmt.Errorf("x509ca: signing %s: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("x509ca: %s as signed does not parse: %w", what, err)
	}
	if !bytes.Equal(cert.RawTBSCertificate, tbs) {
		return nil, fmt.Errorf("x509ca: %s as signed is not the certificate that was linted", what)
	}
	check := parent
	if issuer == nil {
		check = cert
	}
	if err := cert.CheckSignatureFrom(check); err != nil {
		return nil, fmt.Errorf("x509ca: the token's signature on %s: %w", what, err)
	}
	return &Issued{DER: der, Cert: cert, Lint: rep}, nil
}

// lintedTBS makes the object with a throwaway key of the signer's type,
// lints it and returns its TBS bytes.
func lintedTBS(what string, signer crypto.Signer, make func(s crypto.Signer, lintRun bool) ([]byte, error),
	lintDER func(string, []byte, Lints) (*LintReport, error), l Lints) ([]byte, *LintReport, error) {
	tmp, err := throwaway(signer.Public())
	if err != nil {
		return nil, nil, err
	}
	der, err := make(tmp, true)
	if err != nil {
		return nil, nil, fmt.Errorf("x509ca: %s: %w", what, err)
	}
	rep, err := lintDER(what, der, l)
	if err != nil {
		return nil, rep, err
	}
	var outer struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		return nil, nil, err
	}
	return outer.TBS.FullBytes, rep, nil
}

func signerMatches(s crypto.Signer, pub crypto.PublicKey) bool {
	k, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(pub)
}
