package x509ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
)

// CheckCSR reads a certificate request (PEM or DER) and holds it to what
// the profile will certify: its signature verifies (the requester holds
// the key), its key is strong enough, and its subject is the profile's.
// Nothing else of the request is used; the profile says what is signed.
func CheckCSR(b []byte, want pkix.Name) (*x509.CertificateRequest, error) {
	der, err := oneBlock(b, "CERTIFICATE REQUEST")
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("x509ca: certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("x509ca: the request's signature does not verify, so its sender may not hold the key: %w", err)
	}
	if err := CheckKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if got, exp := csr.Subject.String(), want.String(); got != exp {
		return nil, fmt.Errorf("x509ca: the request is for %q; the profile certifies %q", got, exp)
	}
	return csr, nil
}
