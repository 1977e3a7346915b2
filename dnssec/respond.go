package dnssec

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SigningKey is a key-signing key on the token, by its label (CKA_LABEL,
// the keyIdentifier in the SKR), with the period it may be used in.
type SigningKey struct {
	Label      string
	Public     crypto.PublicKey
	Signer     crypto.Signer // nil for a key only published
	ValidFrom  time.Time     // zero: no bound
	ValidUntil time.Time
}

// Schema says what each KSK does in every bundle: Publish only puts it in
// the DNSKEY RRset (a new key before a rollover, an old one after); Sign
// publishes it and signs with it; Revoke publishes it with the REVOKE flag
// and signs with it too (RFC 5011). The root's schemas are these lists:
// normal {Sign: current}, pre-publish {Sign: current, Publish: next},
// rollover {Sign: next, Publish: current}, revoke {Sign: next, Revoke: old}.
type Schema struct {
	Publish, Sign, Revoke []string
}

// KSKPolicy is the KSK operator's policy, written into the SKR and held to
// its signatures: the root's is RootKSKPolicy.
type KSKPolicy struct {
	Policy
	TTL uint32
}

// RootKSKPolicy is the root KSK operator's: TTL 172800, no publish safety,
// 28 days' retire safety, 21-day signatures overlapping 9 to 16 days,
// RSA/SHA-256 2048-bit keys.
func RootKSKPolicy() KSKPolicy {
	day := 24 * time.Hour
	return KSKPolicy{TTL: 172800, Policy: Policy{PublishSafety: 0, RetireSafety: 28 * day, MaxSignatureValidity: 21 * day,
		MinSignatureValidity: 21 * day, MaxValidityOverlap: 16 * day, MinValidityOverlap: 9 * day,
		Algorithms: []PolicyAlgorithm{{Algorithm: RSASHA256, RSASize: 2048, RSAExp: 65537}}}}
}

// Respond signs a checked KSR: one response bundle for each request
// bundle, with its id and times, holding the request's ZSKs and the KSKs
// the schema names, all with the policy's TTL, and one RRSIG by each
// signing KSK over the whole DNSKEY RRset, each verified before it is
// kept. A KSK outside its valid period is refused.
func Respond(ksr *File, ksks []SigningKey, sch Schema, pol KSKPolicy) (*File, error) {
	if ksr.Request == nil {
		return nil, fmt.Errorf("dnssec: the file is not a request")
	}
	find := func(label string) (SigningKey, error) {
		i := slices.IndexFunc(ksks, func(k SigningKey) bool { return k.Label == label })
		if i < 0 {
			return SigningKey{}, fmt.Errorf("dnssec: the schema names KSK %q, which is not on the token", label)
		}
		return ksks[i], nil
	}
	if len(sch.Sign)+len(sch.Revoke) == 0 {
		return nil, fmt.Errorf("dnssec: the schema names no KSK to sign with")
	}
	out := &File{ID: ksr.ID, Domain: ksr.Domain, Serial: ksr.Serial,
		Response: &Part{ZSK: ksr.Request.ZSK, KSK: &pol.Policy}}
	for _, rb := range ksr.Request.Bundles {
		b := Bundle{ID: rb.ID, Inception: rb.Inception, Expiration: rb.Expiration}
		for _, k := range rb.Keys {
			k.TTL = pol.TTL
			b.Keys = append(b.Keys, k)
		}
		type signing struct {
			label string
			key   Key
			s     crypto.Signer
		}
		var signers []signing
		for _, role := range []struct {
			labels []string
			flags  uint16
			signs  bool
		}{{sch.Publish, FlagZone | FlagSEP, false}, {sch.Sign, FlagZone | FlagSEP, true}, {sch.Revoke, FlagZone | FlagSEP | FlagRevoke, true}} {
			for _, label := range role.labels {
				sk, err := find(label)
				if err != nil {
					return nil, err
				}
				if !sk.ValidFrom.IsZero() && b.Inception.Before(sk.ValidFrom) || !sk.ValidUntil.IsZero() && b.Expiration.After(sk.ValidUntil) {
					return nil, fmt.Errorf("dnssec: bundle %s (%s to %s) is outside KSK %s's valid period", b.ID, b.Inception.Format(time.RFC3339), b.Expiration.Format(time.RFC3339), label)
				}
				key, err := KeyFromPublic(sk.Public, role.flags)
				if err != nil {
					return nil, err
				}
				b.Keys = append(b.Keys, BundleKey{Identifier: label, Tag: key.Tag(), TTL: pol.TTL, Key: key})
				if role.signs {
					if sk.Signer == nil {
						return nil, fmt.Errorf("dnssec: KSK %s signs, but only its public key is given", label)
					}
					signers = append(signers, signing{label, key, sk.Signer})
				}
			}
		}
		keys := make([]Key, len(b.Keys))
		for i, k := range b.Keys {
			keys[i] = k.Key
		}
		for _, sg := range signers {
			s, err := Sign(sg.s, sg.key, RRSIG{Labels: uint8(labels(ksr.Domain)), OriginalTTL: pol.TTL, Expiration: b.Expiration,
				Inception: b.Inception, SignerName: ksr.Domain}, ksr.Domain, keys)
			if err != nil {
				return nil, fmt.Errorf("bundle %s, KSK %s: %w", b.ID, sg.label, err)
			}
			b.Signatures = append(b.Signatures, BundleSignature{Identifier: sg.label, TTL: pol.TTL, RRSIG: s})
		}
		out.Response.Bundles = append(out.Response.Bundles, b)
	}
	return out, nil
}

// CheckSafety holds a response's KSKs to the policy's publish and retire
// safety, given the SKR before it: a KSK signs only once it has been
// published for PublishSafety, and one that signed stays published for
// RetireSafety after its last signature expires.
func CheckSafety(resp, prev *File, pol KSKPolicy) []Problem {
	var probs []Problem
	var bundles []Bundle
	if prev != nil && prev.Response != nil {
		bundles = append(bundles, prev.Response.Bundles...)
	}
	own := len(bundles)
	bundles = append(bundles, resp.Response.Bundles...)
	published := map[string]time.Time{} // KSK data -> first published
	lastSigned := map[string]time.Time{}
	for i, b := range bundles {
		present := map[string]bool{}
		for _, k := range b.Keys {
			if k.Flags&FlagSEP == 0 {
				continue
			}
			id := string(Key{Flags: FlagZone | FlagSEP, Protocol: k.Protocol, Algorithm: k.Algorithm, PublicKey: k.PublicKey}.RDATA())
			present[id] = true
			if _, ok := published[id]; !ok {
				published[id] = b.Inception
			}
			signs := slices.ContainsFunc(b.Signatures, func(s BundleSignature) bool { return s.KeyTag == k.Key.Tag() })
			if signs && i >= own && b.Inception.Sub(published[id]) < pol.PublishSafety {
				probs = append(probs, Problem{Check: "SKR-PUBLISH-SAFETY", Bundle: b.ID, Detail: fmt.Sprintf("KSK %s signs %v after it was first published; the policy needs %v", k.Identifier, b.Inception.Sub(published[id]), pol.PublishSafety)})
			}
			if signs {
				lastSigned[id] = b.Expiration
			}
		}
		for id, until := range lastSigned {
			if !present[id] && i >= own && b.Inception.Before(until.Add(pol.RetireSafety)) {
				probs = append(probs, Problem{Check: "SKR-RETIRE-SAFETY", Bundle: b.ID, Detail: fmt.Sprintf("a KSK that signed until %s is gone; the policy keeps it %v more", until.Format(time.RFC3339), pol.RetireSafety)})
				delete(lastSigned, id)
			}
		}
	}
	return probs
}

// Marshal writes the file in IANA's shape, times as 2017-04-01T00:00:00+00:00.
func Marshal(f *File) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e strings.Builder
		xml.EscapeText(&e, []byte(s))
		return strings.ReplaceAll(e.String(), `"`, "&#34;")
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
	dur := func(d time.Duration) string {
		if d%(24*time.Hour) == 0 && d > 0 {
			return fmt.Sprintf("P%dD", d/(24*time.Hour))
		}
		return fmt.Sprintf("PT%dS", int64(d/time.Second))
	}
	policy := func(name string, p *Policy) {
		fmt.Fprintf(&b, "<%s>\n<PublishSafety>%s</PublishSafety>\n<RetireSafety>%s</RetireSafety>\n<MaxSignatureValidity>%s</MaxSignatureValidity>\n<MinSignatureValidity>%s</MinSignatureValidity>\n<MaxValidityOverlap>%s</MaxValidityOverlap>\n<MinValidityOverlap>%s</MinValidityOverlap>\n",
			name, dur(p.PublishSafety), dur(p.RetireSafety), dur(p.MaxSignatureValidity), dur(p.MinSignatureValidity), dur(p.MaxValidityOverlap), dur(p.MinValidityOverlap))
		for _, a := range p.Algorithms {
			fmt.Fprintf(&b, "<SignatureAlgorithm algorithm=\"%d\">\n", a.Algorithm)
			if a.RSASize > 0 {
				fmt.Fprintf(&b, "<RSA size=\"%d\" exponent=\"%d\"/>\n", a.RSASize, a.RSAExp)
			}
			if a.ECDSASize > 0 {
				fmt.Fprintf(&b, "<ECDSA size=\"%d\"/>\n", a.ECDSASize)
			}
			b.WriteString("</SignatureAlgorithm>\n")
		}
		fmt.Fprintf(&b, "</%s>\n", name)
	}
	part, bundleTag, policyTag := f.Response, "ResponseBundle", "ResponsePolicy"
	if part == nil {
		part, bundleTag, policyTag = f.Request, "RequestBundle", "RequestPolicy"
	}
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KSR id=\"%s\" domain=\"%s\" serial=\"%d\">\n", esc(f.ID), esc(f.Domain), f.Serial)
	if f.Response != nil {
		b.WriteString("<Response>\n")
	} else {
		b.WriteString("<Request>\n")
	}
	fmt.Fprintf(&b, "<%s>\n", policyTag)
	if part.KSK != nil {
		policy("KSK", part.KSK)
	}
	policy("ZSK", part.ZSK)
	fmt.Fprintf(&b, "</%s>\n", policyTag)
	for _, bd := range part.Bundles {
		fmt.Fprintf(&b, "<%s id=\"%s\">\n<Inception>%s</Inception>\n<Expiration>%s</Expiration>\n", bundleTag, esc(bd.ID), ts(bd.Inception), ts(bd.Expiration))
		for _, k := range bd.Keys {
			fmt.Fprintf(&b, "<Key keyIdentifier=\"%s\" keyTag=\"%d\">\n<TTL>%d</TTL>\n<Flags>%d</Flags>\n<Protocol>%d</Protocol>\n<Algorithm>%d</Algorithm>\n<PublicKey>%s</PublicKey>\n</Key>\n",
				esc(k.Identifier), k.Key.Tag(), k.TTL, k.Flags, k.Protocol, k.Algorithm, base64.StdEncoding.EncodeToString(k.PublicKey))
		}
		for _, s := range bd.Signatures {
			fmt.Fprintf(&b, "<Signature keyIdentifier=\"%s\">\n<TTL>%d</TTL>\n<TypeCovered>DNSKEY</TypeCovered>\n<Algorithm>%d</Algorithm>\n<Labels>%d</Labels>\n<OriginalTTL>%d</OriginalTTL>\n<SignatureExpiration>%s</SignatureExpiration>\n<SignatureInception>%s</SignatureInception>\n<KeyTag>%d</KeyTag>\n<SignersName>%s</SignersName>\n<SignatureData>%s</SignatureData>\n</Signature>\n",
				esc(s.Identifier), s.TTL, s.Algorithm, s.Labels, s.OriginalTTL, ts(s.Expiration), ts(s.Inception), s.KeyTag, esc(s.SignerName), base64.StdEncoding.EncodeToString(s.Signature))
		}
		fmt.Fprintf(&b, "</%s>\n", bundleTag)
	}
	if f.Response != nil {
		b.WriteString("</Response>\n</KSR>\n")
	} else {
		b.WriteString("</Request>\n</KSR>\n")
	}
	return b.Bytes()
}
