package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
)

// TestRehearseOnSoftHSM rehearses the shipped ceremonies on a real PKCS #11
// module: each initialises an empty SoftHSM2 token, activates it with
// shares, generates a key on it and signs with it; the bundle must verify
// and show SoftHSM2 doing what the ceremony is for.
func TestRehearseOnSoftHSM(t *testing.T) {
	request := []byte("a request signed on SoftHSM2\n")
	notNeeded := false
	for _, c := range []struct {
		script string
		inputs map[string]string
		check  func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool
	}{
		{"demo.lua", map[string]string{"request": "request.txt"}, func(t *testing.T, _ string, e transcript.Event, d map[string]any) bool {
			// On a real token the software token's exception is not
			// recorded, and the record says why.
			if e.Type == "exception" {
				t.Errorf("an exception is recorded on SoftHSM2: %s", e.Data)
			}
			if e.Type == "exception.not_needed" {
				notNeeded = true
				if !strings.Contains(fmt.Sprint(d["token"]), "SoftHSM") {
					t.Errorf("exception.not_needed names %v", d["token"])
				}
			}
			sum := sha256.Sum256(request)
			return e.Type == "hsm.signed" && d["message_sha256"] == hex.EncodeToString(sum[:])
		}},
		{"root-ca.lua", nil, func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool {
			return e.Type == "x509.issued" && d["name"] == "users" && d["key_from"] == "token:users-ca"
		}},
		{"ksr-sign.lua", nil, func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool {
			return e.Type == "dnssec.signed" && d["bundles"] == float64(9)
		}},
		{"ksk-keygen.lua", nil, func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool {
			return e.Type == "dnssec.ksk" && d["tag"] != nil
		}},
		{"yubikey-provision.lua", nil, func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool {
			if e.Type != "piv.provisioned" {
				return false
			}
			art := func(n string) string { return filepath.Join(bundle, "artifacts", n) }
			openssl := tooltest.Need(t, "openssl", "openssl")
			out, err := exec.Command(openssl, "verify", "-x509_strict", "-CAfile", art("root.crt"), "-untrusted", art("users.crt"),
				"-purpose", "sslclient", art(fmt.Sprint(d["certificate"]))).CombinedOutput()
			return err == nil && strings.Contains(string(out), ": OK") && d["puk"] == "blocked"
		}},
		{"ssh-ca.lua", nil, func(t *testing.T, bundle string, e transcript.Event, d map[string]any) bool {
			if e.Type != "ssh.certified" || d["type"] != "user" {
				return false
			}
			certs, err := os.ReadFile(filepath.Join(bundle, "artifacts", fmt.Sprint(d["out"])))
			return err == nil && strings.Count(string(certs), "ssh-ed25519-cert-v01@openssh.com ") == 2
		}},
	} {
		t.Run(c.script, func(t *testing.T) {
			tok := hsmtest.Empty(t)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "request.txt"), request, 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "..", "ceremonies", c.script)
			script, err := scripts.Load(context.Background(), path, scripts.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := runner.RehearsalConfig(script.Plan(), "softhsm-rehearsal", "")
			script.Close()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Token = runner.TokenConfig{URI: "pkcs11:token=rehearsal", Module: tok.Module}
			cfg.Inputs = c.inputs
			toml, err := cfg.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			cfgPath := filepath.Join(dir, "ceremony.toml")
			if err := os.WriteFile(cfgPath, toml, 0o600); err != nil {
				t.Fatal(err)
			}
			bundle := filepath.Join(dir, "bundle")
			var out, errb bytes.Buffer
			code := run([]string{"rehearse", path, "--auto", "--config", cfgPath, "--out", bundle},
				stdio{strings.NewReader(""), &out, &errb})
			if code != exitOK {
				t.Fatalf("rehearse exited %d: %s", code, errb.String())
			}
			rep, err := transcript.Verify(bundle, transcript.VerifyOptions{})
			if rep == nil || rep.Verdict != transcript.Complete || !rep.Rehearsal {
				t.Fatalf("verify: %v", err)
			}
			var sawSoftHSM, sawWork bool
			for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
				if err != nil {
					t.Fatal(err)
				}
				var d map[string]any
				json.Unmarshal(e.Data, &d)
				if e.Type == "hsm.token" {
					info, _ := d["info"].(map[string]any)
					sawSoftHSM = strings.Contains(fmt.Sprint(info["manufacturer"]), "SoftHSM")
				}
				sawWork = c.check(t, bundle, e, d) || sawWork
			}
			if !sawSoftHSM || !sawWork {
				t.Fatalf("the transcript does not show SoftHSM2 (%t) doing the ceremony's work (%t)", sawSoftHSM, sawWork)
			}
			if c.script == "demo.lua" && !notNeeded {
				t.Error("the demo on SoftHSM2 does not record that the software token's exception was not needed")
			}
		})
	}
}

// TestRootCAThenCRLOnSoftHSM: the root ceremony on a SoftHSM2 token, then
// the CRL ceremony on the same token with the root ceremony's shares,
// revoking an intermediate; OpenSSL then refuses it with the new CRL.
func TestRootCAThenCRLOnSoftHSM(t *testing.T) {
	tok := hsmtest.Empty(t)
	p := newPKI(t)
	t.Setenv("CEREMONY_AUTO_SHEETS", filepath.Join(p.dir, "sheets"))
	token := fmt.Sprintf("[token]\nuri = \"pkcs11:token=root-ca\"\nmodule = %q\n", tok.Module)
	p.write("root.toml", []byte("id = \"root-ca-1\"\n"+token+"[params]\ndev_from = \"token\"\ntest_from = \"token\"\nprod_from = \"token\"\n"+caRoster))
	rehearse := func(script, cfg, out string) {
		t.Helper()
		var o, e bytes.Buffer
		if code := run([]string{"rehearse", filepath.Join("..", "..", "ceremonies", script), "--auto", "--config", filepath.Join(p.dir, cfg), "--out", filepath.Join(p.dir, out)},
			stdio{strings.NewReader(""), &o, &e}); code != exitOK {
			t.Fatalf("%s: exit %d\n%s\n%s", script, code, o.String(), e.String())
		}
		if code, v := verifyOut(t, filepath.Join(p.dir, out)); code != 0 {
			t.Fatalf("verify %s: %s", out, v)
		}
	}
	rehearse("root-ca.lua", "root.toml", "root")
	splitRecord(t, filepath.Join(p.dir, "root"), "root-user", filepath.Join(p.dir, "root-user.json"))
	p.write("crl.toml", []byte("id = \"crl-1\"\n"+token+"[inputs]\nroot_crt = \"root/artifacts/root.crt\"\nprevious_crl = \"root/artifacts/root.crl\"\n"+
		"ledger = \"root/artifacts/ledger.json\"\n[sets]\nroot-user = \"root-user.json\"\n[params]\nwith_new_root = false\nrevoke = \"prod\"\nreason = \"cessationOfOperation\"\n"+caRoster))
	rehearse("crl.lua", "crl.toml", "crl")
	root, crl := p.art("root", "root.crt"), p.art("crl", "root.crl")
	if out, err := p.ssl("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl, p.art("root", "prod.crt")); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl accepted prod after the CRL ceremony revoked it: %v\n%s", err, out)
	}
	if out, err := p.ssl("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl, p.art("root", "dev.crt")); err != nil {
		t.Errorf("openssl refused dev: %v\n%s", err, out)
	}
}
