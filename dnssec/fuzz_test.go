package dnssec_test

import (
	"testing"

	"github.com/ceremony-dev/ceremony/dnssec"
)

func FuzzParseDNSKEY(f *testing.F) {
	f.Add("example.org. 172800 IN DNSKEY 257 3 13 7xHttLdXphWcdUodMN09JdK9BeB/NJC2s7o5wCqKGp7T2mW4biEmvm9KnOOXXqcaAKjIUYBYUhMd28R7mO02Cg==\n")
	f.Add("; a comment\n. DNSKEY 256 3 8 AwEAAQ==")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := dnssec.ParseDNSKEY(s)
		if err != nil {
			return
		}
		for _, k := range keys {
			_ = k.Tag()
			k.CryptoPublicKey() // never panics on any key data
		}
	})
}
