package steps

import (
	"context"
	"fmt"

	"github.com/ceremony-dev/ceremony/x509ca"
)

// X509Root: a self-signed root CA certificate for a key on the token,
// linted before the key signs it, saved as NAME.crt.
// Lua: x509.root { key = "root-2026", name = "root", subject = "C=US, O=Example Co, CN=Example Root CA",
//
//	validity = "87600h", path_len = 1, crl_url = "http://...", lint_exclude = { ... } } -> { certificate, serial, sha256 }
type X509Root struct {
	At
	Key     string
	Profile caProfile
	Ledger  source
}

func init() {
	register(Primitive{Name: "x509.root", Parse: func(a Args, at At) (Call, error) {
		r := X509Root{At: at, Key: a.String("key", true)}
		var err error
		if r.Profile, err = readProfile(a, 1); err != nil {
			return nil, err
		}
		r.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false)
		return r, err
	}})
}

func (r X509Root) Placeholder() any {
	return map[string]any{"certificate": r.Profile.Name + ".crt", "serial": "{serial}", "sha256": "{sha256}"}
}
func (r X509Root) Brief() string { return r.brief(r.Profile.Subject + " with " + r.Key) }
func (r X509Root) Paper() string {
	return fmt.Sprintf("Make the self-signed root certificate %s.crt with key %s: %s", r.Profile.Name, r.Key, r.Profile.paper("the root key itself, on the token"))
}
func (r X509Root) Lint(l Linter) {
	r.Ledger.lint(l)
	l.Artifact(r.Profile.Name + ".crt")
}

func (r X509Root) Run(ctx context.Context, h Host) (any, error) {
	var d x509IssuedData
	rec, err := replaySigned(h, r, EvX509Issued, "interrupted before the certificate was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.Name != r.Profile.Name || d.Kind != "root" || d.KeyFrom != "token:"+r.Key {
			return nil, diverged(h, rec, "%s %s by %s is recorded where the script makes root %s with %s", d.Kind, d.Name, d.KeyFrom, r.Profile.Name, r.Key)
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
		if err := addRecorded(h, rec, r.Ledger, d); err != nil {
			return nil, err
		}
	} else if d, err = r.issue(ctx, h); err != nil {
		return nil, err
	}
	showIssued(h, d)
	return map[string]any{"certificate": r.Profile.Name + ".crt", "serial": d.Serial, "sha256": d.SHA256}, nil
}

func (r X509Root) issue(ctx context.Context, h Host) (x509IssuedData, error) {
	key, err := tokenKey(ctx, h, r.Key)
	if err != nil {
		return x509IssuedData{}, err
	}
	serial, err := x509ca.RandomSerial()
	if err != nil {
		return x509IssuedData{}, err
	}
	iss, err := x509ca.IssueCA(key, nil, key.Public(), r.Profile.profile(h.Now().UTC().Truncate(1e9)), serial, r.Profile.Lints)
	if err != nil {
		return x509IssuedData{}, err
	}
	led, err := h.Session().ledger(h, r.Ledger, iss.Cert.Subject.String())
	if err != nil {
		return x509IssuedData{}, err
	}
	names, files, err := saveFiles(h, [][2]string{{r.Profile.Name + ".crt", string(x509ca.PEM("CERTIFICATE", iss.DER))}})
	if err != nil {
		return x509IssuedData{}, err
	}
	crt := names[0]
	if err := confirmStep(ctx, h, issuedText(iss.Cert, iss.Fingerprint(), crt)); err != nil {
		return x509IssuedData{}, err
	}
	if err := led.Add(iss.Cert, r.Profile.Name, h.Ceremony()); err != nil {
		return x509IssuedData{}, err
	}
	d := issuedData(r.Profile.Name, "token:"+r.Key, iss, crt, files)
	return d, h.Append(EvX509Issued, "", d)
}

// addRecorded puts a recorded certificate in the run's ledger, as the
// recorded run did.
func addRecorded(h Host, rec Recorded, src source, d x509IssuedData) error {
	c, err := recordedCert(h, rec, d.Certificate)
	if err != nil {
		return err
	}
	if got := fmt.Sprintf("%x", c.SerialNumber); got != d.Serial {
		return diverged(h, rec, "certificate %s has serial %s, its event records %s", d.Certificate, got, d.Serial)
	}
	led, err := h.Session().ledger(h, src, c.Issuer.String())
	if err != nil {
		return diverged(h, rec, "%v", err)
	}
	return led.Add(c, d.Name, h.Ceremony())
}
