package steps

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/x509ca"
)

// caProfile is what a script says of a CA certificate, as the x509
// primitives read it.
type caProfile struct {
	Name     string
	Subject  string
	Validity string
	PathLen  int
	CRLURL   string
	Lints    x509ca.Lints
	subject  pkix.Name
	duration time.Duration
}

// readProfile reads the fields every CA certificate call has; the default
// lint exclusions are those of a private PKI, and a script that names its
// own takes exactly those.
func readProfile(a Args, pathLen int) (caProfile, error) {
	p := caProfile{Name: a.String("name", true), Subject: a.String("subject", true), Validity: a.String("validity", true),
		PathLen: a.Int("path_len", pathLen), CRLURL: a.String("crl_url", false), Lints: x509ca.PrivatePKI}
	if !plainArtifactName(p.Name) {
		return p, fmt.Errorf("name %q: letters, digits, '-' and '_' only, as it names the files", p.Name)
	}
	if ex := a.Strings("lint_exclude"); ex != nil {
		p.Lints.ExcludeSources = ex
	}
	p.Lints.ExcludeNames = a.Strings("lint_exclude_names")
	var err error
	if p.subject, err = x509ca.ParseName(p.Subject); err != nil {
		return p, err
	}
	d, forever, err := parseValidity(p.Validity)
	if err != nil || forever {
		return p, fmt.Errorf("validity %q: a number and h, d or w (\"87600h\")", p.Validity)
	}
	p.duration = d
	if p.CRLURL != "" && !strings.HasPrefix(p.CRLURL, "http://") {
		return p, fmt.Errorf("crl_url %q: CRLs are fetched over plain http:// (RFC 5280, 4.2.1.13)", p.CRLURL)
	}
	return p, nil
}

func plainArtifactName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// paper is the profile as the paper script prints it, for the room to hold
// the certificate against.
func (p caProfile) paper(key string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "subject %s; valid %s from the ceremony's time; key %s; basicConstraints critical CA:TRUE, pathlen:%d; keyUsage critical keyCertSign, cRLSign; subject and authority key identifiers",
		p.Subject, p.Validity, key, p.PathLen)
	if p.CRLURL != "" {
		fmt.Fprintf(&b, "; CRL distribution point %s", p.CRLURL)
	}
	fmt.Fprintf(&b, "; zlint without %s", strings.Join(append(append([]string{}, p.Lints.ExcludeSources...), p.Lints.ExcludeNames...), ", "))
	return b.String()
}

func (p caProfile) profile(from time.Time) x509ca.Profile {
	prof := x509ca.Profile{Subject: p.subject, NotBefore: from, NotAfter: from.Add(p.duration), PathLen: p.PathLen}
	if p.CRLURL != "" {
		prof.CRLURLs = []string{p.CRLURL}
	}
	return prof
}

// EvX509Issued records a CA certificate made: what it says, where its key
// is, what was linted, and the files.
const EvX509Issued = "x509.issued"

// x509IssuedData is the data of x509.issued.
type x509IssuedData struct {
	Name      string             `json:"name"`
	Kind      string             `json:"kind"` // root, intermediate
	Subject   string             `json:"subject"`
	Issuer    string             `json:"issuer"`
	Serial    string             `json:"serial"`
	NotBefore string             `json:"not_before"`
	NotAfter  string             `json:"not_after"`
	SHA256    string             `json:"sha256"`
	KeyFrom   string             `json:"key_from"` // "token:LABEL", "csr:INPUT", "vault"
	Lint      *x509ca.LintReport `json:"lint"`
	// Certificate is the artifact holding it (PEM); Files are all the
	// artifacts made, by name, with their SHA-256.
	Certificate string            `json:"certificate"`
	Files       map[string]string `json:"files"`
}

// saveFiles saves each file (name, content) and returns the names they
// took, in order (a resumed run that finds a leftover saves beside it),
// and each name's SHA-256.
func saveFiles(h Host, files [][2]string) ([]string, map[string]string, error) {
	names, sums := make([]string, len(files)), map[string]string{}
	for i, f := range files {
		name, err := saveOnce(h, f[0], []byte(f[1]))
		if err != nil {
			return nil, nil, err
		}
		names[i], sums[name] = name, DigestOf([]byte(f[1])).Hex
	}
	return names, sums, nil
}

// checkFiles holds recorded files to their hashes.
func checkFiles(h Host, rec Recorded, files map[string]string) error {
	for name, sum := range files {
		if err := checkArtifact(h, rec, name, sum); err != nil {
			return err
		}
	}
	return nil
}

// recordedCert is a certificate a recorded run saved, parsed.
func recordedCert(h Host, rec Recorded, name string) (*x509.Certificate, error) {
	b, err := h.ReadArtifact(name)
	if err != nil {
		return nil, diverged(h, rec, "certificate %s: %v", name, err)
	}
	c, err := x509ca.ParseCertificate(b)
	if err != nil {
		return nil, diverged(h, rec, "certificate %s: %v", name, err)
	}
	return c, nil
}

// ledger is the run's ledger of issued certificates: the one src names,
// the first time one is needed, or a new one for root.
func (s *Session) ledger(h Host, src source, root string) (*x509ca.Ledger, error) {
	if s.x509 != nil {
		return s.x509, nil
	}
	b, ok, err := src.read(h)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.x509 = &x509ca.Ledger{Root: root, Certificates: []x509ca.Record{}}
		return s.x509, nil
	}
	if s.x509, err = x509ca.ParseLedger(b); err != nil {
		return nil, err
	}
	return s.x509, nil
}

// issuedText is what the room checks once a certificate is made.
func issuedText(c *x509.Certificate, fingerprint, files string) string {
	return fmt.Sprintf("Issued %s\n  issuer   %s\n  serial   %x\n  valid    %s to %s\n  SHA-256  %s\n  saved as %s\nCheck the subject and validity against the paper script and write the first 16 digits of the fingerprint on it.",
		c.Subject, c.Issuer, c.SerialNumber, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), fingerprint, files)
}

// showIssued puts an issued certificate before the room at the step's
// confirmation: its subject and the SHA-256 fingerprint written on paper.
func showIssued(h Host, d x509IssuedData) {
	h.Show(d.Kind+" certificate "+d.Subject+", serial "+d.Serial+", SHA-256", d.SHA256)
}

func issuedData(name, keyFrom string, iss *x509ca.Issued, crt string, files map[string]string) x509IssuedData {
	kind := "intermediate"
	if iss.Cert.Subject.String() == iss.Cert.Issuer.String() {
		kind = "root"
	}
	return x509IssuedData{Name: name, Kind: kind, Subject: iss.Cert.Subject.String(), Issuer: iss.Cert.Issuer.String(),
		Serial: fmt.Sprintf("%x", iss.Cert.SerialNumber), NotBefore: iss.Cert.NotBefore.UTC().Format(time.RFC3339),
		NotAfter: iss.Cert.NotAfter.UTC().Format(time.RFC3339), SHA256: iss.Fingerprint(), KeyFrom: keyFrom, Lint: iss.Lint,
		Certificate: crt, Files: files}
}
