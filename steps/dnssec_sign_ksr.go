package steps

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/dnssec"
)

// EvDNSSECSigned records an SKR made: the KSR's hash, the checks it
// passed, the KSKs and what each did, and the SKR's hash.
const EvDNSSECSigned = "dnssec.signed"

// StandIns make rehearsal inputs that cannot be fixed text in a script: a
// KSR's bundles must lie ahead of the rehearsal's clock.
var StandIns = map[string]func(now time.Time) ([]byte, error){
	"dnssec-ksr": func(now time.Time) ([]byte, error) {
		f, _, err := dnssec.StandInRequest(now)
		if err != nil {
			return nil, err
		}
		return dnssec.Marshal(f), nil
	},
}

// DNSSECSignKSR: check a KSR as the root's KSK operator does (the room
// confirmed its hash out of band first), show every check and the
// bundles, and once the room confirms, sign each bundle's DNSKEY RRset
// with the KSKs the schema names, verify every signature, check the
// result and the KSKs' publish and retire safety, and save the SKR.
// Lua: dnssec.sign_ksr { ksr = input "ksr", previous = input "skr", sign = { "ksk-2017" },
//
//	publish = { ... }, revoke = { ... }, out = "skr.xml" } -> { skr, sha256, bundles }
type DNSSECSignKSR struct {
	At
	KSR, Previous          string // inputs
	Sign, Publish, Revoke  []string
	Out                    string
	AllowECDSA, AllowEdDSA bool
	// Policy are "name = value" changes to the root's KSR policy.
	Policy []string
	// ValidFrom and ValidUntil bound when the KSKs may sign (RFC 3339);
	// a bundle outside them is refused.
	ValidFrom, ValidUntil time.Time
}

func init() {
	register(Primitive{Name: "dnssec.sign_ksr", Parse: func(a Args, at At) (Call, error) {
		c := DNSSECSignKSR{At: at, Policy: a.Strings("policy"), KSR: a.Input("ksr"), Previous: a.Input("previous"), Sign: a.Strings("sign"), Publish: a.Strings("publish"),
			Revoke: a.Strings("revoke"), Out: a.String("out", true), AllowECDSA: a.Bool("allow_ecdsa", false), AllowEdDSA: a.Bool("allow_eddsa", false)}
		if c.KSR == "" {
			return nil, errors.New("ksr: the KSR input is required")
		}
		if _, err := c.policy(); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			key string
			out *time.Time
		}{{"valid_from", &c.ValidFrom}, {"valid_until", &c.ValidUntil}} {
			if v := a.String(f.key, false); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return nil, fmt.Errorf("%s %q: a time like 2026-01-01T00:00:00Z", f.key, v)
				}
				*f.out = t
			}
		}
		if len(c.Sign)+len(c.Revoke) == 0 {
			return nil, errors.New("sign: name the KSK labels that sign")
		}
		return c, nil
	}})
}

// policy is the root's KSR policy with the script's changes.
func (c DNSSECSignKSR) policy() (dnssec.RequestPolicy, error) {
	p := dnssec.RootPolicy()
	p.AllowECDSA, p.AllowEdDSA = c.AllowECDSA, c.AllowEdDSA
	return p, p.Apply(c.Policy)
}

func (c DNSSECSignKSR) Placeholder() any {
	return map[string]any{"skr": c.Out, "sha256": "{sha256}", "bundles": 9}
}
func (c DNSSECSignKSR) Brief() string {
	return c.brief(c.KSR + " with " + strings.Join(append(append([]string{}, c.Sign...), c.Revoke...), ", "))
}
func (c DNSSECSignKSR) Paper() string {
	prev := "without a previous SKR"
	if c.Previous != "" {
		prev = "against the previous SKR of input " + c.Previous
	}
	schema := "signing with " + strings.Join(c.Sign, ", ")
	if len(c.Publish) > 0 {
		schema += ", publishing " + strings.Join(c.Publish, ", ")
	}
	if len(c.Revoke) > 0 {
		schema += ", revoking (and signing with) " + strings.Join(c.Revoke, ", ")
	}
	pol := "the root's policy"
	if len(c.Policy) > 0 {
		pol += " changed by " + strings.Join(c.Policy, "; ")
	}
	return fmt.Sprintf("Check the KSR of input %s %s with %s, then sign it into %s, %s", c.KSR, prev, pol, c.Out, schema)
}
func (c DNSSECSignKSR) Lint(l Linter) {
	l.Input(c.KSR)
	if c.Previous != "" {
		l.Input(c.Previous)
	}
	l.Artifact(c.Out)
}

