package dnssec_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/tooltest"
)

const iana = "testdata/iana"

func readIANA(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(iana, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIANAResponsesVerify: IANA's real SKRs parse and every bundle's
// RRSIGs verify, made by the 2010 root KSK (tag 19036), or in the 2018
// rollover from its second bundle on by the 2017 KSK (20326).
func TestIANAResponsesVerify(t *testing.T) {
	for _, name := range []string{"skr-root-2017-q1-0.xml", "skr-root-2017-q2-0.xml", "skr-root-2018-q1-0-d_to_e.xml"} {
		t.Run(name, func(t *testing.T) {
			f, err := dnssec.Parse(readIANA(t, name))
			if err != nil {
				t.Fatal(err)
			}
			probs, views := dnssec.CheckResponse(f)
			if len(probs) > 0 {
				t.Fatalf("%v", probs)
			}
			if len(views) != 9 {
				t.Fatalf("%d bundles", len(views))
			}
			for i, v := range views {
				want := uint16(19036)
				if strings.Contains(name, "2018") && i >= 1 {
					want = 20326
				}
				if len(v.Signers) != 1 || v.Signers[0] != want {
					t.Fatalf("bundle %s signed by %v", v.ID, v.Signers)
				}
			}
		})
	}
}

func TestIANARequestsParse(t *testing.T) {
	for _, name := range []string{"ksr-root-2010-q1-0.xml", "ksr-root-2017-q2-0.xml", "ksr-root-2018-q1-0-d_to_e.xml"} {
		f, err := dnssec.Parse(readIANA(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Request == nil || len(f.Request.Bundles) != 9 || f.Domain != "." {
			t.Fatalf("%s: %+v", name, f)
		}
		for _, b := range f.Request.Bundles {
			for _, k := range b.Keys {
				if k.Key.Tag() != k.Tag {
					t.Fatalf("%s: key %s: tag %d, computed %d", name, k.Identifier, k.Tag, k.Key.Tag())
				}
			}
		}
	}
}

// TestMutatedResponses: a changed SKR fails the check its change breaks,
// named.
func TestMutatedResponses(t *testing.T) {
	good := string(readIANA(t, "skr-root-2017-q2-0.xml"))
	sig := good[strings.Index(good, "<SignatureData>")+len("<SignatureData>"):]
	sig = sig[:strings.Index(sig, "<")]
	raw, _ := base64.StdEncoding.DecodeString(sig)
	raw[10] ^= 1
	for _, c := range []struct{ name, from, to, check string }{
		{"signature changed", sig, base64.StdEncoding.EncodeToString(raw), "SKR-BUNDLE-SIGNATURES"},
		{"key tag misstated", `keyTag="61045"`, `keyTag="61046"`, "SKR-BUNDLE-KEYS"},
		{"a ZSK's flags changed", "<Flags>256</Flags>", "<Flags>257</Flags>", "SKR-BUNDLE-SIGNATURES"},
		{"signature validity past the policy", "<SignatureExpiration>2017-04-22T00:00:00+00:00", "<SignatureExpiration>2017-04-23T00:00:00+00:00", "SKR-POLICY-SIG-VALIDITY"},
		{"a signature by no key of the bundle", `<Signature keyIdentifier="Kjqmt7v">`, `<Signature keyIdentifier="other">`, "SKR-BUNDLE-SIGNATURES"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("%q is not in the file", c.from)
			}
			f, err := dnssec.Parse([]byte(strings.Replace(good, c.from, c.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			probs, _ := dnssec.CheckResponse(f)
			found := false
			for _, p := range probs {
				found = found || p.Check == c.check
			}
			if !found {
				t.Fatalf("want %s among %v", c.check, probs)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	good := string(readIANA(t, "skr-root-2017-q2-0.xml"))
	for _, c := range []struct{ name, from, to, want string }{
		{"unknown element", "<TTL>172800</TTL>", "<TTL>172800</TTL><Comment>x</Comment>", "unknown element <Comment>"},
		{"unknown attribute", `domain="."`, `domain="." extra="1"`, "unknown attribute extra"},
		{"a time not in UTC", "<Inception>2017-04-01T00:00:00+00:00", "<Inception>2017-04-01T00:00:00+02:00", "not in UTC"},
		{"bad base64", "<PublicKey>AwEAA", "<PublicKey>!!!", "PublicKey is not base64"},
		{"a year in a policy", "<RetireSafety>P28D", "<RetireSafety>P1Y", "not exact"},
		{"text after the end", "</KSR>", "</KSR>trailing", "text after"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dnssec.Parse([]byte(strings.Replace(good, c.from, c.to, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	if _, err := dnssec.Parse(bytes.Repeat([]byte(" "), dnssec.MaxFile+1)); err == nil {
		t.Fatal("a file over the size limit was read")
	}
}

// TestDSAgreesWithLDNS: our DS of the root KSK is the one the root's trust
// anchor publishes and the one ldns-key2ds computes.
func TestDSAgreesWithLDNS(t *testing.T) {
	f, err := dnssec.Parse(readIANA(t, "skr-root-2017-q2-0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var ksk dnssec.BundleKey
	for _, k := range f.Response.Bundles[0].Keys {
		if k.Tag == 19036 {
			ksk = k
		}
	}
	ds, err := ksk.DS(".", 2)
	if err != nil {
		t.Fatal(err)
	}
	const published = "49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5"
	if ds != published {
		t.Fatalf("DS %s, the root trust anchor says %s", ds, published)
	}
	key2ds := tooltest.Need(t, "ldns-key2ds", "ldnsutils")
	dir := t.TempDir()
	rr := ". 172800 IN DNSKEY 257 3 8 " + base64.StdEncoding.EncodeToString(ksk.PublicKey) + "\n"
	path := filepath.Join(dir, "Kroot.key")
	os.WriteFile(path, []byte(rr), 0o644)
	for _, c := range []struct {
		flag string
		typ  uint8
	}{{"-2", 2}, {"-4", 4}} {
		cmd := exec.Command(key2ds, "-n", c.flag, path)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ldns-key2ds: %v\n%s", err, out)
		}
		ours, _ := ksk.DS(".", c.typ)
		if !strings.Contains(strings.ToUpper(strings.Join(strings.Fields(string(out)), "")), ours) {
			t.Fatalf("ldns-key2ds %s says %s; ours is %s", c.flag, out, ours)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readIANA(f, "skr-root-2017-q2-0.xml"))
	f.Add(readIANA(f, "ksr-root-2017-q2-0.xml"))
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := dnssec.Parse(in)
		if err != nil {
			return
		}
		if file.Response != nil {
			dnssec.CheckResponse(file) // never panics, whatever the keys
		}
	})
}
