package steps

import (
	"strings"
	"testing"
)

const aliceKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDYMpOB56gguJJnMdgkFU4M2ImaP+KI/AGmog2rlQR/8"
const brunoKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINclghZFxFktbxS0RHvMXJW7ssVnRtJcGv1qlGhvyvZ0"

func TestParseKeyList(t *testing.T) {
	got, err := parseKeyList([]byte("# users\n\nprincipals=\"alice,deploy\" "+aliceKey+" alice\n"+brunoKey+" bruno\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].KeyID != "alice" || strings.Join(got[0].Principals, ",") != "alice,deploy" || got[1].Line != 4 || got[1].Principals != nil {
		t.Fatalf("%+v", got)
	}
	for _, c := range []struct{ name, in, want string }{
		{"empty", "# nothing\n", "no keys"},
		{"no key id", aliceKey + "\n", "line 1: the key's comment is its certificate's key id"},
		{"other option", "no-pty " + aliceKey + " a\n", `option "no-pty"`},
		{"key twice", aliceKey + " a\n" + aliceKey + " b\n", "line 2: the key of line 1 again"},
		{"key id twice", aliceKey + " a\n" + brunoKey + " a\n", `line 2: key id "a" is line 1's too`},
		{"not a key", "ssh-ed25519 AAAA a\n", "line 1:"},
		{"empty principal", `principals="a,," ` + aliceKey + " a\n", `line 1: principal ""`},
		{"certificate", "ssh-ed25519-cert-v01@openssh.com AAAA a\n", "line 1:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseKeyList([]byte(c.in), true); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func FuzzParseKeyList(f *testing.F) {
	f.Add([]byte("principals=\"alice,deploy\" " + aliceKey + " alice\n" + brunoKey + " bruno\n"))
	f.Add([]byte("principals=\"\" " + aliceKey + " a\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		keys, err := parseKeyList(in, true)
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, k := range keys {
			if k.Key == nil || k.KeyID == "" || ids[k.KeyID] {
				t.Fatalf("accepted %+v", k)
			}
			ids[k.KeyID] = true
			for _, p := range k.Principals {
				if p == "" {
					t.Fatalf("empty principal accepted: %+v", k)
				}
			}
		}
	})
}
