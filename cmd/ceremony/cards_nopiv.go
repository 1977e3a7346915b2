//go:build !piv

package main

import (
	"errors"

	"github.com/ceremony-dev/ceremony/piv"
)

func openReader(string, string) (piv.Card, error) {
	return nil, errors.New("this ceremony binary was built without YubiKey support: build it with go build -tags piv (it needs libpcsclite-dev)")
}
