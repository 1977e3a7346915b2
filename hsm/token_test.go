package hsm_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/steps"
)

// Both kinds of token are what the ceremony's primitives consume.
var (
	_ steps.Token = (*hsm.SoftToken)(nil)
	_ steps.Token = (*hsm.Session)(nil)
)

// backend opens a fresh, initialised, logged-out token of one kind. The
// same tests run on every backend, so the embedded token is held to what a
// real PKCS #11 module does.
type backend struct {
	name string
	open func(t *testing.T) (tok steps.Token, userSecret, soSecret []byte)
}

func secret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

func softBackend() backend {
	return backend{name: "soft", open: func(t *testing.T) (steps.Token, []byte, []byte) {
		tok, err := hsm.OpenSoft(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		so, user := secret(t), secret(t)
		if err := tok.InitToken(so, user, "rehearsal"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tok.Close() })
		return tok, user, so
	}}
}

func loggedIn(t *testing.T, b backend) steps.Token {
	t.Helper()
	tok, user, _ := b.open(t)
	if err := tok.Login(user, false); err != nil {
		t.Fatalf("login: %v", err)
	}
	return tok
}

func TestGenerateSignVerify(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			for _, kind := range hsm.Kinds {
				t.Run(string(kind), func(t *testing.T) {
					label := "key-" + string(kind)
					s, err := tok.GenerateKey(label, string(kind))
					if err != nil {
						t.Fatalf("generate: %v", err)
					}
					checkSigns(t, s, kind)
					found, err := tok.FindKey(label)
					if err != nil {
						t.Fatalf("find: %v", err)
					}
					if !publicEqual(found.Public(), s.Public()) {
						t.Fatal("found key has another public key")
					}
					k := found.(*hsm.Key)
					if k.Label() != label || len(k.ID()) == 0 || k.Kind() != string(kind) {
						t.Fatalf("found key: label %q id %x kind %q", k.Label(), k.ID(), k.Kind())
					}
					byID, err := tok.FindKey("id:" + hexs(k.ID()))
					if err != nil || !publicEqual(byID.Public(), s.Public()) {
						t.Fatalf("find by id: %v", err)
					}
					byURI, err := tok.FindKey("pkcs11:object=" + label + ";id=" + pctHex(k.ID()))
					if err != nil || !publicEqual(byURI.Public(), s.Public()) {
						t.Fatalf("find by uri: %v", err)
					}
					if _, err := tok.FindKey("pkcs11:object=" + label + ";id=%00"); !errors.Is(err, hsm.ErrKeyNotFound) {
						t.Fatalf("uri with the label and another id: %v", err)
					}
					checkSigns(t, found, kind)
				})
			}
		})
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func pctHex(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		sb.WriteString("%" + hexs(b[i:i+1]))
	}
	return sb.String()
}

func publicEqual(a, b crypto.PublicKey) bool {
	return a.(interface{ Equal(crypto.PublicKey) bool }).Equal(b)
}

