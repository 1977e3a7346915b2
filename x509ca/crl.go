package x509ca

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Reasons are the CRL reason codes a revocation may give (RFC 5280, 5.3.1),
// by the names OpenSSL prints.
var Reasons = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "certificateHold": 6, "privilegeWithdrawn": 9,
}

// Revocation is one revoked certificate.
type Revocation struct {
	Serial *big.Int
	At     time.Time
	Reason string // a key of Reasons
}

// CRLRequest is what a CRL says.
type CRLRequest struct {
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    []Revocation
	// Previous is the last CRL the issuer made, if any: the number must
	// be above its own, and everything it revoked must stay revoked.
	Previous *x509.RevocationList
}

// IssuedCRL is a CRL made, with its lint report.
type IssuedCRL struct {
	DER  []byte
	CRL  *x509.RevocationList
	Lint *LintReport
}

// IssueCRL makes the issuer's CRL, lints it before the issuer's key signs
// it, checks the result against the linted copy and verifies it.
func IssueCRL(signer crypto.Signer, issuer *x509.Certificate, r CRLRequest, l Lints) (*IssuedCRL, error) {
	if r.Number == nil || r.Number.Sign() <= 0 {
		return nil, errors.New("x509ca: a CRL number is positive")
	}
	if !r.NextUpdate.After(r.ThisUpdate) {
		return nil, errors.New("x509ca: nextUpdate is not after thisUpdate")
	}
	if r.ThisUpdate.Before(issuer.NotBefore) || r.NextUpdate.After(issuer.NotAfter) {
		return nil, fmt.Errorf("x509ca: thisUpdate %s to nextUpdate %s is not within the issuer's validity, %s to %s",
			r.ThisUpdate.UTC().Format(time.RFC3339), r.NextUpdate.UTC().Format(time.RFC3339), issuer.NotBefore.Format(time.RFC3339), issuer.NotAfter.Format(time.RFC3339))
	}
	if !signerMatches(signer, issuer.PublicKey) {
		return nil, errors.New("x509ca: the signing key is not the issuer's")
	}
	t := &x509.RevocationList{Number: r.Number, ThisUpdate: r.ThisUpdate.UTC(), NextUpdate: r.NextUpdate.UTC()}
	seen := map[string]bool{}
	add := func(rv Revocation) error {
		code, ok := Reasons[rv.Reason]
		if !ok {
			return fmt.Errorf("x509ca: revocation reason %q: use one of unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn", rv.Reason)
		}
		if seen[rv.Serial.String()] {
			return nil
		}
		seen[rv.Serial.String()] = true
		e := x509.RevocationListEntry{SerialNumber: rv.Serial, RevocationTime: rv.At.UTC().Truncate(time.Second)}
		if code != 0 {
			e.ReasonCode = code
		}
		t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, e)
		return nil
	}
	if p := r.Previous; p != nil {
		if err := p.CheckSignatureFrom(issuer); err != nil {
			return nil, fmt.Errorf("x509ca: the previous CRL is not the issuer's: %w", err)
		}
		if p.Number == nil || r.Number.Cmp(p.Number) <= 0 {
			return nil, fmt.Errorf("x509ca: CRL number %s is not above the previous CRL's %v", r.Number, p.Number)
		}
		if r.ThisUpdate.Before(p.ThisUpdate) {
			return nil, errors.New("x509ca: thisUpdate is before the previous CRL's")
		}
		for _, e := range p.RevokedCertificateEntries {
			reason := "unspecified"
			for name, code := range Reasons {
				if code == e.ReasonCode {
					reason = name
				}
			}
			if err := add(Revocation{Serial: e.SerialNumber, At: e.RevocationTime, Reason: reason}); err != nil {
				return nil, err
			}
		}
	}
	for _, rv := range r.Revoked {
		if rv.Serial == nil || rv.Serial.Sign() <= 0 {
			return nil, errors.New("x509ca: a revoked serial is positive")
		}
		if err := add(rv); err != nil {
			return nil, err
		}
	}
	what := fmt.Sprintf("CRL %s of %s", r.Number, issuer.Subject)
	tbs, rep, err := lintedTBS(what, signer, func(s crypto.Signer, lintRun bool) ([]byte, error) {
		iss := issuer
		if lintRun {
			c := *issuer
			c.PublicKey = s.Public()
			iss = &c
		}
		return x509.CreateRevocationList(rand.Reader, t, iss, s)
	}, lintCRL, l)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateRevocationList(rand.Reader, t, issuer, signer)
	if err != nil {
		return nil, fmt.Errorf("x509ca: signing %s: %w", what, err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("x509ca: %s as signed does not parse: %w", what, err)
	}
	if !bytes.Equal(crl.RawTBSRevocationList, tbs) {
		return nil, fmt.Errorf("x509ca: %s as signed is not the CRL that was linted", what)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("x509ca: the token's signature on %s: %w", what, err)
	}
	return &IssuedCRL{DER: der, CRL: crl, Lint: rep}, nil
}

// MaxPEM bounds a certificate, CSR or CRL read from a file.
const MaxPEM = 4 << 20

// ParseCRL reads a CRL in PEM or DER.
func ParseCRL(b []byte) (*x509.RevocationList, error) {
	der, err := oneBlock(b, "X509 CRL")
	if err != nil {
		return nil, err
	}
	return x509.ParseRevocationList(der)
}

// ParseCertificate reads a certificate in PEM or DER.
func ParseCertificate(b []byte) (*x509.Certificate, error) {
	der, err := oneBlock(b, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// oneBlock is the DER of a file holding one PEM block of type typ, or DER.
func oneBlock(b []byte, typ string) ([]byte, error) {
	if len(b) > MaxPEM {
		return nil, fmt.Errorf("x509ca: larger than %d bytes", MaxPEM)
	}
	if !bytes.Contains(b, []byte("-----BEGIN")) {
		return b, nil
	}
	blk, rest := pem.Decode(b)
	if blk == nil || blk.Type != typ {
		return nil, fmt.Errorf("x509ca: not a PEM %s", typ)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("x509ca: more than one PEM block where one %s is expected", typ)
	}
	return blk.Bytes, nil
}

// PEM encodes DER as a PEM block of type typ.
func PEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
