package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/sshsig"
	"github.com/ceremony-dev/ceremony/witness"
	"golang.org/x/crypto/ssh"
)

// TestSSHCosignature: a witness on the roster with an SSH key cosigns a
// finished bundle with ssh-keygen -Y sign over what cosign --print shows,
// and verify counts it; a signature by a key that is not theirs, over
// another bundle's checkpoint or in another namespace is refused, and one
// written into the checkpoint file by hand is not counted.
func TestSSHCosignature(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearses the demo twice")
	}
	tools := needSSH(t)
	dir := t.TempDir()
	brunoKey := tools.newKey(t, filepath.Join(dir, "bruno"))
	tools.newKey(t, filepath.Join(dir, "mallory"))
	roster := strings.Replace(demoRoster, "roles = ['IW']", "roles = ['IW']\npublic_key = '"+brunoKey+" bruno@laptop'", 1)
	bundles := map[string]string{}
	for _, name := range []string{"one", "two"} {
		cfg := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(cfg, []byte("id = '"+name+"'\n[token]\nembedded = 'token-"+name+"'\n[inputs]\nrequest = 'request'\n"+roster), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "request"), []byte("a request\n"), 0o644)
		bundles[name] = filepath.Join(dir, name)
		var out, errb bytes.Buffer
		if code := run([]string{"rehearse", filepath.Join("..", "..", "ceremonies", "demo.lua"), "--config", cfg, "--auto", "--out", bundles[name]},
			stdio{strings.NewReader(""), &out, &errb}); code != 0 {
			t.Fatalf("rehearse %s: %d\n%s", name, code, errb.String())
		}
	}
	cosign := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"cosign"}, args...), stdio{strings.NewReader(""), &out, &errb})
		return code, out.String() + errb.String()
	}
	sign := func(key, namespace, bundle string) string {
		t.Helper()
		code, text := cosign(bundle, "--print")
		if code != 0 {
			t.Fatalf("cosign --print: %s", text)
		}
		path := filepath.Join(t.TempDir(), "checkpoint.txt")
		os.WriteFile(path, []byte(text), 0o644)
		if out, err := exec.Command(tools.Keygen, "-Y", "sign", "-q", "-f", filepath.Join(dir, key), "-n", namespace, path).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
		}
		return path + ".sig"
	}
	one := bundles["one"]
	for _, c := range []struct{ name, sig, want string }{
		{"another key", sign("mallory", witness.CosignNamespace, one), "the signature is by key SHA256:"},
		{"another checkpoint", sign("bruno", witness.CosignNamespace, bundles["two"]), "not over this bundle's final checkpoint"},
		{"another namespace", sign("bruno", "file", one), `namespace "file"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code, out := cosign(one, "--ssh-signature", c.sig, "--as", "bruno"); code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, want refusal %q:\n%s", code, c.want, out)
			}
		})
	}
	if code, out := verifyOut(t, one); code == 0 || !strings.Contains(out, "bruno did not cosign") {
		t.Fatalf("after refused cosignatures the bundle's own roster should miss bruno:\n%s", out)
	}
	good := sign("bruno", witness.CosignNamespace, one)
	if code, out := cosign(one, "--ssh-signature", good, "--as", "bruno"); code != 0 || !strings.Contains(out, "cosigned "+one+" as bruno") {
		t.Fatalf("cosign: %d\n%s", code, out)
	}
	if code, out := verifyOut(t, one); code != 0 || !strings.Contains(out, "cosigned by bruno") {
		t.Fatalf("verify after the SSH cosignature:\n%s", out)
	}
	// The auditor's own roster, in the roster file's form, agrees.
	rosterFile := filepath.Join(dir, "witnesses")
	os.WriteFile(rosterFile, []byte("bruno "+brunoKey+" bruno@laptop\n"), 0o644)
	if code, out := verifyOut(t, "--witnesses", rosterFile, one); code != 0 || !strings.Contains(out, "bruno") {
		t.Fatalf("verify --witnesses:\n%s", out)
	}

	// A line written by hand, mallory's signature under bruno's name and
	// key hash, is not a cosignature.
	two := bundles["two"]
	forged, err := os.ReadFile(sign("mallory", witness.CosignNamespace, two))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := sshsig.Parse(forged)
	if err != nil {
		t.Fatal(err)
	}
	brunoPub, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(brunoKey))
	h := sha256.Sum256(append([]byte("ssh/bruno\nssh\n"), brunoPub.Marshal()...))
	line := "— ssh/bruno " + base64.StdEncoding.EncodeToString(append(h[:4], parsed.Blob()...)) + "\n"
	cp := filepath.Join(two, "checkpoint")
	before, _ := os.ReadFile(cp)
	os.WriteFile(cp, append(before, line...), 0o644)
	if code, out := verifyOut(t, two); code == 0 && strings.Contains(out, "cosigned by bruno") {
		t.Fatalf("a forged cosignature line was counted:\n%s", out)
	}
}

const demoRoster = `
[[participant]]
id = 'alice'
name = 'Alice Abbott'
roles = ['CA']
[[participant]]
id = 'bruno'
name = 'Bruno Bauer'
roles = ['IW']
[[participant]]
id = 'chloe'
name = 'Chloe Chen'
roles = ['CO']
[[participant]]
id = 'dmitri'
name = 'Dmitri Dahl'
roles = ['CO']
[[participant]]
id = 'erin'
name = 'Erin Evans'
roles = ['CO']
[[participant]]
id = 'farah'
name = 'Farah Fox'
roles = ['RP']
`
