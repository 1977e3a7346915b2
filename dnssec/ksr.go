package dnssec

import (
	"fmt"
	"slices"
	"time"
)

// RequestPolicy is what a KSR is held to, each value settable by the
// ceremony's script; RootPolicy has the root zone's.
type RequestPolicy struct {
	Domains         []string      // acceptable domains
	Bundles         int           // bundles a KSR holds
	KeysPerBundle   []int         // keys in each bundle, in order; nil: any
	DistinctKeys    int           // keys across the KSR; 0: any
	CycleMin        time.Duration // first to last inception
	CycleMax        time.Duration
	IntervalMin     time.Duration // from one inception to the next
	IntervalMax     time.Duration
	ValidityMin     time.Duration // expiration - inception of a bundle
	ValidityMax     time.Duration
	OverlapMin      time.Duration // of consecutive bundles
	OverlapMax      time.Duration
	Horizon         time.Duration // no bundle expires later than this after the ceremony
	Algorithm       uint8
	RSASize, RSAExp int
	AllowECDSA      bool
	AllowEdDSA      bool
	ZSKFlags        uint16
}

// RootPolicy is the root zone's: nine bundles ten days apart, three ZSKs,
// RSA/SHA-256 2048-bit keys with exponent 65537, 21-day signatures.
func RootPolicy() RequestPolicy {
	day := 24 * time.Hour
	return RequestPolicy{Domains: []string{"."}, Bundles: 9, KeysPerBundle: []int{2, 1, 1, 1, 1, 1, 1, 1, 2}, DistinctKeys: 3,
		CycleMin: 79 * day, CycleMax: 81 * day, IntervalMin: 9 * day, IntervalMax: 11 * day,
		ValidityMin: 21 * day, ValidityMax: 21 * day, OverlapMin: 9 * day, OverlapMax: 12 * day, Horizon: 180 * day,
		Algorithm: RSASHA256, RSASize: 2048, RSAExp: 65537, ZSKFlags: FlagZone}
}

// deprecated are algorithms no KSR may use (RFC 8624): RSA/MD5, DSA,
// RSA/SHA-1 and its NSEC3 twin, DSA-NSEC3, GOST.
var deprecated = []uint8{1, 3, 5, 6, 7, 12}

// CheckRequest holds a KSR to the policy at the ceremony's time now, and
// to the previous SKR when there is one. It returns every problem, each by
// the name of its check.
func CheckRequest(ksr *File, prev *File, p RequestPolicy, now time.Time) []Problem {
	var probs []Problem
	add := func(check, bundle, format string, a ...any) {
		probs = append(probs, Problem{Check: check, Bundle: bundle, Detail: fmt.Sprintf(format, a...)})
	}
	if ksr.Request == nil {
		add("KSR-FORMAT", "", "the file is a response, not a request")
		return probs
	}
	if !slices.Contains(p.Domains, ksr.Domain) {
		add("KSR-DOMAIN", "", "domain %q is not one of %v", ksr.Domain, p.Domains)
	}
	bundles := ksr.Request.Bundles
	ids := map[string]bool{}
	for _, b := range bundles {
		if ids[b.ID] {
			add("KSR-BUNDLE-UNIQUE", b.ID, "the bundle id is used twice")
		}
		ids[b.ID] = true
	}
	if p.Bundles > 0 && len(bundles) != p.Bundles {
		add("KSR-BUNDLE-COUNT", "", "%d bundles; the policy has %d", len(bundles), p.Bundles)
	}
	byID := map[string][]byte{}
	distinct := map[string]bool{}
	for i, b := range bundles {
		keys := make([]Key, len(b.Keys))
		for j, k := range b.Keys {
			keys[j] = k.Key
			distinct[string(k.RDATA())] = true
			if prev, ok := byID[k.Identifier]; ok && string(prev) != string(k.RDATA()) {
				add("KSR-BUNDLE-KEYS", b.ID, "key identifier %s names two different keys", k.Identifier)
			}
			byID[k.Identifier] = k.RDATA()
			if k.Key.Tag() != k.Tag {
				add("KSR-BUNDLE-KEYS", b.ID, "key %s states tag %d; its data gives %d", k.Identifier, k.Tag, k.Key.Tag())
			}
			if k.Flags != p.ZSKFlags {
				add("KSR-BUNDLE-KEYS", b.ID, "key %s has flags %d; a ZSK has %d", k.Identifier, k.Flags, p.ZSKFlags)
			}
			checkAlgorithm(k, p, func(check, format string, a ...any) { add(check, b.ID, format, a...) })
		}
		if p.KeysPerBundle != nil && i < len(p.KeysPerBundle) && len(b.Keys) != p.KeysPerBundle[i] {
			add("KSR-POLICY-KEYS", b.ID, "%d keys in bundle %d; the policy has %d", len(b.Keys), i+1, p.KeysPerBundle[i])
		}
		signed := map[string]bool{}
		for _, s := range b.Signatures {
			j := slices.IndexFunc(b.Keys, func(k BundleKey) bool { return k.Identifier == s.Identifier })
			if j < 0 {
				add("KSR-BUNDLE-POP", b.ID, "a signature by %s, no key of the bundle", s.Identifier)
				continue
			}
			if err := s.RRSIG.Verify(ksr.Domain, keys, b.Keys[j].Key); err != nil {
				add("KSR-BUNDLE-POP", b.ID, "the signature of %s: %v", s.Identifier, err)
				continue
			}
			signed[s.Identifier] = true
		}
		for _, k := range b.Keys {
			if !signed[k.Identifier] {
				add("KSR-BUNDLE-POP", b.ID, "key %s has not signed the bundle: its holder is not shown to hold it", k.Identifier)
			}
		}
		if d := b.Expiration.Sub(b.Inception); d < p.ValidityMin || d > p.ValidityMax {
			add("KSR-POLICY-SIG-VALIDITY", b.ID, "valid %v; the policy allows %v to %v", d, p.ValidityMin, p.ValidityMax)
		}
		if !b.Expiration.After(now) {
			add("KSR-POLICY-SIG-HORIZON", b.ID, "expired at %s, before the ceremony", b.Expiration.Format(time.RFC3339))
		} else if b.Expiration.After(now.Add(p.Horizon)) {
			add("KSR-POLICY-SIG-HORIZON", b.ID, "expires %s, more than %v after the ceremony", b.Expiration.Format(time.RFC3339), p.Horizon)
		}
		if i > 0 {
			last := bundles[i-1]
			if d := b.Inception.Sub(last.Inception); d < p.IntervalMin || d > p.IntervalMax {
				add("KSR-POLICY-BUNDLE-INTERVALS", b.ID, "begins %v after the bundle before; the policy allows %v to %v", d, p.IntervalMin, p.IntervalMax)
			}
			overlap := last.Expiration.Sub(b.Inception)
			if overlap < 0 {
				add("KSR-POLICY-SIG-OVERLAP", b.ID, "a gap of %v after the bundle before", -overlap)
			} else if overlap < p.OverlapMin || overlap > p.OverlapMax {
				add("KSR-POLICY-SIG-OVERLAP", b.ID, "overlaps the bundle before by %v; the policy allows %v to %v", overlap, p.OverlapMin, p.OverlapMax)
			}
		}
	}
	if p.DistinctKeys > 0 && len(distinct) != p.DistinctKeys {
		add("KSR-POLICY-KEYS", "", "%d distinct keys; the policy has %d", len(distinct), p.DistinctKeys)
	}
	if n := len(bundles); n > 1 {
		if d := bundles[n-1].Inception.Sub(bundles[0].Inception); d < p.CycleMin || d > p.CycleMax {
			add("KSR-BUNDLE-CYCLE-DURATION", "", "%v from the first inception to the last; the policy allows %v to %v", d, p.CycleMin, p.CycleMax)
		}
	}
	if prev != nil {
		probs = append(probs, checkChain(ksr, prev, p)...)
	}
	return probs
}

