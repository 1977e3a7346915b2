// Package sshca issues OpenSSH certificates and revocation lists with a CA
// key held elsewhere (a token's crypto.Signer), and keeps the ledger of what
// a CA issued so that serials never repeat across ceremonies.
//
// Certificates follow PROTOCOL.certkeys: an RSA CA signs with rsa-sha2-512,
// never ssh-rsa (SHA-1); ECDSA and Ed25519 CAs sign as their key type does.
// Every signature is checked in software before a certificate is returned.
// A certificate must name its principals and end its validity; one that
// does not is made only when the caller says the exception was approved.
//
// Revocation lists follow PROTOCOL.krl, unsigned (OpenSSH 9.4 and later
// refuse a KRL with an embedded signature); their authenticity comes from
// an SSHSIG signature by the CA beside them (package sshsig, namespace
// KRLNamespace), checked with ssh-keygen -Y verify.
package sshca

import (
	"bytes"
	"crypto"
	"crypto/dsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Kind is what a certificate is for.
type Kind uint32

const (
	User = Kind(ssh.UserCert)
	Host = Kind(ssh.HostCert)
)

func (k Kind) String() string {
	if k == Host {
		return "host"
	}
	return "user"
}

// ParseKind reads "user" or "host".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "user":
		return User, nil
	case "host":
		return Host, nil
	}
	return 0, fmt.Errorf("certificate type %q: use user or host", s)
}

// DefaultUserExtensions are the extensions ssh-keygen gives a user
// certificate when none are asked for.
var DefaultUserExtensions = []string{"permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"}

// knownExtensions are the user certificate extensions OpenSSH defines.
var knownExtensions = append([]string{"no-touch-required", "verify-required"}, DefaultUserExtensions...)

// Forever is the ValidBefore of a certificate that never expires.
var Forever = time.Unix(0, 0).Add(time.Duration(1<<63 - 1))

// Request is what a certificate is to say.
type Request struct {
	Kind       Kind
	Key        ssh.PublicKey
	KeyID      string
	Serial     uint64
	Principals []string
	ValidAfter time.Time
	// ValidBefore is the end of validity; Forever for none.
	ValidBefore time.Time
	// CriticalOptions (user certificates only): force-command and
	// source-address.
	CriticalOptions map[string]string
	// Extensions (user certificates only), each with an empty value.
	Extensions []string
	// Unbounded allows a certificate with no principals or no end of
	// validity; set only where an approved exception is recorded.
	Unbounded bool
}

// ErrUnbounded is returned for a certificate valid for any principal or for
// ever, which is made only with Unbounded set.
var ErrUnbounded = errors.New("sshca: a certificate with no principals or no end of validity needs an approved exception")

// ErrWeakKey is returned for a public key too weak to certify.
var ErrWeakKey = errors.New("sshca: weak key")

// CheckKey refuses keys too weak to certify: DSA, RSA under 2048 bits, and
// certificates in place of keys.
func CheckKey(pub ssh.PublicKey) error {
	switch pub.Type() {
	case ssh.KeyAlgoDSA:
		return fmt.Errorf("%w: DSA keys are refused", ErrWeakKey)
	case ssh.KeyAlgoRSA:
		ck, ok := pub.(ssh.CryptoPublicKey)
		if !ok {
			return fmt.Errorf("%w: an RSA key that cannot be read", ErrWeakKey)
		}
		if k, ok := ck.CryptoPublicKey().(*rsa.PublicKey); !ok || k.N.BitLen() < 2048 {
			return fmt.Errorf("%w: RSA keys need at least 2048 bits", ErrWeakKey)
		}
	}
	if _, ok := pub.(*ssh.Certificate); ok {
		return errors.New("sshca: a certificate is given where a public key is expected")
	}
	if ck, ok := pub.(ssh.CryptoPublicKey); ok {
		if _, ok := ck.CryptoPublicKey().(*dsa.PublicKey); ok {
			return fmt.Errorf("%w: DSA keys are refused", ErrWeakKey)
		}
	}
	return nil
}

// check holds a request to the rules above and OpenSSH's own.
func (r *Request) check() error {
	if r.Key == nil {
		return errors.New("sshca: no public key to certify")
	}
	if err := CheckKey(r.Key); err != nil {
		return err
	}
	if r.KeyID == "" {
		return errors.New("sshca: a key id is required: it is what sshd logs for each login")
	}
	if r.Serial == 0 {
		return errors.New("sshca: serial 0 cannot be revoked by serial; serials start at 1")
	}
	if err := CheckProfile(*r); err != nil {
		return err
	}
	if (len(r.Principals) == 0 || r.ValidBefore.Equal(Forever)) && !r.Unbounded {
		return ErrUnbounded
	}
	return nil
}

