package dnssec

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is a check that failed, by the name the check goes by.
type Problem struct {
	Check  string // "SKR-BUNDLE-SIGNATURES"
	Bundle string // the bundle's id, "" for the whole file
	Detail string
}

func (p Problem) String() string {
	if p.Bundle == "" {
		return p.Check + ": " + p.Detail
	}
	return fmt.Sprintf("%s: bundle %s: %s", p.Check, p.Bundle, p.Detail)
}

// BundleView is one bundle as the room and the auditor see it: its times,
// its ZSK and KSK tags, and which KSKs sign it.
type BundleView struct {
	ID                    string
	Inception, Expiration string
	ZSKs, KSKs, Signers   []uint16
	Revoked               []uint16
}

// labels counts a domain's labels, as an RRSIG's Labels field does.
func labels(domain string) int {
	d := strings.Trim(domain, ".")
	if d == "" {
		return 0
	}
	return strings.Count(d, ".") + 1
}

// CheckResponse checks an SKR: in every bundle each key's tag is the one
// its data gives, the keys share one TTL, and at least one signature, each
// by a key-signing key of the bundle, for the domain and the bundle's
// times, within the KSK policy's validity, verifies over the bundle's
// DNSKEY RRset. It returns every problem found and the bundles' views.
func CheckResponse(f *File) ([]Problem, []BundleView) {
	var probs []Problem
	add := func(check, bundle, format string, a ...any) {
		probs = append(probs, Problem{Check: check, Bundle: bundle, Detail: fmt.Sprintf(format, a...)})
	}
	if f.Response == nil {
		add("SKR-FORMAT", "", "the file is a request, not a response")
		return probs, nil
	}
	var views []BundleView
	for _, b := range f.Response.Bundles {
		v := BundleView{ID: b.ID, Inception: b.Inception.Format("2006-01-02 15:04"), Expiration: b.Expiration.Format("2006-01-02 15:04")}
		keys := make([]Key, len(b.Keys))
		for i, k := range b.Keys {
			keys[i] = k.Key
			if got := k.Key.Tag(); got != k.Tag {
				add("SKR-BUNDLE-KEYS", b.ID, "key %s states tag %d; its data gives %d", k.Identifier, k.Tag, got)
			}
			if k.Protocol != 3 {
				add("SKR-BUNDLE-KEYS", b.ID, "key %s has protocol %d, not 3", k.Identifier, k.Protocol)
			}
			if k.TTL != b.Keys[0].TTL {
				add("SKR-BUNDLE-KEYS", b.ID, "key %s has TTL %d, the bundle's first key %d", k.Identifier, k.TTL, b.Keys[0].TTL)
			}
			switch {
			case k.Flags == FlagZone:
				v.ZSKs = append(v.ZSKs, k.Key.Tag())
			case k.Flags == FlagZone|FlagSEP:
				v.KSKs = append(v.KSKs, k.Key.Tag())
			case k.Flags == FlagZone|FlagSEP|FlagRevoke:
				v.Revoked = append(v.Revoked, k.Key.Tag())
			default:
				add("SKR-BUNDLE-KEYS", b.ID, "key %s has flags %d", k.Identifier, k.Flags)
			}
		}
		if len(b.Signatures) == 0 {
			add("SKR-BUNDLE-SIGNATURES", b.ID, "no signature")
		}
		for _, s := range b.Signatures {
			i := slices.IndexFunc(b.Keys, func(k BundleKey) bool { return k.Identifier == s.Identifier && k.Key.Tag() == s.KeyTag })
			if i < 0 {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s (tag %d) names no key of the bundle", s.Identifier, s.KeyTag)
				continue
			}
			k := b.Keys[i]
			if k.Flags&FlagSEP == 0 {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s, a zone-signing key", s.Identifier)
			}
			if int(s.Labels) != labels(f.Domain) || !strings.EqualFold(strings.Trim(s.SignerName, "."), strings.Trim(f.Domain, ".")) {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s has labels %d and signer %q for domain %q", s.Identifier, s.Labels, s.SignerName, f.Domain)
			}
			if !s.Inception.Equal(b.Inception) || !s.Expiration.Equal(b.Expiration) {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s runs %s to %s, not the bundle's times", s.Identifier, s.Inception, s.Expiration)
			}
			if s.OriginalTTL != k.TTL {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s has original TTL %d, the keys %d", s.Identifier, s.OriginalTTL, k.TTL)
			}
			if err := s.RRSIG.Verify(f.Domain, keys, k.Key); err != nil {
				add("SKR-BUNDLE-SIGNATURES", b.ID, "signature by %s (tag %d) does not verify over the bundle's DNSKEY RRset: %v", s.Identifier, s.KeyTag, err)
			} else {
				v.Signers = append(v.Signers, s.KeyTag)
			}
			if p := f.Response.KSK; p != nil {
				if d := s.Expiration.Sub(s.Inception); d < p.MinSignatureValidity || d > p.MaxSignatureValidity {
					add("SKR-POLICY-SIG-VALIDITY", b.ID, "signature by %s is valid %v; the KSK policy allows %v to %v", s.Identifier, d, p.MinSignatureValidity, p.MaxSignatureValidity)
				}
			}
		}
		views = append(views, v)
	}
	return probs, views
}

// CheckSignedBy holds every bundle of an SKR to a KSK the checker trusts
// (from the KSK ceremony's DNSKEY file, or the zone's trust anchor): each
// bundle must carry a signature by one of keys that verifies.
func CheckSignedBy(f *File, keys []Key) []Problem {
	var probs []Problem
	if f.Response == nil {
		return nil
	}
	for _, b := range f.Response.Bundles {
		set := make([]Key, len(b.Keys))
		for i, k := range b.Keys {
			set[i] = k.Key
		}
		ok := slices.ContainsFunc(b.Signatures, func(s BundleSignature) bool {
			return slices.ContainsFunc(keys, func(k Key) bool { return k.Tag() == s.KeyTag && s.RRSIG.Verify(f.Domain, set, k) == nil })
		})
		if !ok {
			probs = append(probs, Problem{Check: "SKR-TRUSTED-KSK", Bundle: b.ID, Detail: "no signature by a KSK of the trusted keys verifies"})
		}
	}
	return probs
}
