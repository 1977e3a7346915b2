package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/tooltest"
)

// TestKSKRecordsAgreeWithLDNS: the DS the KSK ceremony writes is the one
// ldns-key2ds computes from the DNSKEY it writes, for each key type.
func TestKSKRecordsAgreeWithLDNS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ceremonies")
	}
	key2ds := tooltest.Need(t, "ldns-key2ds", "ldnsutils")
	p := newPKI(t)
	for _, kind := range []string{"ecdsa-p256", "rsa-2048", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			p.write(kind+".toml", []byte("id = \"ksk-"+kind+"\"\n[token]\nembedded = \"token-"+kind+"\"\n[params]\nkey_type = \""+kind+"\"\nsha384_ds = true\n"+caRoster))
			if out, ok := p.rehearse("ksk-keygen.lua", kind+".toml", kind); !ok {
				t.Fatalf("ksk-keygen.lua: %s", out)
			}
			dnskey := p.art(kind, "ksk.dnskey")
			ours, _ := os.ReadFile(p.art(kind, "ksk.ds"))
			for _, flag := range []string{"-2", "-4"} {
				cmd := exec.Command(key2ds, "-n", flag, dnskey)
				cmd.Dir = t.TempDir()
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("ldns-key2ds: %v\n%s", err, out)
				}
				f := strings.Fields(string(out))
				want := strings.ToUpper(f[len(f)-1])
				if !strings.Contains(string(ours), want) || !strings.Contains(string(ours), f[len(f)-4]+" ") {
					t.Fatalf("ldns-key2ds %s says %s; we wrote\n%s", flag, out, ours)
				}
			}
			anchors, _ := os.ReadFile(p.art(kind, "ksk-anchors.xml"))
			if !strings.Contains(string(anchors), "<Zone>example.org.</Zone>") || strings.Count(string(anchors), "<KeyDigest ") != 2 {
				t.Fatalf("trust anchors:\n%s", anchors)
			}
		})
	}
}

// TestKSRSignRefusesAnExpiredKSR: IANA's KSR of 2017 brought to a
// ceremony today fails its horizon check, and nothing is signed.
func TestKSRSignRefusesAnExpiredKSR(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a ceremony")
	}
	p := newPKI(t)
	ksr, err := filepath.Abs(filepath.Join("..", "..", "dnssec", "testdata", "iana", "ksr-root-2017-q2-0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p.write("sign.toml", []byte("id = \"ksr-old\"\n[token]\nembedded = \"token\"\n[inputs]\nksr = \""+ksr+"\"\n"+strings.ReplaceAll(caRoster, `roles = ["RP"]`, `roles = ["ZSKO"]`)))
	out, ok := p.rehearse("ksr-sign.lua", "sign.toml", "old")
	if ok || !strings.Contains(out, "KSR-POLICY-SIG-HORIZON") || !strings.Contains(out, "nothing is signed") {
		t.Fatalf("want a refusal naming KSR-POLICY-SIG-HORIZON:\n%s", out)
	}
	if _, err := os.Stat(p.art("old", "skr.xml")); err == nil {
		t.Fatal("an SKR was written")
	}
}

// TestKSRSignChain: a second KSR ceremony on the same token and shares
// holds the next KSR to the SKR the first one made: a KSR whose first
// bundle's keys are not in that SKR's last bundle is refused unsigned.
func TestKSRSignChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two ceremonies")
	}
	p := newPKI(t)
	roster := strings.ReplaceAll(caRoster, `roles = ["RP"]`, `roles = ["ZSKO"]`)
	p.write("first.toml", []byte("id = \"ksr-1\"\n[token]\nembedded = \"token\"\n"+roster))
	if out, ok := p.rehearse("ksr-sign.lua", "first.toml", "first"); !ok {
		t.Fatalf("first ceremony: %s", out)
	}
	splitRecord(t, filepath.Join(p.dir, "first"), "ksk-user", filepath.Join(p.dir, "ksk-user.json"))
	p.write("next.toml", []byte("id = \"ksr-2\"\n[token]\nembedded = \"token\"\n[inputs]\nprevious_skr = \"first/artifacts/skr.xml\"\n"+
		"[sets]\nksk-user = \"ksk-user.json\"\n[params]\nfirst_ceremony = false\n"+roster))
	out, ok := p.rehearse("ksr-sign.lua", "next.toml", "next")
	if ok || !strings.Contains(out, "KSR-CHAIN-KEYS") {
		t.Fatalf("want KSR-CHAIN-KEYS:\n%s", out)
	}
	if _, err := os.Stat(p.art("next", "skr.xml")); err == nil {
		t.Fatal("an SKR was written")
	}
}
