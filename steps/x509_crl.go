package steps

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/x509ca"
)

// EvX509CRL records a CRL made: its number, dates, what it revokes, what
// was linted, and the file.
const EvX509CRL = "x509.crl"

// maxCRLValidity is the longest a CRL of an offline CA may be valid: it is
// made anew at least once a year.
const maxCRLValidity = 366 * 24 * time.Hour

// X509CRL: the issuer's next CRL, numbered above the previous one (an
// input; the first CRL is number 1), keeping what it revoked and revoking
// the named intermediates with a reason, linted before the key signs it.
// Lua: x509.crl { issuer = "root.crt" | issuer_cert = input "root", key = "root-2026", previous = input "crl" | previous_from = "root-1.crl",
//
//	revoke = { "prod" }, reason = "keyCompromise", next_update = "8760h", out = "root.crl" } -> { crl, number, revoked }
type X509CRL struct {
	At
	Issuer     source
	Key        string
	Previous   source
	Revoke     []string
	Reason     string
	NextUpdate string
	Out        string
	Lints      x509ca.Lints
	Ledger     source
	validFor   time.Duration
}

func init() {
	register(Primitive{Name: "x509.crl", Parse: func(a Args, at At) (Call, error) {
		c := X509CRL{At: at, Key: a.String("key", true), Revoke: a.Strings("revoke"),
			Reason: a.String("reason", false), NextUpdate: a.String("next_update", true), Out: a.String("out", true), Lints: x509ca.PrivatePKI}
		var err error
		if c.Issuer, err = readSource(a, "the issuer's certificate", "issuer_cert", "issuer", true); err != nil {
			return nil, err
		}
		if c.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false); err != nil {
			return nil, err
		}
		if c.Previous, err = readSource(a, "the previous CRL", "previous", "previous_from", false); err != nil {
			return nil, err
		}
		if ex := a.Strings("lint_exclude"); ex != nil {
			c.Lints.ExcludeSources = ex
		}
		c.Lints.ExcludeNames = a.Strings("lint_exclude_names")
		d, forever, err := parseValidity(c.NextUpdate)
		if err != nil || forever || d > maxCRLValidity {
			return nil, fmt.Errorf("next_update %q: a number and h, d or w, at most a year (\"8760h\")", c.NextUpdate)
		}
		c.validFor = d
		if len(c.Revoke) > 0 && c.Reason == "" {
			c.Reason = "unspecified"
		}
		if _, ok := x509ca.Reasons[c.Reason]; c.Reason != "" && !ok {
			return nil, fmt.Errorf("reason %q: one of keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, unspecified", c.Reason)
		}
		return c, nil
	}})
}

func (c X509CRL) Placeholder() any {
	return map[string]any{"crl": c.Out, "number": 1, "revoked": 0}
}
func (c X509CRL) Brief() string { return c.brief(c.Out + " with " + c.Key) }
func (c X509CRL) Paper() string {
	revoke := "revoking nothing new"
	if len(c.Revoke) > 0 {
		revoke = fmt.Sprintf("revoking %s (%s)", strings.Join(c.Revoke, ", "), c.Reason)
	}
	prev := "as the first CRL, number 1"
	if c.Previous.given() {
		prev = "numbered above " + c.Previous.paper() + ", keeping what it revoked"
	}
	return fmt.Sprintf("Make the CRL %s of %s with key %s, %s, %s; thisUpdate the ceremony's time, nextUpdate %s later",
		c.Out, c.Issuer.paper(), c.Key, prev, revoke, c.NextUpdate)
}
func (c X509CRL) Lint(l Linter) {
	c.Issuer.lint(l)
	c.Ledger.lint(l)
	c.Previous.lint(l)
	l.Artifact(c.Out)
}

type x509CRLData struct {
	Issuer     string             `json:"issuer"`
	Number     string             `json:"number"`
	ThisUpdate string             `json:"this_update"`
	NextUpdate string             `json:"next_update"`
	Revoked    []string           `json:"revoked"` // serials, hex
	Newly      []string           `json:"newly_revoked,omitempty"`
	Reason     string             `json:"reason,omitempty"`
	Lint       *x509ca.LintReport `json:"lint"`
	Out        string             `json:"out"`
	SHA256     string             `json:"sha256"`
}

