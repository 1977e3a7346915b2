package x509ca_test

import (
	"bytes"
	"testing"

	"github.com/ceremony-dev/ceremony/x509ca"
)

func FuzzParseName(f *testing.F) {
	f.Add("C=US, ST=California, L=San Francisco, O=Example Co, OU=Security, CN=Example Root CA")
	f.Add("CN=x")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := x509ca.ParseName(s)
		if err != nil {
			return
		}
		if n.CommonName == "" {
			t.Fatalf("%q parsed without a CN", s)
		}
	})
}

const ledgerSeed = `{"root":"CN=R","crl_number":0,"certificates":[
 {"serial":"4a71","kind":"root","name":"root","subject":"CN=R","issuer":"CN=R","not_before":"2026-12-02T00:00:00Z","not_after":"2036-11-29T00:00:00Z","sha256":"00","ceremony":"c"},
 {"serial":"4c84","kind":"intermediate","name":"prod","subject":"CN=P","issuer":"CN=R","not_before":"2026-12-02T00:00:00Z","not_after":"2030-12-01T00:00:00Z","sha256":"00","ceremony":"c","revoked":"2027-01-01T00:00:00Z","reason":"keyCompromise","revoked_in_crl":2}]}`

func FuzzParseLedger(f *testing.F) {
	f.Add([]byte(ledgerSeed))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := x509ca.ParseLedger(in)
		if err != nil {
			return
		}
		again, err := x509ca.ParseLedger(l.JSON())
		if err != nil || !bytes.Equal(again.JSON(), l.JSON()) {
			t.Fatalf("round trip: %v", err)
		}
		_ = l.Text()
	})
}

func TestParseLedgerSeed(t *testing.T) {
	l, err := x509ca.ParseLedger([]byte(ledgerSeed))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(l.Text()); !bytes.Contains([]byte(got), []byte("4c84 # 2027-01-01 revoked keyCompromise, CRL 2\n")) {
		t.Fatalf("ledger.txt:\n%s", got)
	}
	for _, bad := range []string{`{"root":""}`, `{"root":"R","certificates":[{"serial":"zz","kind":"root"}]}`, ledgerSeed + "{}",
		`{"root":"R","certificates":[{"serial":"01","kind":"leaf","not_before":"2026-12-02T00:00:00Z","not_after":"2026-12-02T00:00:00Z"}]}`} {
		if _, err := x509ca.ParseLedger([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
