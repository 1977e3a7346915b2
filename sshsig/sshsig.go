// Package sshsig makes and checks OpenSSH's detached signatures (SSHSIG,
// the format of `ssh-keygen -Y sign` and `ssh-keygen -Y verify`), so that
// what the ceremony signs with an SSH key can be checked with stock tools,
// and what people sign with their own SSH keys (a witness's cosignature)
// can be checked here.
//
// A signature binds a message to a namespace, so that one made for one
// purpose cannot be replayed for another. The signed data is
//
//	"SSHSIG" || string(namespace) || string(reserved) || string(hash_algorithm) || string(H(message))
//
// and the signature blob is
//
//	"SSHSIG" || uint32(1) || string(public key) || string(namespace) ||
//	string(reserved) || string(hash_algorithm) || string(signature)
//
// armoured between "-----BEGIN SSH SIGNATURE-----" and
// "-----END SSH SIGNATURE-----" in base64 lines of 70 characters.
package sshsig

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/ssh"
)

const (
	magic     = "SSHSIG"
	version   = 1
	beginLine = "-----BEGIN SSH SIGNATURE-----"
	endLine   = "-----END SSH SIGNATURE-----"
	// MaxArmoured bounds what Parse reads: an RSA-16384 signature with
	// its key is under 6 KiB armoured.
	MaxArmoured = 16 << 10
)

// Signature is a parsed SSHSIG signature.
type Signature struct {
	PublicKey ssh.PublicKey
	Namespace string
	HashAlg   string // "sha256" or "sha512"
	Sig       *ssh.Signature
}

// ErrFormat is wrapped by every error about a signature's encoding.
var ErrFormat = errors.New("sshsig: malformed signature")

func hasher(alg string) (hash.Hash, error) {
	switch alg {
	case "sha512":
		return sha512.New(), nil
	case "sha256":
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("%w: hash algorithm %q is neither sha256 nor sha512", ErrFormat, alg)
}

// signedData is what the key signs: the namespace and the message's hash.
func signedData(namespace, alg string, message []byte) ([]byte, error) {
	h, err := hasher(alg)
	if err != nil {
		return nil, err
	}
	h.Write(message)
	return append([]byte(magic), ssh.Marshal(struct {
		Namespace, Reserved, HashAlg string
		Hash                         []byte
	}{namespace, "", alg, h.Sum(nil)})...), nil
}

// Sign signs message for namespace with SHA-512, as ssh-keygen does. An RSA
// key signs with rsa-sha2-512, never SHA-1. The signature is verified
// before it is returned.
func Sign(signer ssh.Signer, namespace string, message []byte) (*Signature, error) {
	if namespace == "" {
		return nil, errors.New("sshsig: a namespace is required")
	}
	data, err := signedData(namespace, "sha512", message)
	if err != nil {
		return nil, err
	}
	var sig *ssh.Signature
	if as, ok := signer.(ssh.AlgorithmSigner); ok && signer.PublicKey().Type() == ssh.KeyAlgoRSA {
		sig, err = as.SignWithAlgorithm(rand.Reader, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = signer.Sign(rand.Reader, data)
	}
	if err != nil {
		return nil, fmt.Errorf("sshsig: sign: %w", err)
	}
	s := &Signature{PublicKey: signer.PublicKey(), Namespace: namespace, HashAlg: "sha512", Sig: sig}
	if err := s.Verify(namespace, message); err != nil {
		return nil, fmt.Errorf("sshsig: the signature just made does not verify: %w", err)
	}
	return s, nil
}

// Verify checks the signature over message in namespace. RSA signatures
// made with SHA-1 (ssh-rsa) are refused.
func (s *Signature) Verify(namespace string, message []byte) error {
	if s.Namespace != namespace {
		return fmt.Errorf("sshsig: the signature is for namespace %q, not %q", s.Namespace, namespace)
	}
	if s.Sig.Format == ssh.KeyAlgoRSA {
		return errors.New("sshsig: an ssh-rsa (SHA-1) signature is not accepted")
	}
	data, err := signedData(s.Namespace, s.HashAlg, message)
	if err != nil {
		return err
	}
	if err := s.PublicKey.Verify(data, s.Sig); err != nil {
		return fmt.Errorf("sshsig: %w", err)
	}
	return nil
}

type wire struct {
	PublicKey []byte
	Namespace string
	Reserved  string
	HashAlg   string
	Sig       []byte
}

// Blob is the signature's binary form.
func (s *Signature) Blob() []byte {
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], version)
	return append(append([]byte(magic), v[:]...), ssh.Marshal(wire{
		s.PublicKey.Marshal(), s.Namespace, "", s.HashAlg, ssh.Marshal(s.Sig)})...)
}

// Armour is the signature as ssh-keygen writes it.
func (s *Signature) Armour() []byte {
	enc := base64.StdEncoding.EncodeToString(s.Blob())
	var b bytes.Buffer
	b.WriteString(beginLine + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n" + endLine + "\n")
	return b.Bytes()
}

// Parse reads an armoured signature.
func Parse(armoured []byte) (*Signature, error) {
	if len(armoured) > MaxArmoured {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrFormat, MaxArmoured)
	}
	text := strings.TrimSpace(strings.ReplaceAll(string(armoured), "\r\n", "\n"))
	body, ok := strings.CutPrefix(text, beginLine+"\n")
	if !ok {
		return nil, fmt.Errorf("%w: no %s line", ErrFormat, beginLine)
	}
	body, ok = strings.CutSuffix(body, "\n"+endLine)
	if !ok {
		return nil, fmt.Errorf("%w: no %s line", ErrFormat, endLine)
	}
	blob, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\n", ""))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return ParseBlob(blob)
}

// ParseBlob reads a signature's binary form.
func ParseBlob(blob []byte) (*Signature, error) {
	rest, ok := bytes.CutPrefix(blob, []byte(magic))
	if !ok || len(rest) < 4 {
		return nil, fmt.Errorf("%w: no SSHSIG preamble", ErrFormat)
	}
	if v := binary.BigEndian.Uint32(rest); v != version {
		return nil, fmt.Errorf("%w: version %d", ErrFormat, v)
	}
	var w wire
	if err := ssh.Unmarshal(rest[4:], &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if _, err := hasher(w.HashAlg); err != nil {
		return nil, err
	}
	pub, err := ssh.ParsePublicKey(w.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrFormat, err)
	}
	if _, isCert := pub.(*ssh.Certificate); isCert {
		return nil, fmt.Errorf("%w: signed by a certificate, not a key", ErrFormat)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(w.Sig, sig); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrFormat, err)
	}
	if w.Namespace == "" {
		return nil, fmt.Errorf("%w: empty namespace", ErrFormat)
	}
	return &Signature{PublicKey: pub, Namespace: w.Namespace, HashAlg: w.HashAlg, Sig: sig}, nil
}
