//go:build piv

package main

import (
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/piv"
)

// openReader opens the card in reader, or in the one reader whose name
// says YubiKey.
func openReader(reader string) (piv.Card, error) {
	if reader == "" {
		readers, err := piv.Cards()
		if err != nil {
			return nil, err
		}
		var yk []string
		for _, r := range readers {
			if strings.Contains(strings.ToLower(r), "yubikey") {
				yk = append(yk, r)
			}
		}
		if len(yk) != 1 {
			return nil, fmt.Errorf("%d YubiKeys among the readers %q: plug in one, or name its reader in CEREMONY_PIV_READER", len(yk), readers)
		}
		reader = yk[0]
	}
	return piv.Open(reader)
}