// CheckProfile checks what a request says beyond its key, key id and
// serial: type, validity, principals' form, critical options, extensions.
// A script's certificate profile is checked with it before a ceremony.
func CheckProfile(r Request) error {
	if r.Kind != User && r.Kind != Host {
		return errors.New("sshca: certificate type must be user or host")
	}
	for _, p := range r.Principals {
		if p == "" || strings.ContainsAny(p, ", \t\n") {
			return fmt.Errorf("sshca: principal %q: no empty names, commas or spaces", p)
		}
	}
	if r.ValidBefore.IsZero() || r.ValidAfter.IsZero() {
		return errors.New("sshca: validity needs a start and an end (Forever for none)")
	}
	if !r.ValidBefore.After(r.ValidAfter) {
		return errors.New("sshca: validity ends before it starts")
	}
	if r.Kind == Host && (len(r.CriticalOptions) > 0 || len(r.Extensions) > 0) {
		return errors.New("sshca: host certificates take no critical options or extensions")
	}
	for name, v := range r.CriticalOptions {
		switch name {
		case "force-command":
			if v == "" {
				return errors.New("sshca: force-command needs a command")
			}
		case "source-address":
			for _, a := range strings.Split(v, ",") {
				if _, _, err := net.ParseCIDR(a); err != nil && net.ParseIP(a) == nil {
					return fmt.Errorf("sshca: source-address %q is not an address or CIDR block", a)
				}
			}
		default:
			return fmt.Errorf("sshca: critical option %q: only force-command and source-address are known", name)
		}
	}
	for _, e := range r.Extensions {
		if !slices.Contains(knownExtensions, e) {
			return fmt.Errorf("sshca: extension %q is not one OpenSSH defines (%s)", e, strings.Join(knownExtensions, ", "))
		}
	}
	return nil
}

// CASigner is the CA key as the ssh package signs with it: rsa-sha2-512 for
// RSA, the key's own algorithm otherwise.
func CASigner(ca crypto.Signer) (ssh.Signer, error) {
	s, err := ssh.NewSignerFromSigner(ca)
	if err != nil {
		return nil, fmt.Errorf("sshca: CA key: %w", err)
	}
	if s.PublicKey().Type() == ssh.KeyAlgoRSA {
		as, ok := s.(ssh.AlgorithmSigner)
		if !ok {
			return nil, errors.New("sshca: the RSA CA key cannot choose its signature algorithm")
		}
		return ssh.NewSignerWithAlgorithms(as, []string{ssh.KeyAlgoRSASHA512})
	}
	return s, nil
}

// Sign issues the certificate r asks for with the CA key, and checks its
// signature in software before returning it.
func Sign(ca ssh.Signer, r Request) (*ssh.Certificate, error) {
	certs, err := SignBatch(ca, ca.PublicKey(), []Request{r})
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// SignBatch issues the certificates rs ask for, in order, each checked in
// software against caPub before any is returned. A token signs one at a
// time; the checks run on the other cores meanwhile, so that ca may be a
// token key that does not check its own signatures (hsm.Key.Unverified)
// and the batch costs little more than the token's signing.
//
// The signing thread encodes each certificate itself (PROTOCOL.certkeys)
// and does nothing else but sign; the checker parses what was encoded with
// golang.org/x/crypto/ssh, holds every field to the request, and verifies
// the signature over the encoded bytes. A bug in either encoding is a
// refused batch, not a certificate that says something else.
func SignBatch(ca ssh.Signer, caPub ssh.PublicKey, rs []Request) ([]*ssh.Certificate, error) {
	for i := range rs {
		if err := rs[i].check(); err != nil {
			return nil, fmt.Errorf("%s: %w", rs[i].KeyID, err)
		}
	}
	type signed struct {
		i        int
		tbs, sig []byte
		s        *ssh.Signature
	}
	certs := make([]*ssh.Certificate, len(rs))
	// Handed over in runs, not one by one: waking a checker for each
	// certificate costs the signing thread more than the check saves.
	const run = 32
	todo := make(chan []signed, len(rs)/run+1)
	bad := make(chan error, len(rs))
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range todo {
				for _, d := range batch {
					c, err := checkSigned(rs[d.i], caPub, d.tbs, d.s, append(d.tbs, d.sig...))
					if err != nil {
						bad <- fmt.Errorf("sshca: certificate %s: %w", rs[d.i].KeyID, err)
						continue
					}
					certs[d.i] = c
				}
			}
		}()
	}
	caBlob := caPub.Marshal()
	var err error
	var pending []signed
	for i, r := range rs {
		tbs, e := encodeTBS(r, caBlob)
		var sig *ssh.Signature
		if e == nil {
			sig, e = caSign(ca, tbs)
		}
		if e != nil {
			err = fmt.Errorf("sshca: signing %s: %w", r.KeyID, e)
			break
		}
		if pending = append(pending, signed{i, tbs, wireString(ssh.Marshal(sig)), sig}); len(pending) == run {
			todo <- pending
			pending = nil
		}
	}
	todo <- pending
	close(todo)
	wg.Wait()
	close(bad)
	if err != nil {
		return nil, err
	}
	if err := <-bad; err != nil {
		return nil, err
	}
	return certs, nil
}

