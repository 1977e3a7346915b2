package hsm_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
)

func TestParseURI(t *testing.T) {
	for _, c := range []struct {
		in   string
		want hsm.URI
	}{
		{"pkcs11:token=ksk", hsm.URI{Token: "ksk"}},
		{"pkcs11:", hsm.URI{}},
		{"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
			hsm.URI{Token: "The Software PKCS#11 Softtoken", Manufacturer: "Snake Oil, Inc.", Model: "1.0", Object: "my-certificate", Type: "cert", ID: []byte{0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91}}},
		{"pkcs11:serial=93ccb0f250a3f70d;object=root?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/dev/null",
			hsm.URI{Serial: "93ccb0f250a3f70d", Object: "root", ModulePath: "/usr/lib/softhsm/libsofthsm2.so", PINSource: "file:/dev/null"}},
		{"pkcs11:token=a;x-vendor=b", hsm.URI{Token: "a", Vendor: map[string]string{"x-vendor": "b"}}},
	} {
		got, err := hsm.ParseURI(c.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("ParseURI(%q) = %+v, want %+v", c.in, *got, c.want)
		}
	}
}

func TestParseURIRefuses(t *testing.T) {
	for _, in := range []string{
		"token=ksk",
		"pkcs11:token=ksk;token=zsk",
		"pkcs11:slot-id=0",
		"pkcs11:token=ksk?pin-value=1234",
		"pkcs11:colour=blue",
		"pkcs11:token=%zz",
		"pkcs11:token",
		"pkcs11:type=key",
		"pkcs11:token=a?token=b",
	} {
		if u, err := hsm.ParseURI(in); !errors.Is(err, hsm.ErrBadURI) {
			t.Errorf("ParseURI(%q) = %+v, %v; want ErrBadURI", in, u, err)
		}
	}
}

// TestParseURIKeepsPINValueOut holds that a URI carrying a pin-value is
// refused without the PIN, or any part of it, in the error, whatever else
// is wrong with the URI: errors reach the terminal and the transcript.
func TestParseURIKeepsPINValueOut(t *testing.T) {
	for _, in := range []string{
		"pkcs11:token=ksk?pin-value=PIN1234",
		"PKCS11:token=ksk?pin-value=PIN1234",
		" pkcs11:token=ksk?pin-value=PIN1234",
		"pkcs11:token=ksk?pin-value=%zzPIN1234",
		"pkcs11:token=ksk;pin-value=PIN;1234",
		"pkcs11:pin-value=PIN1234;colour=blue",
		"pkcs11:token=ksk?pin-value=PIN1234&pin-value=PIN1234",
	} {
		_, err := hsm.ParseURI(in)
		if !errors.Is(err, hsm.ErrBadURI) || !strings.Contains(err.Error(), "pin-value") {
			t.Errorf("ParseURI(%q): %v; want ErrBadURI naming pin-value", in, err)
			continue
		}
		for _, part := range []string{"PIN", "1234"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("ParseURI(%q): the error %q shows the pin", in, err)
			}
		}
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"pkcs11:token=ksk", "pkcs11:token=a%20b;id=%01%02?module-path=/x", "pkcs11:x-a=1;object=o;type=private"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := hsm.ParseURI(s)
		if err != nil {
			return
		}
		again, err := hsm.ParseURI(u.String())
		if err != nil {
			t.Fatalf("ParseURI(%q).String() = %q does not parse: %v", s, u.String(), err)
		}
		if !reflect.DeepEqual(u, again) {
			t.Fatalf("round trip of %q: %+v != %+v", s, u, again)
		}
	})
}
