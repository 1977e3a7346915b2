package dnssec_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/dnssec"
)

var ceremonyDay = time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)

// TestIANARequestPasses: the 2017 Q2 KSR passes every check given the SKR
// before it and a clock on the day of its ceremony.
func TestIANARequestPasses(t *testing.T) {
	ksr, _ := dnssec.Parse(readIANA(t, "ksr-root-2017-q2-0.xml"))
	prev, _ := dnssec.Parse(readIANA(t, "skr-root-2017-q1-0.xml"))
	if probs := dnssec.CheckRequest(ksr, prev, dnssec.RootPolicy(), ceremonyDay); len(probs) > 0 {
		t.Fatalf("%v", probs)
	}
	ksr18, _ := dnssec.Parse(readIANA(t, "ksr-root-2018-q1-0-d_to_e.xml"))
	if probs := dnssec.CheckRequest(ksr18, nil, dnssec.RootPolicy(), time.Date(2017, 11, 1, 0, 0, 0, 0, time.UTC)); len(probs) > 0 {
		t.Fatalf("2018: %v", probs)
	}
}

// TestMutatedRequests: each change to the KSR, its policy, its clock or
// the SKR before it fails the check it breaks, by name.
func TestMutatedRequests(t *testing.T) {
	good := string(readIANA(t, "ksr-root-2017-q2-0.xml"))
	firstID, secondID := "dc1bc68c-b1c1-46f8-817f-ec893549f2be", ""
	if i := strings.Index(good, `<RequestBundle id="`); i >= 0 {
		rest := good[i+len(`<RequestBundle id="`):]
		rest = rest[strings.Index(rest, `<RequestBundle id="`)+len(`<RequestBundle id="`):]
		secondID = rest[:strings.Index(rest, `"`)]
	}
	sig := good[strings.Index(good, "<SignatureData>")+len("<SignatureData>"):]
	sig = sig[:8]
	flipped := []byte(sig)
	flipped[5] ^= 1
	for _, c := range []struct {
		name   string
		edit   func(s string) string
		policy func(p *dnssec.RequestPolicy)
		prev   string
		now    time.Time
		check  string
	}{
		{"another domain", func(s string) string { return strings.Replace(s, `domain="."`, `domain="example."`, 1) }, nil, "", ceremonyDay, "KSR-DOMAIN"},
		{"a bundle id twice", func(s string) string { return strings.Replace(s, secondID, firstID, 1) }, nil, "", ceremonyDay, "KSR-BUNDLE-UNIQUE"},
		{"a key tag misstated", func(s string) string { return strings.Replace(s, `keyTag="14796"`, `keyTag="14797"`, 1) }, nil, "", ceremonyDay, "KSR-BUNDLE-KEYS"},
		{"a KSK among the ZSKs", func(s string) string { return strings.Replace(s, "<Flags>256</Flags>", "<Flags>257</Flags>", 1) }, nil, "", ceremonyDay, "KSR-BUNDLE-KEYS"},
		{"a self-signature changed", func(s string) string {
			return strings.Replace(s, "<SignatureData>"+sig, "<SignatureData>"+string(flipped), 1)
		}, nil, "", ceremonyDay, "KSR-BUNDLE-POP"},
		{"a bundle short", func(s string) string {
			i := strings.LastIndex(s, "<RequestBundle ")
			j := strings.LastIndex(s, "</RequestBundle>") + len("</RequestBundle>")
			return s[:i] + s[j:]
		}, nil, "", ceremonyDay, "KSR-BUNDLE-COUNT"},
		{"a short cycle", nil, func(p *dnssec.RequestPolicy) { p.CycleMax = 70 * 24 * time.Hour }, "", ceremonyDay, "KSR-BUNDLE-CYCLE-DURATION"},
		{"keys per bundle", nil, func(p *dnssec.RequestPolicy) { p.KeysPerBundle = []int{1, 1, 1, 1, 1, 1, 1, 1, 1} }, "", ceremonyDay, "KSR-POLICY-KEYS"},
		{"distinct keys", nil, func(p *dnssec.RequestPolicy) { p.DistinctKeys = 2 }, "", ceremonyDay, "KSR-POLICY-KEYS"},
		{"another key size", nil, func(p *dnssec.RequestPolicy) { p.RSASize = 4096 }, "", ceremonyDay, "KSR-POLICY-ALG"},
		{"a deprecated algorithm", func(s string) string {
			return strings.Replace(s, "<Algorithm>8</Algorithm>", "<Algorithm>5</Algorithm>", 1)
		}, nil, "", ceremonyDay, "KSR-POLICY-ALG"},
		{"ECDSA not enabled", func(s string) string {
			return strings.Replace(s, "<Algorithm>8</Algorithm>", "<Algorithm>13</Algorithm>", 1)
		}, nil, "", ceremonyDay, "KSR-POLICY-ALG"},
		{"overlap past the policy", nil, func(p *dnssec.RequestPolicy) { p.OverlapMax = 10 * 24 * time.Hour }, "", ceremonyDay, "KSR-POLICY-SIG-OVERLAP"},
		{"a gap between bundles", func(s string) string {
			return strings.Replace(s, "<Expiration>2017-04-22T00:00:00</Expiration>", "<Expiration>2017-04-10T00:00:00</Expiration>", 1)
		}, func(p *dnssec.RequestPolicy) { p.ValidityMin = 0 }, "", ceremonyDay, "KSR-POLICY-SIG-OVERLAP"},
		{"signature validity", nil, func(p *dnssec.RequestPolicy) { p.ValidityMax = 20 * 24 * time.Hour }, "", ceremonyDay, "KSR-POLICY-SIG-VALIDITY"},
		{"too far ahead", nil, nil, "", time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC), "KSR-POLICY-SIG-HORIZON"},
		{"already expired", nil, nil, "", time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC), "KSR-POLICY-SIG-HORIZON"},
		{"bundle intervals", nil, func(p *dnssec.RequestPolicy) { p.IntervalMax = 9 * 24 * time.Hour }, "", ceremonyDay, "KSR-POLICY-BUNDLE-INTERVALS"},
		{"the KSR's own answer as the previous SKR", nil, nil, "skr-root-2017-q2-0.xml", ceremonyDay, "KSR-ID"},
		{"bundle ids of the previous SKR", nil, nil, "skr-root-2017-q2-0.xml", ceremonyDay, "KSR-BUNDLE-UNIQUE"},
		{"keys not chained", nil, nil, "skr-root-2018-q1-0-d_to_e.xml", ceremonyDay, "KSR-CHAIN-KEYS"},
		{"a gap after the previous SKR", nil, nil, "skr-root-2018-q1-0-d_to_e.xml", ceremonyDay, "KSR-CHAIN-OVERLAP"},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := good
			if c.edit != nil {
				if text = c.edit(good); text == good {
					t.Fatal("the edit changed nothing")
				}
			}
			ksr, err := dnssec.Parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			p := dnssec.RootPolicy()
			if c.policy != nil {
				c.policy(&p)
			}
			prevName := "skr-root-2017-q1-0.xml"
			if c.prev != "" {
				prevName = c.prev
			}
			prev, _ := dnssec.Parse(readIANA(t, prevName))
			probs := dnssec.CheckRequest(ksr, prev, p, c.now)
			found := false
			for _, pr := range probs {
				found = found || pr.Check == c.check
			}
			if !found {
				t.Fatalf("want %s among %v", c.check, probs)
			}
		})
	}
}

func TestPolicyApply(t *testing.T) {
	p := dnssec.RootPolicy()
	err := p.Apply([]string{"# a zone's own", "domains = example.org.", "bundles = 3", "keys_per_bundle = 1, 1, 2", "validity_max = P14D",
		"algorithm = 13", "allow_ecdsa = true", ""})
	if err != nil {
		t.Fatal(err)
	}
	if p.Domains[0] != "example.org." || p.Bundles != 3 || len(p.KeysPerBundle) != 3 || p.ValidityMax != 14*24*time.Hour || p.Algorithm != 13 || !p.AllowECDSA {
		t.Fatalf("%+v", p)
	}
	for _, bad := range []string{"bundles", "bundles = many", "validity_max = 14 days", "colour = blue", "allow_ecdsa = perhaps", "keys_per_bundle = 1,,2"} {
		if err := p.Apply([]string{bad}); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
}

func FuzzPolicyApply(f *testing.F) {
	f.Add("validity_min = P21D\nkeys_per_bundle = 2,1,2\n# c")
	f.Fuzz(func(t *testing.T, s string) {
		p := dnssec.RootPolicy()
		_ = p.Apply(strings.Split(s, "\n"))
	})
}
