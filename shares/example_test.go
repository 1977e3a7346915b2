package shares_test

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ceremony-dev/ceremony/pgpwords"
	"github.com/ceremony-dev/ceremony/shares"
)

// The record and two shares of a 2-of-3 split of the 16-byte secret
// "correct horse ba", as a split printed them.
const exampleRecord = `{
  "format": 1,
  "set_id": "9f0b60e9bd6e",
  "label": "example PIN",
  "m": 2,
  "n": 3,
  "secret_bytes": 16,
  "commitment": "f0f53cfa8f6931294744e37661809f808fb0586f1b1759cf555efc7cc4c499a4",
  "fingerprints": ["7c2b39b7bdf9ae55", "a3d9ab6e85b586ab", "88d7cf0ef51d4eee"]
}`

const (
	exampleShare1 = `absurd opulent alone fortitude treadmill quantity goldfish aftermath
acme adviser assume congregate stopwatch bookseller adult detergent minnow recover
slingshot crucifix suspense cannonball ammo inventive tiger component robust sociable
upset sardonic drumbeat underfoot village`
	exampleShare3 = `absurd opulent alone fortitude treadmill quantity goldfish aftermath
acme aggregate assume Pandora glitter Wilmington goggles businessman mural armistice
tapeworm pharmacy sawdust armistice alone Galveston crackdown proximate keyboard article
breakup designing chopper tolerance shamrock`
)

// Example assembles share 1 of the example set byte by byte from the fields
// of the format, shows that its words are the ones on the sheet, and combines
// two shares into the secret the record commits to.
func Example() {
	var b []byte
	b = append(b, 1)                                                // format version
	b = append(b, 0x9f, 0x0b, 0x60, 0xe9, 0xbd, 0x6e)               // set id
	b = append(b, 2, 3, 1, 16)                                      // m, n, index, L
	part, _ := hex.DecodeString("36d717054681c1bf3ddb230c81e232ae") // Shamir part, L bytes
	b = append(b, part...)
	b = append(b, 0xd3)                         // x coordinate
	b = append(b, 0xf3, 0xce, 0x50, 0xeb, 0xf6) // Reed–Solomon check bytes
	words := pgpwords.Encode(b)
	fmt.Println("words on the sheet:", slices.Equal(words, strings.Fields(exampleShare1)))

	rec, err := shares.ParseRecord([]byte(exampleRecord))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := shares.NewCollector(rec)
	defer c.Zero()
	for _, entry := range []struct{ holder, words string }{{"alice", exampleShare1}, {"carol", exampleShare3}} {
		s, err := shares.Decode(strings.Fields(entry.words))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(s, "fingerprint", s.Fingerprint())
		if err := c.Add(s, entry.holder); err != nil {
			fmt.Println(err)
			return
		}
	}
	secret, err := c.Combine()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clear(secret)
	fmt.Printf("secret: %q\n", secret)

	// One word typed wrong is caught before anything is combined.
	typo := strings.Fields(exampleShare1)
	typo[20] = "tunnel"
	_, err = shares.Decode(typo)
	fmt.Println(err)
	// Output:
	// words on the sheet: true
	// share 1 of set 9f0b60e9bd6e fingerprint 7c2b39b7bdf9ae55
	// share 3 of set 9f0b60e9bd6e fingerprint 88d7cf0ef51d4eee
	// secret: "correct horse ba"
	// the share's check words do not match: a word is wrong somewhere; compare every word with the sheet
}
