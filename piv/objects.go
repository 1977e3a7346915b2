package piv

import (
	"crypto/rand"
	"fmt"
	"time"
)

// Data objects a card is given at provisioning (SP 800-73-4, part 1,
// table 3), written whole with PUT DATA.
const (
	ObjectCHUID = 0x5fc102 // Card Holder Unique Identifier
	ObjectCCC   = 0x5fc107 // Card Capability Container
)

// fascN is the placeholder FASC-N of a card that is not a federal
// credential (agency code 9999, as YubiKeys are set up by their own tools);
// Windows' smart-card login reads the card's identity from the GUID.
var fascN = []byte{0xd4, 0xe7, 0x39, 0xda, 0x73, 0x9c, 0xed, 0x39, 0xce, 0x73, 0x9d, 0x83, 0x68, 0x58,
	0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xc8, 0x42, 0x10, 0xc3, 0xeb}

// CHUID is the Card Holder Unique Identifier for a card with this GUID,
// valid until expiry: FASC-N, GUID, expiration date (YYYYMMDD), an empty
// issuer signature and an empty error detection code.
func CHUID(guid [16]byte, expiry time.Time) []byte {
	b := append([]byte{0x30, byte(len(fascN))}, fascN...)
	b = append(append(b, 0x34, 16), guid[:]...)
	b = append(append(b, 0x35, 8), expiry.UTC().Format("20060102")...)
	return append(b, 0x3e, 0x00, 0xfe, 0x00)
}

// CCC is a Card Capability Container with a random card identifier under
// the GSC-IS registered application provider (a0 00 00 01 16), the
// version fields a YubiKey's own tools write, and the rest empty.
func CCC() ([]byte, error) {
	id := make([]byte, 14)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	b := append([]byte{0xf0, 0x15, 0xa0, 0x00, 0x00, 0x01, 0x16, 0xff, 0x02}, id...)
	b = append(b, 0xf1, 0x01, 0x21, 0xf2, 0x01, 0x21, 0xf3, 0x00, 0xf4, 0x01, 0x00, 0xf5, 0x01, 0x10)
	for _, tag := range []byte{0xf6, 0xf7, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe} {
		b = append(b, tag, 0x00)
	}
	return b, nil
}

// NewGUID is a random card GUID.
func NewGUID() ([16]byte, error) {
	var g [16]byte
	if _, err := rand.Read(g[:]); err != nil {
		return g, fmt.Errorf("piv: %w", err)
	}
	return g, nil
}