// checkSigns has the key sign and checks each signature with the standard
// library alone.
func checkSigns(t *testing.T, s crypto.Signer, kind hsm.Kind) {
	t.Helper()
	msg := []byte("the quarter's key signing request")
	d256 := sha256.Sum256(msg)
	d384 := sha512.Sum384(msg)
	switch pub := s.Public().(type) {
	case *ecdsa.PublicKey:
		for _, c := range []struct {
			h crypto.Hash
			d []byte
		}{{crypto.SHA256, d256[:]}, {crypto.SHA384, d384[:]}} {
			sig, err := s.Sign(rand.Reader, c.d, c.h)
			if err != nil {
				t.Fatalf("sign %v: %v", c.h, err)
			}
			if !ecdsa.VerifyASN1(pub, c.d, sig) {
				t.Fatalf("%s %v signature does not verify", kind, c.h)
			}
		}
	case *rsa.PublicKey:
		if pub.N.BitLen() != map[hsm.Kind]int{hsm.RSA2048: 2048, hsm.RSA3072: 3072, hsm.RSA4096: 4096}[kind] {
			t.Fatalf("%s has %d bits", kind, pub.N.BitLen())
		}
		sig, err := s.Sign(rand.Reader, d256[:], crypto.SHA256)
		if err != nil {
			t.Fatalf("sign pkcs1: %v", err)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d256[:], sig); err != nil {
			t.Fatalf("pkcs1 v1.5: %v", err)
		}
		sig, err = s.Sign(rand.Reader, d384[:], crypto.SHA384)
		if err != nil || rsa.VerifyPKCS1v15(pub, crypto.SHA384, d384[:], sig) != nil {
			t.Fatalf("pkcs1 v1.5 sha384: %v", err)
		}
		for _, salt := range []int{rsa.PSSSaltLengthAuto, rsa.PSSSaltLengthEqualsHash} {
			sig, err = s.Sign(rand.Reader, d256[:], &rsa.PSSOptions{SaltLength: salt, Hash: crypto.SHA256})
			if err != nil {
				t.Fatalf("sign pss: %v", err)
			}
			if err := rsa.VerifyPSS(pub, crypto.SHA256, d256[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
				t.Fatalf("pss salt %d: %v", salt, err)
			}
		}
	case ed25519.PublicKey:
		sig, err := s.Sign(rand.Reader, msg, crypto.Hash(0))
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatal("ed25519 signature does not verify")
		}
		if _, err := s.Sign(rand.Reader, d256[:], crypto.SHA256); err == nil {
			t.Fatal("ed25519 key signed a prehashed digest")
		}
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
}

func TestDuplicateLabelRefused(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			first, err := tok.GenerateKey("root-2026", "ecdsa-p256")
			if err != nil {
				t.Fatal(err)
			}
			_, err = tok.GenerateKey("root-2026", "ed25519")
			if !errors.Is(err, hsm.ErrKeyExists) {
				t.Fatalf("second key with the same label: got %v, want ErrKeyExists", err)
			}
			k, err := tok.FindKey("root-2026")
			if err != nil || !publicEqual(k.Public(), first.Public()) {
				t.Fatalf("the first key is not the one found: %v", err)
			}
			if _, err := tok.FindKey("root-2027"); !errors.Is(err, hsm.ErrKeyNotFound) {
				t.Fatalf("missing key: got %v, want ErrKeyNotFound", err)
			}
		})
	}
}

func TestKeysNeedLogin(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok, _, _ := b.open(t)
			if _, err := tok.GenerateKey("k", "ecdsa-p256"); err == nil {
				t.Fatal("generated a key without login")
			}
			if _, err := tok.GenerateKey("k", "dsa-1024"); !errors.Is(err, hsm.ErrUnsupportedKind) {
				t.Fatalf("unknown kind: %v", err)
			}
		})
	}
}

// TestWrongPINCounted walks a token towards lockout: each wrong secret is
// reported and counted, and a token at its final try is not logged into
// unless the caller overrides.
func TestWrongPINCounted(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok, user, _ := b.open(t)
			wrong := secret(t)
			err := tok.Login(wrong, false)
			var le *hsm.LoginError
			if !errors.As(err, &le) || !errors.Is(err, hsm.ErrPINIncorrect) {
				t.Fatalf("wrong secret: got %v, want a LoginError for an incorrect pin", err)
			}
			if le.State == hsm.PINOK || tok.Describe()["user_pin"] == "ok" {
				t.Fatalf("failed attempt not counted: state %v, describe %v", le.State, tok.Describe())
			}
			if !strings.Contains(tok.Describe()["flags"], "user_pin_count_low") {
				t.Fatalf("flags after a failure: %q", tok.Describe()["flags"])
			}
			if err := tok.Login(user, false); err != nil {
				t.Fatalf("right secret after one failure: %v", err)
			}
			if got := tok.Describe()["user_pin"]; got != "ok" {
				t.Fatalf("successful login did not reset the counter: %s", got)
			}
		})
	}
}

