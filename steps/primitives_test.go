package steps_test

import (
	"testing"

	"github.com/ceremony-dev/ceremony/steps"
)

func TestBrief(t *testing.T) {
	at := func(name string) steps.At { return steps.At{Name: name} }
	for _, tc := range []struct {
		call steps.Call
		want string
	}{
		{steps.VerifyOOB{At: at("verify_out_of_band"), Input: "ksr", With: "ZSKO"}, "verify_out_of_band: ksr with ZSKO"},
		{steps.SplitSecret{At: at("split_secret"), Set: "hsm-user", Holders: "CO", M: 3, N: 5}, "split_secret: hsm-user 3-of-5 to CO"},
		{steps.GenerateKey{At: at("hsm.generate_key"), Label: "root", Type: "ecdsa-p256"}, "hsm.generate_key: root (ecdsa-p256)"},
		{steps.Sign{At: at("hsm.sign"), Key: "root", Input: "csr", Out: "csr.sig"}, "hsm.sign: csr with root into csr.sig"},
		{steps.Clock{At: at("clock")}, "clock"},
		{steps.Signoff{At: at("signoff")}, "signoff"},
	} {
		if got := tc.call.Brief(); got != tc.want {
			t.Errorf("%#v.Brief() = %q, want %q", tc.call, got, tc.want)
		}
	}
}
