package shares_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/shares"
)

func newCardKey(t *testing.T) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func agreeWith(k *ecdh.PrivateKey) func(*ecdh.PublicKey) ([]byte, error) {
	return func(eph *ecdh.PublicKey) ([]byte, error) { return k.ECDH(eph) }
}

// Every share of a split sealed to its holder's key opens with that key
// alone, survives its text form, and combines with the others.
func TestEnvelopeRoundTrip(t *testing.T) {
	secret, rec, set, err := shares.Split("hsm user PIN", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer clear(secret)
	keys := []*ecdh.PrivateKey{newCardKey(t), newCardKey(t), newCardKey(t)}
	c := shares.NewCollector(rec)
	defer c.Zero()
	for i, s := range set {
		e, err := shares.Seal(s, rec, "holder"+string(rune('a'+i)), "1000000"+string(rune('0'+i)), keys[i].PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		text := e.Marshal()
		// A fresh ephemeral key for every envelope: sealing the same share
		// to the same card twice gives another key and another ciphertext.
		again, err := shares.Seal(s, rec, "holder"+string(rune('a'+i)), "1000000"+string(rune('0'+i)), keys[i].PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		if a, b := strings.Split(string(text), "\n"), strings.Split(string(again.Marshal()), "\n"); a[8] == b[8] || a[10] == b[10] {
			t.Fatal("two envelopes of one share share an ephemeral key or a ciphertext")
		}
		back, err := shares.ParseEnvelope(text)
		if err != nil {
			t.Fatalf("parsing what Marshal wrote: %v\n%s", err, text)
		}
		if err := rec.CheckEnvelope(back); err != nil {
			t.Fatal(err)
		}
		if _, err := back.Open(agreeWith(keys[(i+1)%3])); err == nil {
			t.Fatal("another holder's key opened the envelope")
		}
		got, err := back.Open(agreeWith(keys[i]))
		if err != nil {
			t.Fatal(err)
		}
		if got.Fingerprint() != s.Fingerprint() {
			t.Fatal("opened another share")
		}
		if i < 2 {
			if err := c.Add(got, "h"); err != nil {
				t.Fatal(err)
			}
		}
	}
	combined, err := c.Combine()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(combined, secret) {
		t.Fatal("the shares from the envelopes combine to another secret")
	}
}

// The header is authenticated: changing any field, even into another valid
// envelope header, makes the envelope fail to open.
func TestEnvelopeHeaderIsAuthenticated(t *testing.T) {
	_, rec, set, err := shares.Split("hsm user PIN", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	k := newCardKey(t)
	e, err := shares.Seal(set[0], rec, "alice", "12345678", k.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	text := string(e.Marshal())
	for _, edit := range [][2]string{
		{"holder alice", "holder bruno"},
		{"card 12345678", "card 12345679"},
		{"label hsm user PIN", "label hsm user PIM"},
		{"share 1 of 3", "share 2 of 3"},
	} {
		forged, err := shares.ParseEnvelope([]byte(strings.Replace(text, edit[0], edit[1], 1)))
		if err != nil {
			t.Fatalf("%s: %v", edit[1], err)
		}
		var ee *shares.EnvelopeError
		if _, err := forged.Open(agreeWith(k)); !errors.As(err, &ee) {
			t.Errorf("%s: opened, or %v", edit[1], err)
		}
	}
}

func TestCheckEnvelopeAgainstTheRecord(t *testing.T) {
	_, rec, set, _ := shares.Split("hsm user PIN", 2, 3)
	_, other, otherSet, _ := shares.Split("hsm user PIN", 2, 3)
	k := newCardKey(t).PublicKey()
	mine, _ := shares.Seal(set[1], rec, "alice", "1", k)
	foreign, _ := shares.Seal(otherSet[1], other, "alice", "1", k)
	if err := rec.CheckEnvelope(mine); err != nil {
		t.Fatal(err)
	}
	var fe *shares.ForeignSetError
	if err := rec.CheckEnvelope(foreign); !errors.As(err, &fe) {
		t.Fatalf("an envelope of another set: %v", err)
	}
	if _, err := shares.Seal(otherSet[0], rec, "alice", "1", k); !errors.As(err, &fe) {
		t.Fatalf("sealing a share of another set: %v", err)
	}
}

func TestParseEnvelopeRefuses(t *testing.T) {
	good := exampleEnvelope
	for _, tc := range []struct {
		name, text, want string
	}{
		{"empty", "", "nine header lines"},
		{"no final newline", strings.TrimSuffix(good, "\n"), "nine header lines"},
		{"crlf", strings.ReplaceAll(good, "\n", "\r\n"), "nine header lines"},
		{"other magic", strings.Replace(good, "ceremony-envelope1", "ceremony-envelope2", 1), "first line"},
		{"keys reordered", strings.Replace(strings.Replace(good, "holder alice\n", "", 1), "card 12345678\n", "card 12345678\nholder alice\n", 1), "line 5"},
		{"upper-case set", strings.Replace(good, "set 9f0b60e9bd6e", "set 9F0B60E9BD6E", 1), "set id"},
		{"impossible index", strings.Replace(good, "share 1 of 3", "share 4 of 3", 1), "impossible"},
		{"padded share line", strings.Replace(good, "share 1 of 3", "share 01 of 3", 1), "line 4"},
		{"holder with a space", strings.Replace(good, "holder alice", "holder alice abbott", 1), "one word"},
		{"recipient off the curve", strings.Replace(good, "recipient BGD+", "recipient BGE+", 1), "P-256 point"},
		{"sealed not base64", strings.Replace(good, "06NlEh", "06Nl!h", 1), "base64"},
		{"sealed too short", strings.Replace(good, "06NlEhCShGfxjstfvHvb1Xk64FzHmuNmgbgdkvB6LkrLh21FidmWlLcr1KYR25nviQ==", "06NlEhCS", 1), "base64"},
		{"too long", good + strings.Repeat("x", shares.MaxEnvelope), "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shares.ParseEnvelope([]byte(tc.text))
			var ee *shares.EnvelopeError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an envelope error with %q", err, tc.want)
			}
		})
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(exampleEnvelope))
	f.Add([]byte(strings.Replace(exampleEnvelope, "share 1 of 3", "share 3 of 3", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := shares.ParseEnvelope(data)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Marshal(), data) {
			t.Fatal("an accepted envelope does not round-trip")
		}
		if _, err := e.Open(func(*ecdh.PublicKey) ([]byte, error) { return make([]byte, 32), nil }); err == nil {
			t.Fatal("opened with a made-up secret")
		}
	})
}

func TestEnvelopesOf(t *testing.T) {
	_, rec, set, _ := shares.Split("user", 2, 2)
	_, other, otherSet, _ := shares.Split("user", 2, 2)
	k := newCardKey(t).PublicKey()
	seal := func(s *shares.Share, r *shares.Record, holder string) *shares.Envelope {
		e, err := shares.Seal(s, r, holder, "1", k)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	mine := []*shares.Envelope{seal(set[0], rec, "ann"), seal(set[1], rec, "bob")}
	foreign := []*shares.Envelope{seal(otherSet[0], other, "ann")}
	got, err := shares.EnvelopesOf(rec, append(append([]*shares.Envelope{}, foreign...), mine...))
	if err != nil || len(got) != 2 || got["ann"] != mine[0] || got["bob"] != mine[1] {
		t.Fatalf("%v, %v", got, err)
	}
	if _, err := shares.EnvelopesOf(rec, foreign); err == nil || !strings.Contains(err.Error(), "none of the 1 envelopes given") {
		t.Fatalf("none of the split: %v", err)
	}
	if _, err := shares.EnvelopesOf(rec, []*shares.Envelope{mine[0], seal(set[1], rec, "ann")}); err == nil || !strings.Contains(err.Error(), "two envelopes for ann") {
		t.Fatalf("two for one holder: %v", err)
	}
}