func checkAlgorithm(k BundleKey, p RequestPolicy, add func(check, format string, a ...any)) {
	switch {
	case slices.Contains(deprecated, k.Algorithm):
		add("KSR-POLICY-ALG", "key %s uses deprecated algorithm %d", k.Identifier, k.Algorithm)
	case k.Algorithm == ECDSAP256SHA256 || k.Algorithm == ECDSAP384SHA384:
		if !p.AllowECDSA {
			add("KSR-POLICY-ALG", "key %s uses ECDSA (algorithm %d), which the policy does not enable", k.Identifier, k.Algorithm)
		}
	case k.Algorithm == ED25519:
		if !p.AllowEdDSA {
			add("KSR-POLICY-ALG", "key %s uses Ed25519, which the policy does not enable", k.Identifier)
		}
	case k.Algorithm != p.Algorithm:
		add("KSR-POLICY-ALG", "key %s uses algorithm %d; the policy has %d", k.Identifier, k.Algorithm, p.Algorithm)
	default:
		if bits, e := k.RSABits(); (k.Algorithm == RSASHA256 || k.Algorithm == RSASHA512) && (bits != p.RSASize || e != p.RSAExp) {
			add("KSR-POLICY-ALG", "key %s is RSA-%d with exponent %d; the policy has RSA-%d with %d", k.Identifier, bits, e, p.RSASize, p.RSAExp)
		}
	}
}

// checkChain holds a KSR to the SKR before it.
func checkChain(ksr, prev *File, p RequestPolicy) []Problem {
	var probs []Problem
	add := func(check, bundle, format string, a ...any) {
		probs = append(probs, Problem{Check: check, Bundle: bundle, Detail: fmt.Sprintf(format, a...)})
	}
	if prev.Response == nil || len(prev.Response.Bundles) == 0 {
		add("KSR-CHAIN-KEYS", "", "the previous file is not an SKR")
		return probs
	}
	if ksr.ID == prev.ID {
		add("KSR-ID", "", "the KSR's id %s is the previous SKR's", ksr.ID)
	}
	used := map[string]bool{}
	for _, b := range prev.Response.Bundles {
		used[b.ID] = true
	}
	for _, b := range ksr.Request.Bundles {
		if used[b.ID] {
			add("KSR-BUNDLE-UNIQUE", b.ID, "the previous SKR has a bundle with this id")
		}
	}
	last := prev.Response.Bundles[len(prev.Response.Bundles)-1]
	first := ksr.Request.Bundles[0]
	for _, k := range first.Keys {
		if !slices.ContainsFunc(last.Keys, func(l BundleKey) bool { return string(l.RDATA()) == string(k.RDATA()) }) {
			add("KSR-CHAIN-KEYS", first.ID, "key %s (tag %d) of the first bundle is not in the previous SKR's last bundle", k.Identifier, k.Key.Tag())
		}
	}
	overlap := last.Expiration.Sub(first.Inception)
	if overlap < 0 {
		add("KSR-CHAIN-OVERLAP", first.ID, "a gap of %v after the previous SKR's last bundle", -overlap)
	} else if overlap < p.OverlapMin || overlap > p.OverlapMax {
		add("KSR-CHAIN-OVERLAP", first.ID, "overlaps the previous SKR's last bundle by %v; the policy allows %v to %v", overlap, p.OverlapMin, p.OverlapMax)
	}
	return probs
}
