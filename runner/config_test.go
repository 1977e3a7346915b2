package runner_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/shares"
)

const goodConfig = `
id = "ksk-2026-q4"

[token]
uri = "pkcs11:token=ksk"
module = "/usr/lib/softhsm/libsofthsm2.so"

[inputs]
ksr = "ksr.xml"

[[participant]]
id = "alice"
name = "Alice Abbott"
roles = ["CA"]

[[participant]]
id = "bruno"
name = "Bruno Bauer"
roles = ["IW"]
public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK"
`

func TestParseConfig(t *testing.T) {
	c, err := runner.ParseConfig([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "ksk-2026-q4" || len(c.Roster()) != 2 || c.InputPath("ksr", "/cfg") != "/cfg/ksr.xml" {
		t.Fatalf("parsed %+v", c)
	}
	for _, tc := range []struct {
		name, edit, want string
		credential       bool
	}{
		{"a pin", `module = "/usr/lib/softhsm/libsofthsm2.so"` + "\npin = \"1234\"", "pin", true},
		{"a user pin", `module = "/usr/lib/softhsm/libsofthsm2.so"` + "\nuser_pin = \"1234\"", "user_pin", true},
		{"a share in a participant", `roles = ["CA"]` + "\nshare = \"acme\"", "share", true},
		{"a secret table", "\n[secrets]\nx = 1\n", "secrets", true},
		{"a passphrase", `id = "ksk-2026-q4"` + "\nPassphrase = \"x\"", "Passphrase", true},
		{"an unknown key", `id = "ksk-2026-q4"` + "\ncolour = \"red\"", "unknown key \"colour\"", false},
		{"a bad id", `id = "ksk-2026-q4"`, "", false},
		{"a uri without module", `module = "/usr/lib/softhsm/libsofthsm2.so"`, "needs both uri and module", false},
		{"both tokens", `module = "/usr/lib/softhsm/libsofthsm2.so"` + "\nembedded = \"dir\"", "not both", false},
		{"a participant twice", `id = "bruno"`, "listed twice", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(goodConfig, firstLine(tc.edit), tc.edit, 1)
			switch tc.name {
			case "a bad id":
				src = strings.Replace(goodConfig, tc.edit, `id = "no spaces allowed"`, 1)
			case "a uri without module":
				src = strings.Replace(goodConfig, tc.edit, "", 1)
			case "a participant twice":
				src = strings.Replace(goodConfig, `id = "alice"`, tc.edit, 1)
			}
			_, err := runner.ParseConfig([]byte(src))
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *runner.CredentialError
			if errors.As(err, &ce) != tc.credential {
				t.Fatalf("credential error = %t: %v", !tc.credential, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("error %q repeats the secret", err)
			}
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("id = \"x\"\n[token]\nembedded = \"t\"\n"))
	f.Add([]byte("[[participant]]\npin = 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := runner.ParseConfig(b)
		if err != nil {
			return
		}
		// Whatever is accepted has no credential-looking key and survives
		// being written back.
		out, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runner.ParseConfig(out); err != nil {
			t.Fatalf("re-parsing %q: %v", out, err)
		}
	})
}

// TestShareEnvelopes: the envelopes of a set are every *.envelope file of
// its directory, relative to the configuration; a directory without any, a
// set that [sets] does not give and a malformed envelope are refused.
func TestShareEnvelopes(t *testing.T) {
	dir := t.TempDir()
	_, rec, set, err := shares.Split("user", 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdh.P256().GenerateKey(rand.Reader)
	os.MkdirAll(filepath.Join(dir, "old", "artifacts"), 0o755)
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	for i, sh := range set {
		e, err := shares.Seal(sh, rec, fmt.Sprint("h", i), "1", k.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "old", "artifacts", fmt.Sprint(i, ".envelope")), e.Marshal(), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "old", "artifacts", "notes.txt"), []byte("not an envelope"), 0o644)
	for _, tc := range []struct {
		name string
		cfg  runner.Config
		want string
	}{
		{"read", runner.Config{Sets: map[string]string{"u": "r.json"}, Envelopes: map[string]string{"u": "old/artifacts"}}, ""},
		{"none", runner.Config{Sets: map[string]string{"u": "r.json"}, Envelopes: map[string]string{"u": "empty"}}, "share set u: no envelopes in"},
		{"no set", runner.Config{Envelopes: map[string]string{"u": "old/artifacts"}}, "envelopes of share set u, which [sets] does not give"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.ShareEnvelopes(dir)
			if tc.want == "" {
				if err != nil || len(got["u"]) != 2 {
					t.Fatalf("%v, %d envelopes", err, len(got["u"]))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	os.WriteFile(filepath.Join(dir, "old", "artifacts", "2.envelope"), []byte("ceremony-envelope1\n"), 0o644)
	cfg := runner.Config{Sets: map[string]string{"u": "r.json"}, Envelopes: map[string]string{"u": "old/artifacts"}}
	if _, err := cfg.ShareEnvelopes(dir); err == nil || !strings.Contains(err.Error(), "2.envelope: envelope:") {
		t.Fatalf("a malformed envelope: %v", err)
	}
}