// caSign signs with the CA's first algorithm: rsa-sha2-512 for an RSA CA
// from CASigner (a plain Sign would be ssh-rsa, SHA-1).
func caSign(ca ssh.Signer, data []byte) (*ssh.Signature, error) {
	if m, ok := ca.(ssh.MultiAlgorithmSigner); ok {
		return m.SignWithAlgorithm(rand.Reader, data, m.Algorithms()[0])
	}
	return ca.Sign(rand.Reader, data)
}

// certType is the certificate algorithm of a key type:
// ssh-ed25519 -> ssh-ed25519-cert-v01@openssh.com,
// sk-ssh-ed25519@openssh.com -> sk-ssh-ed25519-cert-v01@openssh.com.
func certType(keyType string) string {
	if base, ok := strings.CutSuffix(keyType, "@openssh.com"); ok {
		return base + "-cert-v01@openssh.com"
	}
	return keyType + "-cert-v01@openssh.com"
}

func wireString(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// encodeTBS is the certificate r asks for up to its signature: everything
// the CA signs.
func encodeTBS(r Request, caBlob []byte) ([]byte, error) {
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	keyBlob := r.Key.Marshal()
	typ := r.Key.Type()
	fields := keyBlob[4+len(typ):]
	var principals, crit, ext []byte
	for _, p := range r.Principals {
		principals = append(principals, wireString([]byte(p))...)
	}
	names := slices.Sorted(maps.Keys(r.CriticalOptions))
	for _, n := range names {
		crit = append(append(crit, wireString([]byte(n))...), wireString(wireString([]byte(r.CriticalOptions[n])))...)
	}
	exts := slices.Clone(r.Extensions)
	slices.Sort(exts)
	for _, e := range slices.Compact(exts) {
		ext = append(append(ext, wireString([]byte(e))...), wireString(nil)...)
	}
	b := wireString([]byte(certType(typ)))
	b = append(b, wireString(nonce)...)
	b = append(b, fields...)
	b = binary.BigEndian.AppendUint64(b, r.Serial)
	b = binary.BigEndian.AppendUint32(b, uint32(r.Kind))
	b = append(b, wireString([]byte(r.KeyID))...)
	b = append(b, wireString(principals)...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.ValidAfter.Unix()))
	b = binary.BigEndian.AppendUint64(b, validBefore(r.ValidBefore))
	b = append(b, wireString(crit)...)
	b = append(b, wireString(ext)...)
	b = append(b, wireString(nil)...) // reserved
	b = append(b, wireString(caBlob)...)
	return b, nil
}

// checkSigned parses a signed certificate, holds it to the request it was
// made for and checks its signature over the bytes that were signed.
func checkSigned(r Request, caPub ssh.PublicKey, tbs []byte, sig *ssh.Signature, blob []byte) (*ssh.Certificate, error) {
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, fmt.Errorf("does not parse: %w", err)
	}
	c, ok := pub.(*ssh.Certificate)
	if !ok {
		return nil, errors.New("parses as a plain key")
	}
	exts := map[string]string{}
	for _, e := range r.Extensions {
		exts[e] = ""
	}
	crit := map[string]string{}
	maps.Copy(crit, r.CriticalOptions)
	switch {
	case !bytes.Equal(c.Key.Marshal(), r.Key.Marshal()), c.Serial != r.Serial, c.CertType != uint32(r.Kind), c.KeyId != r.KeyID,
		!slices.Equal(c.ValidPrincipals, r.Principals) && len(c.ValidPrincipals)+len(r.Principals) > 0,
		c.ValidAfter != uint64(r.ValidAfter.Unix()), c.ValidBefore != validBefore(r.ValidBefore),
		!maps.Equal(c.CriticalOptions, crit), !maps.Equal(c.Extensions, exts):
		return nil, errors.New("says something other than was asked")
	}
	if !bytes.Equal(c.SignatureKey.Marshal(), caPub.Marshal()) {
		return nil, errors.New("names another CA")
	}
	if sig.Format == ssh.KeyAlgoRSA {
		return nil, errors.New("signed with ssh-rsa (SHA-1)")
	}
	if err := caPub.Verify(tbs, sig); err != nil {
		return nil, fmt.Errorf("the token's signature does not verify: %w", err)
	}
	return c, nil
}

func validBefore(t time.Time) uint64 {
	if t.Equal(Forever) {
		return ssh.CertTimeInfinity
	}
	return uint64(t.Unix())
}

// Verify checks that c is signed by ca, with an algorithm other than
// ssh-rsa.
func Verify(c *ssh.Certificate, ca ssh.PublicKey) error {
	if c.SignatureKey == nil || c.Signature == nil {
		return errors.New("unsigned")
	}
	if string(c.SignatureKey.Marshal()) != string(ca.Marshal()) {
		return errors.New("signed by another key")
	}
	if c.Signature.Format == ssh.KeyAlgoRSA {
		return errors.New("signed with ssh-rsa (SHA-1)")
	}
	full := c.Marshal()
	sig := ssh.Marshal(c.Signature)
	return ca.Verify(full[:len(full)-4-len(sig)], c.Signature)
}

// Fingerprint is the key's SHA256: fingerprint, as ssh-keygen -l shows it.
func Fingerprint(pub ssh.PublicKey) string { return ssh.FingerprintSHA256(pub) }
