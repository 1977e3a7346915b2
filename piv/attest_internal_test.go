package piv

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
)

// FuzzParseAttestation feeds arbitrary values to the Yubico extensions of a
// slot certificate: parsing must fail cleanly or yield a consistent result.
func FuzzParseAttestation(f *testing.F) {
	f.Add([]byte{5, 7, 4}, []byte{0x02, 0x04, 0x01, 0xdf, 0x5e, 0x0e}, []byte{3, 2}, []byte{3}, "YubiKey PIV Attestation 9c")
	f.Add([]byte{}, []byte{0x02, 0x01, 0xff}, []byte{9, 9}, []byte{0xff}, "YubiKey PIV Attestation zz")
	f.Fuzz(func(t *testing.T, fw, serial, policy, form []byte, cn string) {
		c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, Extensions: []pkix.Extension{
			{Id: oidFirmware, Value: fw}, {Id: oidSerial, Value: serial},
			{Id: oidPolicy, Value: policy}, {Id: oidFormFactor, Value: form},
		}}
		a, err := parseAttestation(c)
		if err != nil {
			return
		}
		if len(fw) != 3 || len(policy) != 2 {
			t.Fatalf("accepted firmware %x and policy %x", fw, policy)
		}
		if a.Firmware == "" {
			t.Fatal("accepted an attestation without firmware")
		}
	})
}
