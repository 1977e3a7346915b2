package steps

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/x509ca"
)

// X509Intermediate: an intermediate CA certificate issued by a CA key on
// the token, for a key that comes one of three ways: from a certificate
// request made where the key lives (csr, an input whose hash the room
// confirmed out of band), from a key generated on the token in this
// ceremony (subject_key), or generated here in memory for Vault (vault, an
// age recipient): the key, the certificate and its chain are sealed to the
// recipient as Vault's pem_bundle, and the key is wiped.
// Lua: x509.intermediate { issuer = "root.crt", key = "root-2026", name = "prod", subject = "...",
//
//	validity = "35040h", path_len = 0, crl_url = "http://.../root.crl",
//	csr = input "prod_csr" | subject_key = "users-ca" | vault = "age1...", key_type = "ecdsa-p384" }
//	-> { certificate, chain, bundle, serial, sha256 }
type X509Intermediate struct {
	At
	Issuer     source
	Key        string
	Profile    caProfile
	CSR        string // input
	SubjectKey string // a token key label
	Vault      string // an age recipient
	KeyType    string // of a key made for Vault
	Ledger     source
}

// vaultKeyTypes are the keys made in memory for Vault.
var vaultKeyTypes = []string{"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"}

func init() {
	register(Primitive{Name: "x509.intermediate", Parse: func(a Args, at At) (Call, error) {
		x := X509Intermediate{At: at, Key: a.String("key", true), CSR: a.Input("csr"), SubjectKey: a.String("subject_key", false),
			Vault: a.String("vault", false), KeyType: a.String("key_type", false)}
		var err error
		if x.Issuer, err = readSource(a, "the issuer's certificate", "issuer_cert", "issuer", true); err != nil {
			return nil, err
		}
		if x.Profile, err = readProfile(a, 0); err != nil {
			return nil, err
		}
		if x.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false); err != nil {
			return nil, err
		}
		ways := 0
		for _, s := range []string{x.CSR, x.SubjectKey, x.Vault} {
			if s != "" {
				ways++
			}
		}
		if ways != 1 {
			return nil, errors.New("the key comes one way: give exactly one of csr (an input), subject_key (a token key) or vault (an age recipient)")
		}
		if x.Vault != "" {
			if !strings.HasPrefix(x.Vault, "age1") {
				return nil, fmt.Errorf("vault %q: an age X25519 recipient, age1...", x.Vault)
			}
			if x.KeyType == "" {
				x.KeyType = "ecdsa-p384"
			}
			if err := oneOf("key_type", x.KeyType, vaultKeyTypes...); err != nil {
				return nil, err
			}
		} else if x.KeyType != "" {
			return nil, errors.New("key_type is for a key made for Vault")
		}
		return x, nil
	}})
}

func (x X509Intermediate) Placeholder() any {
	return map[string]any{"certificate": x.Profile.Name + ".crt", "chain": x.Profile.Name + "-chain.pem",
		"bundle": x.bundleName(), "serial": "{serial}", "sha256": "{sha256}"}
}

func (x X509Intermediate) bundleName() string {
	if x.Vault == "" {
		return ""
	}
	return x.Profile.Name + "-bundle.json.age"
}

func (x X509Intermediate) keyFrom() string {
	switch {
	case x.CSR != "":
		return "csr:" + x.CSR
	case x.SubjectKey != "":
		return "token:" + x.SubjectKey
	}
	return "vault"
}

func (x X509Intermediate) Brief() string {
	return x.brief(x.Profile.Subject + " (" + x.keyFrom() + ") with " + x.Key)
}

func (x X509Intermediate) Paper() string {
	key, kind, out := "", "from the request", ""
	switch {
	case x.CSR != "":
		key = "the key of the request in input " + x.CSR + " (its hash confirmed out of band first)"
	case x.SubjectKey != "":
		key, kind = "token key "+x.SubjectKey, "on the token"
	default:
		key, kind = "a new "+x.KeyType+" key made in memory for Vault", x.KeyType+", for Vault"
		out = fmt.Sprintf("; seal the key, certificate and chain as %s to age recipient %s, and wipe the key", x.bundleName(), x.Vault)
	}
	return fmt.Sprintf("Issue the intermediate certificate %s.crt (chain %s-chain.pem) with key %s of %s, for %s: %s%s",
		x.Profile.Name, x.Profile.Name, x.Key, x.Issuer.paper(), key, x.Profile.paper(kind), out)
}

func (x X509Intermediate) Lint(l Linter) {
	x.Issuer.lint(l)
	x.Ledger.lint(l)
	if x.CSR != "" {
		l.Input(x.CSR)
	}
	l.Artifact(x.Profile.Name + ".crt")
	l.Artifact(x.Profile.Name + "-chain.pem")
	if x.Vault != "" {
		l.Artifact(x.bundleName())
	}
}

