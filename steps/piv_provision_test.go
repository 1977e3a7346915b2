package steps

import "testing"

func TestPUKFrom(t *testing.T) {
	for _, c := range []struct {
		secret []byte
		want   string
	}{
		{[]byte{0x01}, "00000001"},
		{[]byte{0x05, 0xf5, 0xe1, 0x00}, "00000000"}, // 10^8
		{[]byte{0x05, 0xf5, 0xe0, 0xff}, "99999999"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "09551615"},
	} {
		if got := string(pukFrom(c.secret)); got != c.want {
			t.Errorf("pukFrom(%x) = %s, want %s", c.secret, got, c.want)
		}
	}
}
