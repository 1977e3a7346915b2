package dnssec_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
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

// TestLDNSVerifiesABundle: a bundle of an SKR we made, as the apex of a
// zone (its SOA and NSEC signed by the bundle's ZSK, made for the test),
// verifies with ldns-verify-zone against our KSK as the trust anchor at a
// time within the bundle, and not at a time after it.
func TestLDNSVerifiesABundle(t *testing.T) {
	verify := tooltest.Need(t, "ldns-verify-zone", "ldnsutils")
	now := time.Now()
	ksr, zsks, err := dnssec.StandInRequest(now)
	if err != nil {
		t.Fatal(err)
	}
	ksk, _ := rsa.GenerateKey(rand.Reader, 2048)
	resp, err := dnssec.Respond(ksr, []dnssec.SigningKey{{Label: "ksk", Public: ksk.Public(), Signer: ksk}}, dnssec.Schema{Sign: []string{"ksk"}}, dnssec.RootKSKPolicy())
	if err != nil {
		t.Fatal(err)
	}
	b := resp.Response.Bundles[0]
	zsk, zskKey := zsks[0].(*rsa.PrivateKey), b.Keys[0]
	mname, _ := dnssec.NameWire("a.root-servers.net.")
	rname, _ := dnssec.NameWire("nstld.verisign-grs.com.")
	soa := append(append(mname, rname...), 0, 0, 0, 1, 0, 0, 7, 8, 0, 0, 3, 132, 0, 9, 58, 128, 0, 1, 81, 128)
	// NSEC to itself, for SOA (6), RRSIG (46), NSEC (47) and DNSKEY (48).
	nsec := []byte{0, 0, 7, 0x02, 0, 0, 0, 0, 0x03, 0x80}
	sign := func(typ uint16, rdata []byte) string {
		s := dnssec.RRSIG{TypeCovered: typ, Algorithm: zskKey.Algorithm, Labels: 0, OriginalTTL: 86400, Expiration: b.Expiration, Inception: b.Inception,
			KeyTag: zskKey.Key.Tag(), SignerName: "."}
		data, err := s.SignedRRset(".", typ, [][]byte{rdata})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		sig, err := rsa.SignPKCS1v15(rand.Reader, zsk, crypto.SHA256, h[:])
		if err != nil {
			t.Fatal(err)
		}
		name := map[uint16]string{6: "SOA", 47: "NSEC"}[typ]
		return fmt.Sprintf(". 86400 IN RRSIG %s 8 0 86400 %s %s %d . %s\n", name, b.Expiration.Format("20060102150405"),
			b.Inception.Format("20060102150405"), s.KeyTag, base64.StdEncoding.EncodeToString(sig))
	}
	zone := zoneOf(b) + ". 86400 IN NSEC . SOA RRSIG NSEC DNSKEY\n" + sign(6, soa) + sign(47, nsec)
	dir := t.TempDir()
	zonePath := filepath.Join(dir, "root.zone")
	os.WriteFile(zonePath, []byte(zone), 0o644)
	kskKey := b.Keys[len(b.Keys)-1]
	anchor := filepath.Join(dir, "anchor.key")
	os.WriteFile(anchor, []byte(fmt.Sprintf(". 172800 IN DNSKEY 257 3 8 %s\n", base64.StdEncoding.EncodeToString(kskKey.PublicKey))), 0o644)
	at := b.Inception.Add(24 * time.Hour).Format("20060102150405")
	if out, err := exec.Command(verify, "-k", anchor, "-t", at, zonePath).CombinedOutput(); err != nil {
		t.Fatalf("ldns-verify-zone: %v\n%s\n%s", err, out, zone)
	}
	// The KSK's signature is what ties the DNSKEYs to the anchor.
	bad := b
	bad.Signatures = []dnssec.BundleSignature{b.Signatures[0]}
	sig := append([]byte(nil), b.Signatures[0].Signature...)
	sig[20] ^= 1
	bad.Signatures[0].Signature = sig
	os.WriteFile(zonePath, []byte(strings.Replace(zone, zoneOf(b), zoneOf(bad), 1)), 0o644)
	if out, err := exec.Command(verify, "-k", anchor, "-t", at, zonePath).CombinedOutput(); err == nil {
		t.Fatalf("ldns-verify-zone accepted a changed KSK signature:\n%s", out)
	}
	os.WriteFile(zonePath, []byte(zone), 0o644)
	after := b.Expiration.Add(24 * time.Hour).Format("20060102150405")
	if out, err := exec.Command(verify, "-k", anchor, "-t", after, zonePath).CombinedOutput(); err == nil {
		t.Fatalf("ldns-verify-zone accepted expired signatures:\n%s", out)
	}
}
