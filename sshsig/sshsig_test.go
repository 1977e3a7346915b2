package sshsig_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshsig"
	"github.com/ceremony-dev/ceremony/tooltest"
)

func keys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"ed25519": ed, "ecdsa-p256": ec, "ecdsa-p384": ec384, "rsa-2048": rs}
}

// TestStockToolsAgree: ssh-keygen -Y verify accepts what Sign makes, and
// Verify accepts what ssh-keygen -Y sign makes, for each key type; each
// refuses the other namespace and a changed message.
func TestStockToolsAgree(t *testing.T) {
	keygen := tooltest.Need(t, "ssh-keygen", "openssh-client")
	msg := []byte("ceremony/root-2026\n42\nhead\n")
	for name, k := range keys(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			signer, err := ssh.NewSignerFromSigner(k)
			if err != nil {
				t.Fatal(err)
			}
			pubLine := ssh.MarshalAuthorizedKey(signer.PublicKey())
			write(t, dir, "allowed", append([]byte("witness@example "), pubLine...))
			write(t, dir, "msg", msg)

			ours, err := sshsig.Sign(signer, "ceremony-test", msg)
			if err != nil {
				t.Fatal(err)
			}
			if name == "rsa-2048" && ours.Sig.Format != ssh.KeyAlgoRSASHA512 {
				t.Fatalf("an RSA key signed with %s", ours.Sig.Format)
			}
			write(t, dir, "msg.sig", ours.Armour())
			verify := func(ns string, data []byte) error {
				cmd := exec.Command(keygen, "-Y", "verify", "-f", filepath.Join(dir, "allowed"), "-I", "witness@example", "-n", ns, "-s", filepath.Join(dir, "msg.sig"))
				cmd.Stdin = bytes.NewReader(data)
				out, err := cmd.CombinedOutput()
				if err != nil {
					return errors.New(string(out))
				}
				return nil
			}
			if err := verify("ceremony-test", msg); err != nil {
				t.Fatalf("ssh-keygen -Y verify refused our signature: %v", err)
			}
			if verify("file", msg) == nil || verify("ceremony-test", append(msg, 'x')) == nil {
				t.Fatal("ssh-keygen accepted our signature in another namespace or over another message")
			}

			// The other way: ssh-keygen signs with the key, we verify.
			write(t, dir, "id", pemKey(t, k))
			os.Remove(filepath.Join(dir, "msg.sig"))
			if out, err := exec.Command(keygen, "-Y", "sign", "-q", "-f", filepath.Join(dir, "id"), "-n", "ceremony-test", filepath.Join(dir, "msg")).CombinedOutput(); err != nil {
				t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
			}
			armoured, err := os.ReadFile(filepath.Join(dir, "msg.sig"))
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := sshsig.Parse(armoured)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(theirs.PublicKey.Marshal(), signer.PublicKey().Marshal()) {
				t.Fatal("the parsed signature names another key")
			}
			if err := theirs.Verify("ceremony-test", msg); err != nil {
				t.Fatalf("ssh-keygen's signature: %v", err)
			}
			if theirs.Verify("other", msg) == nil || theirs.Verify("ceremony-test", msg[1:]) == nil {
				t.Fatal("accepted in another namespace or over another message")
			}
			if !bytes.Equal(theirs.Armour(), armoured) {
				t.Fatalf("re-armoured differently:\n%s\n%s", theirs.Armour(), armoured)
			}
		})
	}
}

func pemKey(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	b, err := ssh.MarshalPrivateKey(k, "")
	if err != nil {
		t.Fatal(err)
	}
	return pemEncode(b)
}

func write(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestParseRefuses(t *testing.T) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromSigner(k)
	good, err := sshsig.Sign(signer, "n", []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	blob := good.Blob()
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"no end line", bytes.TrimSuffix(good.Armour(), []byte("-----END SSH SIGNATURE-----\n"))},
		{"bad base64", []byte("-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n")},
		{"too large", bytes.Repeat([]byte("A"), sshsig.MaxArmoured+1)},
		{"version 2", armour(append(append([]byte("SSHSIG"), 0, 0, 0, 2), blob[10:]...))},
		{"trailing bytes", armour(append(append([]byte{}, blob...), 0))},
		{"truncated", armour(blob[:len(blob)-3])},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := sshsig.Parse(c.in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func armour(blob []byte) []byte {
	s, err := sshsig.ParseBlob(blob)
	if err == nil {
		return s.Armour()
	}
	return []byte("-----BEGIN SSH SIGNATURE-----\n" + b64(blob) + "\n-----END SSH SIGNATURE-----\n")
}

func FuzzParse(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromSigner(k)
	good, _ := sshsig.Sign(signer, "n", []byte("m"))
	f.Add(good.Armour())
	f.Add([]byte("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := sshsig.Parse(in)
		if err != nil {
			return
		}
		// What parses survives a round trip and never panics on verify.
		again, err := sshsig.Parse(s.Armour())
		if err != nil || !bytes.Equal(again.Blob(), s.Blob()) {
			t.Fatalf("round trip: %v", err)
		}
		_ = s.Verify(s.Namespace, []byte("m"))
	})
}
