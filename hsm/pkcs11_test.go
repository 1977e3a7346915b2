package hsm_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/miekg/pkcs11"
)

type attributer interface {
	Attributes(*hsm.Key) (hsm.KeyAttributes, error)
}

func TestKeyAttributesReadBack(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			tok := loggedIn(t, b)
			for _, kind := range []hsm.Kind{hsm.ECDSAP256, hsm.Ed25519, hsm.RSA2048} {
				s, err := tok.GenerateKey("attr-"+string(kind), string(kind))
				if err != nil {
					t.Fatal(err)
				}
				a, err := tok.(attributer).Attributes(s.(*hsm.Key))
				if err != nil {
					t.Fatal(err)
				}
				want := hsm.KeyAttributes{Token: true, Private: true, Sensitive: true, AlwaysSensitive: true, NeverExtractable: true}
				if a != want {
					t.Errorf("%s: attributes %+v, want %+v", kind, a, want)
				}
			}
		})
	}
}

func TestFindKeyAmbiguous(t *testing.T) {
	t.Run("softhsm2", func(t *testing.T) {
		tok := hsmtest.New(t, "dup")
		s, err := hsm.OpenURI(tok.URI(), "")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Login(tok.UserSecret, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GenerateKey("twice", "ecdsa-p256"); err != nil {
			t.Fatal(err)
		}
		if err := hsm.GenerateDuplicate(s, "twice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindKey("twice"); !errors.Is(err, hsm.ErrAmbiguousKey) {
			t.Fatalf("two keys with one label: got %v, want ErrAmbiguousKey", err)
		}
	})
	t.Run("soft", func(t *testing.T) {
		dir := t.TempDir()
		tok, _ := hsm.OpenSoft(dir)
		defer tok.Close()
		user := hsmtest.Secret()
		if err := tok.InitToken(hsmtest.Secret(), user, "dup"); err != nil {
			t.Fatal(err)
		}
		tok.Login(user, false)
		k, err := tok.GenerateKey("twice", "ed25519")
		if err != nil {
			t.Fatal(err)
		}
		// A key file copied by hand, as an operator restoring a backup might.
		src := filepath.Join(dir, "keys", hexs(k.(*hsm.Key).ID())+".json")
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "keys", "copy.json"), b, 0o600)
		if _, err := tok.FindKey("twice"); !errors.Is(err, hsm.ErrAmbiguousKey) {
			t.Fatalf("two keys with one label: got %v, want ErrAmbiguousKey", err)
		}
	})
}

// TestFinalTryOnModule checks the gate on a real module: with the token
// reporting final try (SoftHSM2 never does on its own, so a probe adds the
// flag), no C_Login reaches the module unless overridden.
func TestFinalTryOnModule(t *testing.T) {
	for _, c := range []struct {
		flag  uint
		state hsm.PINState
	}{{pkcs11.CKF_USER_PIN_FINAL_TRY, hsm.PINFinalTry}, {pkcs11.CKF_USER_PIN_LOCKED, hsm.PINLocked}} {
		t.Run(c.state.String(), func(t *testing.T) {
			tok := hsmtest.New(t, "final")
			probe := hsm.InstallProbe(t)
			s, err := hsm.OpenURI(tok.URI(), "")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			probe.ExtraFlags = c.flag
			err = s.Login(tok.UserSecret, false)
			var pe *hsm.PINStateError
			if !errors.As(err, &pe) || pe.State != c.state || !pe.NeedsOverride() {
				t.Fatalf("login at %s: got %v, want a PINStateError needing an override", c.state, err)
			}
			if n := probe.Logins.Load(); n != 0 {
				t.Fatalf("%d C_Login calls reached the module at %s", n, c.state)
			}
			if d := s.Describe(); d["user_pin"] != c.state.String() {
				t.Fatalf("describe user_pin = %q", d["user_pin"])
			}
			if err := s.Login(tok.UserSecret, true); err != nil {
				t.Fatalf("login with override: %v", err)
			}
			if n := probe.Logins.Load(); n != 1 {
				t.Fatalf("%d C_Login calls with override, want 1", n)
			}
		})
	}
}