type dnssecSignedData struct {
	KSR      string   `json:"ksr_sha256"`
	KSRID    string   `json:"ksr_id"`
	Previous string   `json:"previous_sha256,omitempty"`
	Checks   []string `json:"checks_passed"`
	Sign     []string `json:"sign"`
	Publish  []string `json:"publish,omitempty"`
	Revoke   []string `json:"revoke,omitempty"`
	Bundles  int      `json:"bundles"`
	Out      string   `json:"out"`
	SHA256   string   `json:"sha256"`
}

// requestChecks are the checks of a KSR, as they are shown to the room.
var requestChecks = []string{"KSR-DOMAIN", "KSR-BUNDLE-UNIQUE", "KSR-BUNDLE-KEYS", "KSR-BUNDLE-POP", "KSR-BUNDLE-COUNT",
	"KSR-BUNDLE-CYCLE-DURATION", "KSR-POLICY-KEYS", "KSR-POLICY-ALG", "KSR-POLICY-SIG-OVERLAP", "KSR-POLICY-SIG-VALIDITY",
	"KSR-POLICY-SIG-HORIZON", "KSR-POLICY-BUNDLE-INTERVALS"}

var chainChecks = []string{"KSR-ID", "KSR-CHAIN-KEYS", "KSR-CHAIN-OVERLAP"}

func (c DNSSECSignKSR) Run(ctx context.Context, h Host) (any, error) {
	var d dnssecSignedData
	rec, err := replaySigned(h, c, EvDNSSECSigned, "interrupted before the SKR was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		ksr, err := h.Input(c.KSR)
		if err != nil {
			return nil, err
		}
		if d.KSR != DigestOf(ksr).Hex {
			return nil, diverged(h, rec, "an SKR for a KSR with SHA-256 %s is recorded where the script signs input %s", d.KSR, c.KSR)
		}
		if err := checkArtifact(h, rec, d.Out, d.SHA256); err != nil {
			return nil, err
		}
	} else if d, err = c.sign(ctx, h); err != nil {
		return nil, err
	}
	return map[string]any{"skr": d.Out, "sha256": d.SHA256, "bundles": d.Bundles}, nil
}