func TestFinalTryNotLoggedInto(t *testing.T) {
	tok, user, _ := softBackend().open(t)
	for range 2 {
		if err := tok.Login(secret(t), false); !errors.Is(err, hsm.ErrPINIncorrect) {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	before := tok.Describe()["user_pin_tries_left"]
	err := tok.Login(user, false)
	var override interface{ NeedsOverride() bool }
	if !errors.As(err, &override) || !override.NeedsOverride() {
		t.Fatalf("final try without override: got %v, want an error needing an override", err)
	}
	if after := tok.Describe()["user_pin_tries_left"]; after != before {
		t.Fatalf("an attempt was made at the final try: tries left %s -> %s", before, after)
	}
	if err := tok.Login(user, true); err != nil {
		t.Fatalf("final try with override: %v", err)
	}
	if err := tok.Login(secret(t), false); err == nil {
		t.Fatal("wrong secret accepted")
	}
}

func TestSoftLockoutAndReset(t *testing.T) {
	tok, _, so := softBackend().open(t)
	st := tok.(*hsm.SoftToken)
	for range 2 {
		tok.Login(secret(t), false)
	}
	err := tok.Login(secret(t), true)
	var le *hsm.LoginError
	var override interface{ NeedsOverride() bool }
	if !errors.As(err, &le) || le.State != hsm.PINLocked || errors.As(err, &override) {
		t.Fatalf("third wrong secret: got %v, want a locked LoginError that does not invite a retry", err)
	}
	newUser := secret(t)
	if err := st.InitPIN(so, newUser, false); err != nil {
		t.Fatalf("SO reset of a locked user pin: %v", err)
	}
	if err := tok.Login(newUser, false); err != nil {
		t.Fatalf("login with the reset secret: %v", err)
	}
	changed := secret(t)
	if err := st.ChangePIN(newUser, changed, false); err != nil {
		t.Fatal(err)
	}
	if err := tok.Login(newUser, false); !errors.Is(err, hsm.ErrPINIncorrect) {
		t.Fatalf("old secret after change: %v", err)
	}
	if err := tok.Login(changed, false); err != nil {
		t.Fatalf("new secret after change: %v", err)
	}
}

// TestSoftKeysPersist is the rehearsal path: one run initialises the token
// and generates a key, a later run opens the same directory and signs.
func TestSoftKeysPersist(t *testing.T) {
	dir := t.TempDir()
	so, user := secret(t), secret(t)
	tok, err := hsm.OpenSoft(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.InitToken(so, user, "ksk"); err != nil {
		t.Fatal(err)
	}
	if err := tok.InitToken(so, user, "ksk"); !errors.Is(err, hsm.ErrInitialized) {
		t.Fatalf("second init: %v", err)
	}
	if err := tok.Login(user, false); err != nil {
		t.Fatal(err)
	}
	k, err := tok.GenerateKey("ksk-2026", "rsa-2048")
	if err != nil {
		t.Fatal(err)
	}
	tok.Close()

	again, err := hsm.OpenSoft(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if d := again.Describe(); d["rehearsal"] != "true" || d["label"] != "ksk" || !strings.Contains(d["note"], "rehearsal") {
		t.Fatalf("describe does not say rehearsal: %v", d)
	}
	if keys, err := again.Keys(); err != nil || len(keys) != 1 || keys[0].Label != "ksk-2026" || keys[0].KeyType != "rsa-2048" {
		t.Fatalf("keys listed without login: %+v, %v", keys, err)
	}
	if _, err := again.FindKey("ksk-2026"); !errors.Is(err, hsm.ErrNotLoggedIn) {
		t.Fatalf("find before login: %v", err)
	}
	if err := again.Login(user, false); err != nil {
		t.Fatal(err)
	}
	k2, err := again.FindKey("ksk-2026")
	if err != nil {
		t.Fatal(err)
	}
	if !publicEqual(k.Public(), k2.Public()) {
		t.Fatal("reopened token has another key")
	}
	checkSigns(t, k2, hsm.RSA2048)
}

func TestCloseDiscipline(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			k, err := tok.GenerateKey("k", "ecdsa-p256")
			if err != nil {
				t.Fatal(err)
			}
			if err := tok.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			d := sha256.Sum256(nil)
			for name, err := range map[string]error{
				"close":  tok.Close(),
				"login":  tok.Login(nil, false),
				"random": second(tok.Random(8)),
				"find":   second(tok.FindKey("k")),
				"gen":    second(tok.GenerateKey("k2", "ecdsa-p256")),
				"sign":   second(k.Sign(rand.Reader, d[:], crypto.SHA256)),
			} {
				if !errors.Is(err, hsm.ErrClosed) {
					t.Errorf("%s after close: got %v, want ErrClosed", name, err)
				}
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

// TestConcurrentUse shares one token between goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			k, err := tok.GenerateKey("shared", "ecdsa-p256")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range 4 {
						d := sha256.Sum256([]byte{byte(i), byte(j)})
						if _, err := k.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
							errs <- err
						}
						if _, err := tok.Random(16); err != nil {
							errs <- err
						}
						if _, err := tok.FindKey("shared"); err != nil {
							errs <- err
						}
						tok.Describe()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func TestRandom(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			a, err := tok.Random(32)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := tok.Random(32)
			if len(a) != 32 || string(a) == string(c) {
				t.Fatalf("random: %x %x", a, c)
			}
		})
	}
}

// One process at a time holds the embedded token open, so that two
// rehearsals never both initialise it and wrong PINs are counted in turn.
func TestSoftTokenIsHeldByOne(t *testing.T) {
	dir := t.TempDir()
	first, err := hsm.OpenSoft(dir)
	if err != nil {
		t.Fatal(err)
	}
	var le *durable.LockedError
	if _, err := hsm.OpenSoft(dir); !errors.As(err, &le) {
		t.Fatalf("second open: %v, want a LockedError", err)
	}
	first.Close()
	again, err := hsm.OpenSoft(dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}
