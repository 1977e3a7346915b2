package dnssec

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"time"
)

// StandInRequest makes a KSR for a rehearsal, in the root's shape and
// policy: nine bundles ten days apart from ten days after now, 21 days
// each, three RSA-2048 ZSKs made here (the first bundle's two, the middle
// bundles' one, the last bundle's two), each bundle signed by each of its
// keys, so that every check, proof of possession included, runs for real.
// It returns the ZSKs' private keys too, for tests that sign the zone.
func StandInRequest(now time.Time) (*File, []crypto.Signer, error) {
	zsks := make([]crypto.Signer, 3)
	keys := make([]BundleKey, 3)
	for i := range zsks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, err
		}
		key, err := KeyFromPublic(k.Public(), FlagZone)
		if err != nil {
			return nil, nil, err
		}
		zsks[i] = k
		keys[i] = BundleKey{Identifier: fmt.Sprintf("rehearsal-zsk-%d", i+1), Tag: key.Tag(), TTL: 172800, Key: key}
	}
	day := 24 * time.Hour
	p := RootPolicy()
	zskPolicy := &Policy{PublishSafety: 10 * day, RetireSafety: 10 * day, MaxSignatureValidity: p.ValidityMax, MinSignatureValidity: p.ValidityMin,
		MaxValidityOverlap: p.OverlapMax, MinValidityOverlap: p.OverlapMin, Algorithms: []PolicyAlgorithm{{Algorithm: RSASHA256, RSASize: 2048, RSAExp: 65537}}}
	start := now.UTC().Truncate(day).Add(10 * day)
	f := &File{ID: fmt.Sprintf("rehearsal-%d", now.Unix()), Domain: ".", Serial: 1, Request: &Part{ZSK: zskPolicy}}
	for i := range 9 {
		in := start.Add(time.Duration(i) * 10 * day)
		b := Bundle{ID: fmt.Sprintf("rehearsal-bundle-%d", i+1), Inception: in, Expiration: in.Add(21 * day)}
		use := []int{1}
		switch i {
		case 0:
			use = []int{0, 1}
		case 8:
			use = []int{1, 2}
		}
		var set []Key
		for _, j := range use {
			b.Keys = append(b.Keys, keys[j])
			set = append(set, keys[j].Key)
		}
		for _, j := range use {
			s, err := Sign(zsks[j], keys[j].Key, RRSIG{OriginalTTL: 172800, Expiration: b.Expiration, Inception: b.Inception, SignerName: "."}, ".", set)
			if err != nil {
				return nil, nil, err
			}
			b.Signatures = append(b.Signatures, BundleSignature{Identifier: keys[j].Identifier, TTL: 172800, RRSIG: s})
		}
		f.Request.Bundles = append(f.Request.Bundles, b)
	}
	return f, zsks, nil
}
