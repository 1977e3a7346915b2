package vcard_test

import (
	"bytes"
	"crypto/aes"
	"testing"

	"github.com/ceremony-dev/ceremony/piv/pivtest"
	"github.com/ceremony-dev/ceremony/piv/vcard"
)

func apdu(ins, p1, p2 byte, data []byte) []byte {
	return append([]byte{0, ins, p1, p2, byte(len(data))}, data...)
}

func pin(s string) []byte {
	b := bytes.Repeat([]byte{0xff}, 8)
	copy(b, s)
	return b
}

func status(resp []byte) int { return int(resp[len(resp)-2])<<8 | int(resp[len(resp)-1]) }

func selected(t *testing.T) *vcard.Card {
	c := vcard.New(7, "5.7.1", pivtest.NewAuthority())
	if st := status(c.Transmit(apdu(0xa4, 4, 0, []byte{0xa0, 0, 0, 3, 8}))); st != 0x9000 {
		t.Fatalf("SELECT: %04x", st)
	}
	return c
}

// TestPINAndPUK: the counters a YubiKey keeps, in the card's own words.
func TestPINAndPUK(t *testing.T) {
	c := selected(t)
	steps := []struct {
		name string
		cmd  []byte
		want int
	}{
		{"tries left", apdu(0x20, 0, 0x80, nil), 0x63c3},
		{"wrong pin", apdu(0x20, 0, 0x80, pin("000000")), 0x63c2},
		{"wrong pin", apdu(0x20, 0, 0x80, pin("000001")), 0x63c1},
		{"right pin resets", apdu(0x20, 0, 0x80, pin("123456")), 0x9000},
		{"verified", apdu(0x20, 0, 0x80, nil), 0x9000},
		{"change pin", apdu(0x24, 0, 0x80, append(pin("123456"), pin("24681357")...)), 0x9000},
		{"old pin now wrong", apdu(0x20, 0, 0x80, pin("123456")), 0x63c2},
		{"wrong", apdu(0x20, 0, 0x80, pin("1")), 0x63c1},
		{"wrong: blocked", apdu(0x20, 0, 0x80, pin("2")), 0x63c0},
		{"blocked", apdu(0x20, 0, 0x80, pin("24681357")), 0x6983},
		{"reset refused while the puk works", apdu(0xfb, 0, 0, nil), 0x6985},
		{"unblock with the puk", apdu(0x2c, 0, 0x80, append(pin("12345678"), pin("11223344")...)), 0x9000},
		{"new pin", apdu(0x20, 0, 0x80, pin("11223344")), 0x9000},
	}
	for _, s := range steps {
		if got := status(c.Transmit(s.cmd)); got != s.want {
			t.Fatalf("%s: %04x, want %04x", s.name, got, s.want)
		}
	}
}

// TestManagementKey: the witness and challenge exchange with the AES-192
// default, a wrong answer refused, and what needs the key refused without.
func TestManagementKey(t *testing.T) {
	c := selected(t)
	if st := status(c.Transmit(apdu(0x47, 0, 0x9a, []byte{0xac, 3, 0x80, 1, 0x11}))); st != 0x6982 {
		t.Fatalf("GENERATE without the management key: %04x", st)
	}
	auth := func(key []byte, corrupt bool) int {
		r := c.Transmit(apdu(0x87, 0x0a, 0x9b, []byte{0x7c, 2, 0x80, 0}))
		if status(r) != 0x9000 || len(r) != 2+4+16 {
			t.Fatalf("witness: %x", r)
		}
		blk, _ := aes.NewCipher(key)
		w := make([]byte, 16)
		blk.Decrypt(w, r[4:20])
		if corrupt {
			w[0] ^= 1
		}
		data := append(append([]byte{0x7c, 36, 0x80, 16}, w...), append([]byte{0x81, 16}, bytes.Repeat([]byte{9}, 16)...)...)
		return status(c.Transmit(apdu(0x87, 0x0a, 0x9b, data)))
	}
	if st := auth(vcard.DefaultManagementKey, true); st != 0x6982 {
		t.Fatalf("a wrong witness: %04x", st)
	}
	if st := auth(vcard.DefaultManagementKey, false); st != 0x9000 {
		t.Fatalf("the default key: %04x", st)
	}
	if r := c.Transmit(apdu(0x47, 0, 0x9a, []byte{0xac, 3, 0x80, 1, 0x11})); status(r) != 0x9000 || !bytes.HasPrefix(r, []byte{0x7f, 0x49}) {
		t.Fatalf("GENERATE: %x", r)
	}
}

// TestLongResponses: a response longer than 256 bytes comes in pieces
// (61xx, GET RESPONSE), and a long command in a chain.
func TestLongResponses(t *testing.T) {
	c := selected(t)
	r := c.Transmit(apdu(0xcb, 0x3f, 0xff, []byte{0x5c, 3, 0x5f, 0xff, 0x01}))
	var all []byte
	for status(r)>>8 == 0x61 {
		all = append(all, r[:len(r)-2]...)
		r = c.Transmit([]byte{0, 0xc0, 0, 0, 0})
	}
	if status(r) != 0x9000 {
		t.Fatalf("GET RESPONSE: %04x", status(r))
	}
	all = append(all, r[:len(r)-2]...)
	if len(all) <= 256 || all[0] != 0x53 {
		t.Fatalf("the attestation certificate object is %d bytes: %x", len(all), all[:8])
	}
	if st := status(c.Transmit(append([]byte{0x10, 0xdb, 0x3f, 0xff, 4}, 1, 2, 3, 4))); st != 0x9000 {
		t.Fatalf("a chained piece: %04x", st)
	}
}

// FuzzTransmit: whatever a reader sends, the card answers with a status
// word and never panics.
func FuzzTransmit(f *testing.F) {
	for _, seed := range [][]byte{
		apdu(0xa4, 4, 0, []byte{0xa0, 0, 0, 3, 8}), apdu(0x87, 0x11, 0x9a, []byte{0x7c, 4, 0x82, 0, 0x81, 0}),
		apdu(0xcb, 0x3f, 0xff, []byte{0x5c, 0x81}), apdu(0x47, 0, 0x9a, []byte{0xac, 0x82, 0xff}), {0x10, 0xdb, 0, 0, 1, 5}, {0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := vcard.New(1, "5.7.1", authority)
		c.Transmit(apdu(0xa4, 4, 0, []byte{0xa0, 0, 0, 3, 8}))
		if r := c.Transmit(b); len(r) < 2 {
			t.Fatalf("a response without a status word: %x", r)
		}
	})
}

var authority = pivtest.NewAuthority()
