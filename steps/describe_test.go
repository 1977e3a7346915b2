package steps_test

import (
	"testing"

	"github.com/ceremony-dev/ceremony/steps"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		req  steps.Request
		want string
	}{
		{steps.VerifyOOB{Input: "ksr", With: "ZSKO"}, "verify_out_of_band: ksr with ZSKO"},
		{steps.SplitSecret{Set: "hsm-user", Holders: "CO", M: 3, N: 5}, "split_secret: hsm-user 3-of-5 to CO"},
		{steps.GenerateKey{Label: "root", Type: "ecdsa-p256"}, "hsm.generate_key: root (ecdsa-p256)"},
		{steps.Sign{Key: "root", Input: "csr", Out: "csr.sig"}, "hsm.sign: csr with root into csr.sig"},
		{steps.Clock{}, "clock"},
		{steps.Signoff{}, "signoff"},
	} {
		if got := steps.Describe(tc.req); got != tc.want {
			t.Errorf("Describe(%#v) = %q, want %q", tc.req, got, tc.want)
		}
	}
}
