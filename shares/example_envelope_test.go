package shares_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/pgpwords"
	"github.com/ceremony-dev/ceremony/shares"
)

// Share 1 of the example set sealed to alice's card, whose key-management
// key has the private scalar exampleCardKey (a real card never lets it out).
const (
	exampleEnvelope = `ceremony-envelope1
set 9f0b60e9bd6e
label example PIN
share 1 of 3, threshold 2
holder alice
fingerprint 7c2b39b7bdf9ae55
card 12345678
recipient BGD+1LolWp0xyWHrdMY1bWjASbiSO2H6bOZpYi5g8p+2eQP+EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk=
ephemeral BA9rJ8bYH7dfGCrTohp82VgRpatjTUDKW7pe6OyE7l5Wlec0ZlkcIbSUtGOMsq18K2VNdJiUW33/JyZyKi6uovI=

06NlEhCShGfxjstfvHvb1Xk64FzHmuNmgbgdkvB6LkrLh21FidmWlLcr1KYR25nviQ==
`
	exampleCardKey = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
)

// Example_envelope opens the example envelope from the format alone, with
// the standard library, and then as the package does it.
func Example_envelope() {
	d, _ := hex.DecodeString(exampleCardKey)
	card, _ := ecdh.P256().NewPrivateKey(d)

	lines := strings.Split(exampleEnvelope, "\n")
	header := strings.Join(lines[:10], "\n") + "\n" // up to and including the blank line
	field := func(i int, key string) []byte {
		b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[i], key+" "))
		return b
	}
	recipient, ephemeral := field(7, "recipient"), field(8, "ephemeral")
	sealed, _ := base64.StdEncoding.DecodeString(lines[10])

	eph, _ := ecdh.P256().NewPublicKey(ephemeral)
	shared, _ := card.ECDH(eph) // on a YubiKey: ECDH in slot 9d
	okm, _ := hkdf.Key(sha256.New, shared, append(ephemeral, recipient...), "ceremony-shares-v1 envelope", 44)
	block, _ := aes.NewCipher(okm[:32])
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, okm[32:], sealed, []byte(header))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := shares.Decode(pgpwords.Encode(plain))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("by hand:", s, "fingerprint", s.Fingerprint())

	rec, _ := shares.ParseRecord([]byte(exampleRecord))
	e, err := shares.ParseEnvelope([]byte(exampleEnvelope))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("header checks against the record:", rec.CheckEnvelope(e) == nil)
	s2, err := e.Open(func(eph *ecdh.PublicKey) ([]byte, error) { return card.ECDH(eph) })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s2.Zero()
	fmt.Println("opened:", s2, "checks against the record:", rec.Check(s2) == nil)

	other, _ := ecdh.P256().GenerateKey(rand.Reader)
	_, err = e.Open(func(eph *ecdh.PublicKey) ([]byte, error) { return other.ECDH(eph) })
	fmt.Println(err)
	// Output:
	// by hand: share 1 of set 9f0b60e9bd6e fingerprint 7c2b39b7bdf9ae55
	// header checks against the record: true
	// opened: share 1 of set 9f0b60e9bd6e checks against the record: true
	// envelope: it does not open with this key: it was sealed to another key, or altered
}