func (c DNSSECSignKSR) sign(ctx context.Context, h Host) (dnssecSignedData, error) {
	raw, err := h.Input(c.KSR)
	if err != nil {
		return dnssecSignedData{}, err
	}
	d := dnssecSignedData{KSR: DigestOf(raw).Hex, Sign: c.Sign, Publish: c.Publish, Revoke: c.Revoke}
	if want, ok := h.Session().confirmed[c.KSR]; !ok || want != d.KSR {
		return d, fmt.Errorf("input %s was not confirmed out of band with this hash: verify_out_of_band { input %q } comes before it is signed", c.KSR, c.KSR)
	}
	ksr, err := dnssec.Parse(raw)
	if err != nil {
		return d, fmt.Errorf("input %s: %w", c.KSR, err)
	}
	d.KSRID = ksr.ID
	var prev *dnssec.File
	checks := requestChecks
	if c.Previous != "" {
		pb, err := h.Input(c.Previous)
		if err != nil {
			return d, err
		}
		if prev, err = dnssec.Parse(pb); err != nil {
			return d, fmt.Errorf("input %s: %w", c.Previous, err)
		}
		d.Previous = DigestOf(pb).Hex
		checks = append(append([]string{}, requestChecks...), chainChecks...)
	}
	pol, _ := c.policy()
	if probs := dnssec.CheckRequest(ksr, prev, pol, h.Now()); len(probs) > 0 {
		lines := make([]string, len(probs))
		for i, p := range probs {
			lines[i] = p.String()
		}
		return d, fmt.Errorf("the KSR fails %d checks, and nothing is signed:\n  %s", len(probs), strings.Join(lines, "\n  "))
	}
	d.Checks = checks
	// The keys of the schema, from the token.
	var ksks []dnssec.SigningKey
	for _, group := range [][]string{c.Sign, c.Publish, c.Revoke} {
		for _, label := range group {
			key, err := tokenKey(ctx, h, label)
			if err != nil {
				return d, err
			}
			// dnssec.Sign verifies each signature itself, over the
			// very bytes it writes; the token key need not do it again.
			signer := key
			if u, ok := key.(interface{ Unverified() crypto.Signer }); ok {
				signer = u.Unverified()
			}
			ksks = append(ksks, dnssec.SigningKey{Label: label, Public: key.Public(), Signer: signer, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil})
		}
	}
	if prev != nil {
		// The KSKs that signed the last SKR's last bundle are still here:
		// the zone's trust does not hang on a key this room cannot use.
		last := prev.Response.Bundles[len(prev.Response.Bundles)-1]
		for _, sg := range last.Signatures {
			key, err := tokenKey(ctx, h, sg.Identifier)
			if err != nil {
				return d, fmt.Errorf("KSK %s, which signed the previous SKR's last bundle, is not on the token: %w", sg.Identifier, err)
			}
			k, err := dnssec.KeyFromPublic(key.Public(), dnssec.FlagZone|dnssec.FlagSEP)
			revoked := k
			revoked.Flags |= dnssec.FlagRevoke
			if err != nil || sg.KeyTag != k.Tag() && sg.KeyTag != revoked.Tag() {
				return d, fmt.Errorf("the token's key %s is not the KSK (tag %d) that signed the previous SKR", sg.Identifier, sg.KeyTag)
			}
		}
	}
	var table strings.Builder
	fmt.Fprintf(&table, "KSR %s (SHA-256 %s) passes every check: %s.\n  #  inception         expiration        ZSK tags\n", ksr.ID, d.KSR[:16], strings.Join(checks, ", "))
	for i, b := range ksr.Request.Bundles {
		var tags []string
		for _, k := range b.Keys {
			tags = append(tags, fmt.Sprint(k.Key.Tag()))
		}
		fmt.Fprintf(&table, "  %d  %s  %s  %s\n", i+1, b.Inception.Format("2006-01-02 15:04"), b.Expiration.Format("2006-01-02 15:04"), strings.Join(tags, " "))
	}
	var roles []string
	for _, k := range ksks {
		flags, mark := uint16(dnssec.FlagZone|dnssec.FlagSEP), "S"
		switch {
		case slices.Contains(c.Publish, k.Label):
			mark = "P"
		case slices.Contains(c.Revoke, k.Label):
			flags, mark = flags|dnssec.FlagRevoke, "R"
		}
		key, err := dnssec.KeyFromPublic(k.Public, flags)
		if err != nil {
			return d, fmt.Errorf("KSK %s: %w", k.Label, err)
		}
		roles = append(roles, fmt.Sprintf("%d %s (%s)", key.Tag(), mark, k.Label))
	}
	table.WriteString("KSK tags in every bundle (S signs, P published, R revoked and signing): " + strings.Join(roles, ", ") + ".\nConfirm to sign.")
	if err := confirmStep(ctx, h, table.String()); err != nil {
		return d, err
	}
	kpol := dnssec.RootKSKPolicy()
	resp, err := dnssec.Respond(ksr, ksks, dnssec.Schema{Sign: c.Sign, Publish: c.Publish, Revoke: c.Revoke}, kpol)
	if err != nil {
		return d, err
	}
	// Each signature was verified in software as it was made; what is
	// written is those bundles (the writer's round trip is tested).
	if probs := dnssec.CheckSafety(resp, prev, kpol); len(probs) > 0 {
		return d, fmt.Errorf("the SKR fails the KSKs' safety checks, and is not saved: %v", probs)
	}
	out := dnssec.Marshal(resp)
	d.Bundles = len(resp.Response.Bundles)
	if d.Out, err = saveOnce(h, c.Out, out); err != nil {
		return d, err
	}
	sum := DigestOf(out)
	d.SHA256 = sum.Hex
	text := fmt.Sprintf("The SKR is saved as %s: %d bundles signed and verified.\nIts SHA-256, for the ZSK operator to check on receipt:\n  %s\n  %s", d.Out, d.Bundles, sum.Hex, strings.Join(sum.Words, " "))
	if err := confirmStep(ctx, h, text); err != nil {
		return d, err
	}
	return d, h.Append(EvDNSSECSigned, "", d)
}
