package hsm

import "testing"

// FuzzParseECPoint: CKA_EC_POINT and CKA_EC_PARAMS come from the module;
// whatever it returns must be refused cleanly or give a key of the curve
// the parameters name.
func FuzzParseECPoint(f *testing.F) {
	f.Add(oidP256, append([]byte{0x04, 0x41, 0x04}, make([]byte, 64)...))
	f.Add(oidEd25519, append([]byte{0x04, 0x20}, make([]byte, 32)...))
	f.Add(oidP384, []byte{0x04})
	f.Fuzz(func(t *testing.T, params, point []byte) {
		pub, err := parseECPoint(params, point)
		if err != nil {
			return
		}
		if kindOf(pub) == "" {
			t.Fatalf("parsed a key of unknown kind %T", pub)
		}
	})
}