// TestModuleClosedOnEveryPath: sessions are closed and the module
// finalised after use, after a failed open, and after a failed login.
func TestModuleClosedOnEveryPath(t *testing.T) {
	tok := hsmtest.New(t, "close")
	for _, c := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"used", func(t *testing.T) {
			s, err := hsm.OpenURI(tok.URI(), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Login(tok.UserSecret, false); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GenerateKey("k-"+t.Name()[len(t.Name())-4:], "ecdsa-p256"); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"wrong-pin", func(t *testing.T) {
			s, err := hsm.OpenURI(tok.URI(), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Login(hsmtest.Secret(), false); err == nil {
				t.Fatal("wrong secret accepted")
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"no-such-token", func(t *testing.T) {
			_, err := hsm.OpenURI("pkcs11:token=absent", tok.Module)
			if !errors.Is(err, hsm.ErrTokenNotFound) {
				t.Fatalf("got %v, want ErrTokenNotFound", err)
			}
		}},
		{"two-sessions", func(t *testing.T) {
			a, err := hsm.OpenURI(tok.URI(), "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := hsm.OpenURI(tok.URI(), "")
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
			if hsm.LoadedModules() != 1 {
				t.Fatal("module finalised while a session was open")
			}
			if _, err := b.Random(4); err != nil {
				t.Fatalf("second session after first closed: %v", err)
			}
			b.Close()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			probe := hsm.InstallProbe(t)
			c.run(t)
			if o, cl := probe.Opens.Load(), probe.Closes.Load(); o != cl {
				t.Errorf("%d sessions opened, %d closed", o, cl)
			}
			if probe.Finalizes.Load() != 1 || probe.Destroyed.Load() != 1 {
				t.Errorf("C_Finalize called %d times, module unloaded %d times; want 1 each", probe.Finalizes.Load(), probe.Destroyed.Load())
			}
			if n := hsm.LoadedModules(); n != 0 {
				t.Errorf("%d modules still loaded", n)
			}
		})
	}
}

// TestInitTokenOnSoftHSM is the HSM-initialisation ceremony on SoftHSM2:
// initialise, log in with the split secret, rotate the user PIN, reset it
// with the SO secret.
func TestInitTokenOnSoftHSM(t *testing.T) {
	env := hsmtest.Empty(t)
	m, err := hsm.OpenModule(env.Module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	so, user := hsmtest.Secret(), hsmtest.Secret()
	if err := m.InitToken(so, user, "ksk"); err != nil {
		t.Fatalf("init: %v", err)
	}
	if err := m.InitToken(so, user, "ksk"); !errors.Is(err, hsm.ErrInitialized) {
		t.Fatalf("second init with the same label: got %v, want ErrInitialized", err)
	}
	s, err := m.Open(&hsm.URI{Token: "ksk"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(user, false); err != nil {
		t.Fatalf("login with the initial secret: %v", err)
	}
	rotated := hsmtest.Secret()
	if err := s.ChangePIN(user, rotated, false); err != nil {
		t.Fatalf("change pin: %v", err)
	}
	s.Logout()
	if err := s.Login(user, false); !errors.Is(err, hsm.ErrPINIncorrect) {
		t.Fatalf("old secret after rotation: %v", err)
	}
	if err := s.Login(rotated, false); err != nil {
		t.Fatalf("rotated secret: %v", err)
	}
	s.Logout()
	reset := hsmtest.Secret()
	if err := s.InitPIN(so, reset, false); err != nil {
		t.Fatalf("so reset: %v", err)
	}
	if err := s.Login(reset, false); err != nil {
		t.Fatalf("reset secret: %v", err)
	}
	if d := s.Describe(); d["label"] != "ksk" || d["manufacturer"] != "SoftHSM project" || d["pin_max"] != "255" {
		t.Fatalf("describe: %v", d)
	}
}

// TestProtectedAuthenticationPath: on a token with a PIN pad a nil secret
// hands PIN entry to the device (C_Login without a PIN); elsewhere a nil
// secret is refused before the token is asked.
func TestProtectedAuthenticationPath(t *testing.T) {
	tok := hsmtest.New(t, "pinpad")
	probe := hsm.InstallProbe(t)
	s, err := hsm.OpenURI(tok.URI(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(nil, false); !errors.Is(err, hsm.ErrSecretTooShort) || probe.Logins.Load() != 0 {
		t.Fatalf("nil secret without a pin pad: %v after %d logins", err, probe.Logins.Load())
	}
	probe.ExtraFlags = pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH
	if pad, err := s.HasPINPad(); err != nil || !pad {
		t.Fatalf("HasPINPad = %v, %v", pad, err)
	}
	// SoftHSM2 has no pin pad, so it refuses; what matters is that the
	// module was asked without a PIN.
	s.Login(nil, false)
	if probe.EmptyPINLogins.Load() != 1 {
		t.Fatalf("%d logins without a pin, want 1", probe.EmptyPINLogins.Load())
	}
	if err := s.Login(tok.UserSecret, false); err != nil {
		t.Fatalf("a secret still works on a pin-pad token: %v", err)
	}
}
