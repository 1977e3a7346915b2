package hsm_test

import (
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/ceremony-dev/ceremony/steps"
)

// backends are the tokens every shared test runs on: the embedded token and
// a SoftHSM2 token (skipped, with an install hint, where SoftHSM2 is
// missing).
func backends(t *testing.T) []backend {
	return []backend{softBackend(), softHSMBackend()}
}

func softHSMBackend() backend {
	return backend{name: "softhsm2", open: func(t *testing.T) (steps.Token, []byte, []byte) {
		tok := hsmtest.New(t, "ceremony-test")
		s, err := hsm.OpenURI(tok.URI(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, tok.UserSecret, tok.SOSecret
	}}
}