func (c X509CRL) Run(ctx context.Context, h Host) (any, error) {
	var d x509CRLData
	rec, err := replaySigned(h, c, EvX509CRL, "interrupted before the CRL was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.Out != c.Out && !strings.HasPrefix(d.Out, c.Out+".") {
			return nil, diverged(h, rec, "CRL %s is recorded where the script makes %s", d.Out, c.Out)
		}
		if err := checkArtifact(h, rec, d.Out, d.SHA256); err != nil {
			return nil, err
		}
		if len(c.Revoke) > 0 {
			// The ledger marks what this CRL revoked, as the recorded run did.
			if err := c.markRevoked(h, d); err != nil {
				return nil, diverged(h, rec, "%v", err)
			}
		}
	} else if d, err = c.issue(ctx, h); err != nil {
		return nil, err
	}
	return map[string]any{"crl": d.Out, "number": d.Number, "revoked": len(d.Revoked)}, nil
}

func (c X509CRL) issue(ctx context.Context, h Host) (x509CRLData, error) {
	issuer, err := c.Issuer.certificate(h)
	if err != nil {
		return x509CRLData{}, err
	}
	now := h.Now().UTC().Truncate(time.Second)
	req := x509ca.CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(c.validFor)}
	if pb, ok, err := c.Previous.read(h); err != nil {
		return x509CRLData{}, err
	} else if ok {
		if req.Previous, err = x509ca.ParseCRL(pb); err != nil {
			return x509CRLData{}, fmt.Errorf("%s: %w", c.Previous.What, err)
		}
		if req.Previous.Number != nil {
			req.Number = new(big.Int).Add(req.Previous.Number, big.NewInt(1))
		}
	}
	var newly []string
	if len(c.Revoke) > 0 {
		led, err := h.Session().ledger(h, c.Ledger, issuer.Subject.String())
		if err != nil {
			return x509CRLData{}, err
		}
		for _, what := range c.Revoke {
			i, ok := led.Find(what)
			if !ok {
				return x509CRLData{}, fmt.Errorf("the ledger has no intermediate or serial %q to revoke", what)
			}
			r := led.Certificates[i]
			if r.Issuer != issuer.Subject.String() {
				return x509CRLData{}, fmt.Errorf("%s was issued by %s, not by this CRL's issuer", what, r.Issuer)
			}
			serial, _ := new(big.Int).SetString(r.Serial, 16)
			req.Revoked = append(req.Revoked, x509ca.Revocation{Serial: serial, At: now, Reason: c.Reason})
			newly = append(newly, r.Serial)
		}
	}
	key, err := tokenKey(ctx, h, c.Key)
	if err != nil {
		return x509CRLData{}, err
	}
	crl, err := x509ca.IssueCRL(key, issuer, req, c.Lints)
	if err != nil {
		return x509CRLData{}, err
	}
	d := x509CRLData{Issuer: issuer.Subject.String(), Number: crl.CRL.Number.String(), ThisUpdate: crl.CRL.ThisUpdate.UTC().Format(time.RFC3339),
		NextUpdate: crl.CRL.NextUpdate.UTC().Format(time.RFC3339), Revoked: []string{}, Newly: newly, Lint: crl.Lint, SHA256: DigestOf(x509ca.PEM("X509 CRL", crl.DER)).Hex}
	if len(newly) > 0 {
		d.Reason = c.Reason
	}
	for _, e := range crl.CRL.RevokedCertificateEntries {
		d.Revoked = append(d.Revoked, fmt.Sprintf("%x", e.SerialNumber))
	}
	if d.Out, err = saveOnce(h, c.Out, x509ca.PEM("X509 CRL", crl.DER)); err != nil {
		return x509CRLData{}, err
	}
	text := fmt.Sprintf("CRL number %s of %s, saved as %s\n  thisUpdate %s\n  nextUpdate %s\n  revokes    %d certificates", d.Number, d.Issuer, d.Out, d.ThisUpdate, d.NextUpdate, len(d.Revoked))
	if len(newly) > 0 {
		text += fmt.Sprintf(", newly %s (%s)", strings.Join(c.Revoke, ", "), c.Reason)
	}
	if err := confirmStep(ctx, h, text+"\nCheck the number and dates against the paper script."); err != nil {
		return x509CRLData{}, err
	}
	if err := c.markRevoked(h, d); err != nil {
		return x509CRLData{}, err
	}
	return d, h.Append(EvX509CRL, "", d)
}

// markRevoked marks in the run's ledger what the CRL newly revoked.
func (c X509CRL) markRevoked(h Host, d x509CRLData) error {
	if len(d.Newly) == 0 {
		return nil
	}
	led, err := h.Session().ledger(h, c.Ledger, d.Issuer)
	if err != nil {
		return err
	}
	at, _ := time.Parse(time.RFC3339, d.ThisUpdate)
	n, _ := new(big.Int).SetString(d.Number, 10)
	for _, s := range d.Newly {
		if _, err := led.Revoke(s, d.Reason, at, n.Uint64()); err != nil {
			return err
		}
	}
	return nil
}
