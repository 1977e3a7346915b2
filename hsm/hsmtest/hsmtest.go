// Package hsmtest gives tests a real PKCS #11 token: a SoftHSM2 token in a
// temporary directory, chosen by label. Tests of any package that rehearse
// on SoftHSM2 use it, so the "find SoftHSM2 or skip" policy lives in one
// place: without SoftHSM2 a test skips and says how to install it, unless
// CEREMONY_REQUIRE_SOFTHSM=1 (as in CI), where it fails.
package hsmtest

import (
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
)

// modulePaths are where distributions install the SoftHSM2 module.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

// Find returns the path of the SoftHSM2 module when it and softhsm2-util
// are installed; SOFTHSM2_MODULE overrides the search. Otherwise the error
// says how to install them. Harnesses that are not a testing.TB, such as a
// testscript condition, use it with Required; tests use Module.
func Find() (string, error) {
	paths := modulePaths
	if p := os.Getenv("SOFTHSM2_MODULE"); p != "" {
		paths = []string{p}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			if _, err := exec.LookPath("softhsm2-util"); err == nil {
				return p, nil
			}
		}
	}
	msg := "SoftHSM2 not found: apt-get install softhsm2 (or set SOFTHSM2_MODULE) to run the PKCS #11 tests"
	if Required() {
		msg += "; CEREMONY_REQUIRE_SOFTHSM=1 makes this a failure"
	}
	return "", errors.New(msg)
}

// Required reports whether a missing SoftHSM2 fails the tests that need it
// instead of skipping them: CEREMONY_REQUIRE_SOFTHSM=1, as in CI.
func Required() bool { return os.Getenv("CEREMONY_REQUIRE_SOFTHSM") == "1" }

// Module returns the path of the SoftHSM2 module, or skips (fails when
// Required) when it or softhsm2-util is missing.
func Module(t testing.TB) string {
	t.Helper()
	p, err := Find()
	if err == nil {
		return p
	}
	if Required() {
		t.Fatal(err)
	}
	t.Skip(err)
	return ""
}

// Token is an initialised SoftHSM2 token.
type Token struct {
	Module     string // module path
	Conf       string // SOFTHSM2_CONF file
	Dir        string // token directory
	Label      string
	SOSecret   []byte
	UserSecret []byte
}

// URI names the token with its module.
func (tok *Token) URI() string {
	return (&hsm.URI{Token: tok.Label, ModulePath: tok.Module}).String()
}

// Env is the environment entry a child process needs to see the token.
func (tok *Token) Env() string { return "SOFTHSM2_CONF=" + tok.Conf }

// New creates a SoftHSM2 configuration in a temporary directory, points
// SOFTHSM2_CONF at it for the rest of the test (so the test must not be
// parallel), and initialises a token with the label and random 32-byte SO
// and user secrets through hsm.EncodePIN, using softhsm2-util rather than
// this module's own code.
func New(t testing.TB, label string) *Token {
	t.Helper()
	tok := Empty(t)
	tok.Label = label
	tok.SOSecret, tok.UserSecret = Secret(), Secret()
	so, err := hsm.EncodePIN(tok.SOSecret, 4, 255)
	if err != nil {
		t.Fatal(err)
	}
	user, err := hsm.EncodePIN(tok.UserSecret, 4, 255)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", string(so), "--pin", string(user)).CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return tok
}

// Empty is New without a token: SoftHSM2 shows one uninitialised slot,
// ready for hsm.Module.InitToken.
func Empty(t testing.TB) *Token {
	t.Helper()
	mod := Module(t)
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	return &Token{Module: mod, Conf: conf, Dir: tokens}
}

// Secret returns 32 random bytes, the size of a ceremony's activation
// secret.
func Secret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}
