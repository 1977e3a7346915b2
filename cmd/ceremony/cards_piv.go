//go:build piv

package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/piv"
)

// openReader opens the card with serial among the readers whose name
// contains reader (any case); for serial "" there must be exactly one. A
// variable, so that a test can put the card asked for in the reader first.
var openReader = openPCSC

func openPCSC(reader, serial string) (piv.Card, error) {
	all, err := piv.Cards()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range all {
		if strings.Contains(strings.ToLower(r), strings.ToLower(reader)) {
			names = append(names, r)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no reader named like %q among %q: plug in the YubiKey, or name its reader in CEREMONY_PIV_READER", reader, all)
	}
	if serial == "" {
		if len(names) != 1 {
			return nil, fmt.Errorf("%d readers named like %q among %q: leave one card in, or name its reader in CEREMONY_PIV_READER", len(names), reader, all)
		}
		return piv.Open(names[0])
	}
	var seen []string
	for _, name := range names {
		card, err := piv.Open(name)
		if err != nil {
			seen = append(seen, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		n, err := card.Serial()
		if err == nil && strconv.FormatUint(uint64(n), 10) == serial {
			return card, nil
		}
		card.Close()
		seen = append(seen, fmt.Sprintf("card %d in %s", n, name))
	}
	return nil, fmt.Errorf("card %s is in none of the readers (%s)", serial, strings.Join(seen, "; "))
}
