package dnssec_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/tooltest"
)

func respondTo(t testing.TB, ksrName string) (*dnssec.File, *rsa.PrivateKey) {
	t.Helper()
	ksr, err := dnssec.Parse(readIANA(t, ksrName))
	if err != nil {
		t.Fatal(err)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := dnssec.Respond(ksr, []dnssec.SigningKey{{Label: "ksk-test", Public: k.Public(), Signer: k}},
		dnssec.Schema{Sign: []string{"ksk-test"}}, dnssec.RootKSKPolicy())
	if err != nil {
		t.Fatal(err)
	}
	return resp, k
}

// TestRespond: the SKR made for IANA's KSR passes the SKR checks, written
// and read back, and says what the request asked, bundle for bundle.
func TestRespond(t *testing.T) {
	resp, _ := respondTo(t, "ksr-root-2017-q2-0.xml")
	again, err := dnssec.Parse(dnssec.Marshal(resp))
	if err != nil {
		t.Fatal(err)
	}
	if probs, views := dnssec.CheckResponse(again); len(probs) > 0 || len(views) != 9 {
		t.Fatalf("%v", probs)
	}
	ksr, _ := dnssec.Parse(readIANA(t, "ksr-root-2017-q2-0.xml"))
	for i, b := range again.Response.Bundles {
		rb := ksr.Request.Bundles[i]
		if b.ID != rb.ID || !b.Inception.Equal(rb.Inception) || len(b.Keys) != len(rb.Keys)+1 || len(b.Signatures) != 1 || b.Keys[len(b.Keys)-1].Identifier != "ksk-test" {
			t.Fatalf("bundle %d: %+v", i+1, b)
		}
	}
	if probs := dnssec.CheckSafety(again, nil, dnssec.RootKSKPolicy()); len(probs) > 0 {
		t.Fatalf("%v", probs)
	}
}

// TestMarshalRoundTrip: IANA's SKRs read, written and read again are the
// same files.
func TestMarshalRoundTrip(t *testing.T) {
	for _, name := range []string{"skr-root-2017-q2-0.xml", "ksr-root-2017-q2-0.xml", "skr-root-2018-q1-0-d_to_e.xml"} {
		f, _ := dnssec.Parse(readIANA(t, name))
		g, err := dnssec.Parse(dnssec.Marshal(f))
		if err != nil || !reflect.DeepEqual(f, g) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestRespondRefuses(t *testing.T) {
	ksr, _ := dnssec.Parse(readIANA(t, "ksr-root-2017-q2-0.xml"))
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	late := dnssec.SigningKey{Label: "k", Public: k.Public(), Signer: k, ValidFrom: time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := dnssec.Respond(ksr, []dnssec.SigningKey{late}, dnssec.Schema{Sign: []string{"k"}}, dnssec.RootKSKPolicy()); err == nil || !strings.Contains(err.Error(), "outside KSK k's valid period") {
		t.Fatalf("got %v", err)
	}
	if _, err := dnssec.Respond(ksr, []dnssec.SigningKey{late}, dnssec.Schema{Sign: []string{"other"}}, dnssec.RootKSKPolicy()); err == nil || !strings.Contains(err.Error(), "not on the token") {
		t.Fatalf("got %v", err)
	}
	// A KSK that signed the last SKR and is gone at once breaks retire
	// safety; one that signs as soon as it appears keeps publish safety 0.
	prev, _ := dnssec.Parse(readIANA(t, "skr-root-2017-q1-0.xml"))
	resp, _ := respondTo(t, "ksr-root-2017-q2-0.xml")
	probs := dnssec.CheckSafety(resp, prev, dnssec.RootKSKPolicy())
	if len(probs) == 0 || probs[0].Check != "SKR-RETIRE-SAFETY" {
		t.Fatalf("%v", probs)
	}
	pol := dnssec.RootKSKPolicy()
	pol.PublishSafety = 24 * time.Hour
	if probs := dnssec.CheckSafety(resp, nil, pol); len(probs) == 0 || probs[0].Check != "SKR-PUBLISH-SAFETY" {
		t.Fatalf("%v", probs)
	}
}

// zoneOf writes a response bundle as a zone fragment, with the SOA the
// zone tools want at the apex.
func zoneOf(b dnssec.Bundle) string {
	var z strings.Builder
	z.WriteString(". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n")
	for _, k := range b.Keys {
		fmt.Fprintf(&z, ". %d IN DNSKEY %d %d %d %s\n", k.TTL, k.Flags, k.Protocol, k.Algorithm, base64.StdEncoding.EncodeToString(k.PublicKey))
	}
	for _, s := range b.Signatures {
		fmt.Fprintf(&z, ". %d IN RRSIG DNSKEY %d %d %d %s %s %d . %s\n", s.TTL, s.Algorithm, s.Labels, s.OriginalTTL,
			s.Expiration.Format("20060102150405"), s.Inception.Format("20060102150405"), s.KeyTag, base64.StdEncoding.EncodeToString(s.Signature))
	}
	return z.String()
}

// TestZoneToolsVerify: each bundle of an SKR we made, as a zone fragment,
// verifies with dnspython; changed, it does not.
func TestZoneToolsVerify(t *testing.T) {
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import dns.dnssec").CombinedOutput(); err != nil {
		tooltest.Missing(t, "dnspython not importable by %s: apt-get install python3-dnspython (%v: %s)", python, err, out)
	}
	resp, _ := respondTo(t, "ksr-root-2017-q2-0.xml")
	dir := t.TempDir()
	script := `import sys, dns.zone, dns.dnssec, dns.name, dns.rdatatype, dns.rdataclass
z = dns.zone.from_file(sys.argv[1], origin=".", relativize=False, check_origin=False)
node = z.find_node(dns.name.root)
keys = node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
sigs = node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
dns.dnssec.validate((dns.name.root, keys), (dns.name.root, sigs), {dns.name.root: keys}, now=float(sys.argv[2]))
print("ok")`
	for i, b := range resp.Response.Bundles {
		path := filepath.Join(dir, fmt.Sprintf("bundle%d.zone", i+1))
		os.WriteFile(path, []byte(zoneOf(b)), 0o644)
		mid := fmt.Sprint(b.Inception.Add(time.Hour).Unix())
		if out, err := exec.Command(python, "-c", script, path, mid).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
			t.Fatalf("dnspython refused bundle %d: %v\n%s\n%s", i+1, err, out, zoneOf(b))
		}
		if i == 0 {
			bad := b
			bad.Signatures = []dnssec.BundleSignature{b.Signatures[0]}
			sig := append([]byte(nil), b.Signatures[0].Signature...)
			sig[9] ^= 1
			bad.Signatures[0].Signature = sig
			os.WriteFile(path, []byte(zoneOf(bad)), 0o644)
			if out, err := exec.Command(python, "-c", script, path, mid).CombinedOutput(); err == nil {
				t.Fatalf("dnspython accepted a changed signature: %s", out)
			}
		}
	}
}

// TestStandInRequest: the rehearsal's KSR passes every check, through its
// XML, at the time it was made for.
func TestStandInRequest(t *testing.T) {
	now := time.Now()
	f, _, err := dnssec.StandInRequest(now)
	if err != nil {
		t.Fatal(err)
	}
	g, err := dnssec.Parse(dnssec.Marshal(f))
	if err != nil {
		t.Fatal(err)
	}
	if probs := dnssec.CheckRequest(g, nil, dnssec.RootPolicy(), now); len(probs) > 0 {
		t.Fatalf("%v", probs)
	}
}
