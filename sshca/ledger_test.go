package sshca_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ceremony-dev/ceremony/sshca"
)

const goodLedger = `{"ca":"SHA256:x","krl_version":1,"certificates":[
 {"serial":1,"type":"user","key_id":"a","principals":["a"],"valid_after":"2026-12-01T00:00:00Z","valid_before":"2027-12-01T00:00:00Z","key":"SHA256:k","ceremony":"c"},
 {"serial":5,"type":"host","key_id":"h","principals":["h"],"valid_after":"2026-12-01T00:00:00Z","key":"SHA256:k","ceremony":"c","revoked":"2027-01-01T00:00:00Z","revoked_in":"d"}]}`

func TestParseLedger(t *testing.T) {
	l, err := sshca.ParseLedger([]byte(goodLedger))
	if err != nil {
		t.Fatal(err)
	}
	if l.NextSerial() != 6 {
		t.Fatalf("next serial %d", l.NextSerial())
	}
	if again, err := sshca.ParseLedger(l.Marshal()); err != nil || !bytes.Equal(again.Marshal(), l.Marshal()) {
		t.Fatalf("round trip: %v", err)
	}
	for _, c := range []struct{ name, in string }{
		{"not json", "serial 1"},
		{"unknown field", `{"ca":"SHA256:x","certificates":[],"note":"x"}`},
		{"no ca", `{"certificates":[]}`},
		{"serial repeated", `{"ca":"x","certificates":[{"serial":1,"type":"user","key_id":"a","valid_after":"2026-12-01T00:00:00Z","key":"k"},{"serial":1,"type":"user","key_id":"a","valid_after":"2026-12-01T00:00:00Z","key":"k"}]}`},
		{"serial 0", `{"ca":"x","certificates":[{"serial":0,"type":"user","key_id":"a","valid_after":"2026-12-01T00:00:00Z","key":"k"}]}`},
		{"bad type", `{"ca":"x","certificates":[{"serial":1,"type":"admin","key_id":"a","valid_after":"2026-12-01T00:00:00Z","key":"k"}]}`},
		{"bad time", `{"ca":"x","certificates":[{"serial":1,"type":"user","key_id":"a","valid_after":"1 Dec 2026","key":"k"}]}`},
		{"trailing data", goodLedger + "{}"},
		{"bad revoked key", `{"ca":"x","certificates":[],"revoked_keys":["ssh-ed25519 AAAA"]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := sshca.ParseLedger([]byte(c.in)); !errors.Is(err, sshca.ErrLedger) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func FuzzParseLedger(f *testing.F) {
	f.Add([]byte(goodLedger))
	f.Add([]byte(`{"ca":"x","certificates":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := sshca.ParseLedger(in)
		if err != nil {
			return
		}
		// What parses is written back to what parses the same.
		again, err := sshca.ParseLedger(l.Marshal())
		if err != nil || !bytes.Equal(again.Marshal(), l.Marshal()) {
			t.Fatalf("round trip: %v", err)
		}
		if n, c := l.NextSerial(), l.Certificates; n == 0 || len(c) > 0 && n <= c[len(c)-1].Serial {
			t.Fatalf("next serial %d", n)
		}
	})
}
