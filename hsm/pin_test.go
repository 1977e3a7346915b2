package hsm_test

import (
	"errors"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
)

func TestEncodePIN(t *testing.T) {
	for _, c := range []struct {
		secret   []byte
		min, max int
		want     string
		err      error
	}{
		{[]byte{0xde, 0xad, 0xbe, 0xef}, 4, 255, "deadbeef", nil},
		{[]byte{0xde, 0xad, 0xbe, 0xef}, 4, 6, "deadbe", nil},
		{[]byte{0xAB}, 4, 255, "", hsm.ErrSecretTooShort},
		{[]byte{0x01, 0x02, 0x03}, 4, 0, "010203", nil},
		{nil, 0, 8, "", hsm.ErrSecretTooShort},
	} {
		got, err := hsm.EncodePIN(c.secret, c.min, c.max)
		if !errors.Is(err, c.err) || string(got) != c.want {
			t.Errorf("EncodePIN(%x, %d, %d) = %q, %v; want %q, %v", c.secret, c.min, c.max, got, err, c.want, c.err)
		}
	}
}