func (x X509Intermediate) Run(ctx context.Context, h Host) (any, error) {
	var d x509IssuedData
	rec, err := replaySigned(h, x, EvX509Issued, "interrupted before the certificate was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.Name != x.Profile.Name || d.Kind != "intermediate" || d.KeyFrom != x.keyFrom() {
			return nil, diverged(h, rec, "%s %s for %s is recorded where the script issues intermediate %s for %s", d.Kind, d.Name, d.KeyFrom, x.Profile.Name, x.keyFrom())
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
		if err := addRecorded(h, rec, x.Ledger, d); err != nil {
			return nil, err
		}
	} else if d, err = x.issue(ctx, h); err != nil {
		return nil, err
	}
	showIssued(h, d)
	return map[string]any{"certificate": d.Certificate, "chain": x.Profile.Name + "-chain.pem", "bundle": x.bundleName(), "serial": d.Serial, "sha256": d.SHA256}, nil
}

func (x X509Intermediate) issue(ctx context.Context, h Host) (x509IssuedData, error) {
	issuer, err := x.Issuer.certificate(h)
	if err != nil {
		return x509IssuedData{}, err
	}
	// The subject's key, by the way the script gives it.
	var subjectKey crypto.PublicKey
	var made crypto.Signer // the key made for Vault
	switch {
	case x.CSR != "":
		csr, err := h.Input(x.CSR)
		if err != nil {
			return x509IssuedData{}, err
		}
		want, ok := h.Session().confirmed[x.CSR]
		if !ok {
			return x509IssuedData{}, fmt.Errorf("input %s was not confirmed out of band: verify_out_of_band { input %q } comes before it is signed", x.CSR, x.CSR)
		}
		if got := DigestOf(csr).Hex; got != want {
			return x509IssuedData{}, fmt.Errorf("input %s has SHA-256 %s, not the %s the room confirmed: nothing is signed", x.CSR, got, want)
		}
		req, err := x509ca.CheckCSR(csr, x.Profile.subject)
		if err != nil {
			return x509IssuedData{}, fmt.Errorf("input %s: %w", x.CSR, err)
		}
		subjectKey = req.PublicKey
	case x.SubjectKey != "":
		k, err := tokenKey(ctx, h, x.SubjectKey)
		if err != nil {
			return x509IssuedData{}, err
		}
		subjectKey = k.Public()
	default:
		if made, err = newSoftKey(x.KeyType); err != nil {
			return x509IssuedData{}, err
		}
		defer x509ca.Wipe(made)
		subjectKey = made.Public()
	}
	signer, err := tokenKey(ctx, h, x.Key)
	if err != nil {
		return x509IssuedData{}, err
	}
	serial, err := x509ca.RandomSerial()
	if err != nil {
		return x509IssuedData{}, err
	}
	iss, err := x509ca.IssueCA(signer, issuer, subjectKey, x.Profile.profile(h.Now().UTC().Truncate(1e9)), serial, x.Profile.Lints)
	if err != nil {
		return x509IssuedData{}, err
	}
	led, err := h.Session().ledger(h, x.Ledger, issuer.Subject.String())
	if err != nil {
		return x509IssuedData{}, err
	}
	crtPEM := string(x509ca.PEM("CERTIFICATE", iss.DER))
	files := [][2]string{{x.Profile.Name + ".crt", crtPEM}, {x.Profile.Name + "-chain.pem", crtPEM + string(x509ca.PEM("CERTIFICATE", issuer.Raw))}}
	if made != nil {
		bundle, err := x509ca.VaultBundle(made, iss.Cert, issuer)
		if err != nil {
			return x509IssuedData{}, err
		}
		sealed, err := x509ca.SealToAge(x.Vault, bundle)
		clear(bundle)
		if err != nil {
			return x509IssuedData{}, err
		}
		files = append(files, [2]string{x.bundleName(), string(sealed)})
	}
	names, sums, err := saveFiles(h, files)
	if err != nil {
		return x509IssuedData{}, err
	}
	if err := confirmStep(ctx, h, issuedText(iss.Cert, iss.Fingerprint(), strings.Join(names, ", "))); err != nil {
		return x509IssuedData{}, err
	}
	if err := led.Add(iss.Cert, x.Profile.Name, h.Ceremony()); err != nil {
		return x509IssuedData{}, err
	}
	d := issuedData(x.Profile.Name, x.keyFrom(), iss, names[0], sums)
	return d, h.Append(EvX509Issued, "", d)
}

// newSoftKey makes a key in memory, for Vault.
func newSoftKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "ecdsa-p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ecdsa-p384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa-2048":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa-3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "rsa-4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	}
	return nil, fmt.Errorf("key type %q", kind)
}
