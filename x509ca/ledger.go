package x509ca

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/strictjson"
)

// Ledger is the record of every certificate a CA hierarchy issued, kept
// from one ceremony to the next in two forms: ledger.txt, in the spirit of
// the openssl and cfssl guides, one line a certificate,
//
//	# issued certificates of CN=Example Root CA
//	5f2a…e1 # 2026-12-02 root CN=Example Root CA until 2036-11-30 sha256:9c…
//	41b0…07 # 2026-12-02 intermediate CN=Example Prod CA by CN=Example Root CA until 2030-11-30 sha256:…
//	41b0…07 # 2027-12-01 revoked keyCompromise, CRL 2
//
// and ledger.json, its machine-readable twin, which the next ceremony reads.
type Ledger struct {
	Root         string   `json:"root"` // the root's subject
	CRLNumber    uint64   `json:"crl_number"`
	Certificates []Record `json:"certificates"`
}

// Record is one issued certificate.
type Record struct {
	Serial    string `json:"serial"` // hex
	Kind      string `json:"kind"`   // root, intermediate, user (an end entity: a YubiKey's slot)
	Name      string `json:"name"`   // the script's name for it: dev, prod ...
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	SHA256    string `json:"sha256"`
	Ceremony  string `json:"ceremony"`
	Revoked   string `json:"revoked,omitempty"`
	Reason    string `json:"reason,omitempty"`
	RevokedIn uint64 `json:"revoked_in_crl,omitempty"`
}

// MaxLedger bounds what ParseLedger reads.
const MaxLedger = 16 << 20

// ErrLedger is wrapped by every error about a ledger's content.
var ErrLedger = errors.New("x509ca: ledger")

// ParseLedger reads ledger.json strictly.
func ParseLedger(b []byte) (*Ledger, error) {
	var l Ledger
	if err := strictjson.Decode(b, MaxLedger, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	if l.Root == "" {
		return nil, fmt.Errorf("%w: no root", ErrLedger)
	}
	seen := map[string]bool{}
	for i, r := range l.Certificates {
		if _, err := hex.DecodeString(r.Serial); err != nil || r.Serial == "" || seen[r.Serial] {
			return nil, fmt.Errorf("%w: entry %d: serial %q is not new hex", ErrLedger, i+1, r.Serial)
		}
		seen[r.Serial] = true
		if r.Kind != "root" && r.Kind != "intermediate" && r.Kind != "user" {
			return nil, fmt.Errorf("%w: entry %d: kind %q", ErrLedger, i+1, r.Kind)
		}
		for _, t := range []string{r.NotBefore, r.NotAfter} {
			if _, err := time.Parse(time.RFC3339, t); err != nil {
				return nil, fmt.Errorf("%w: entry %d: %v", ErrLedger, i+1, err)
			}
		}
		if r.Revoked != "" {
			if _, err := time.Parse(time.RFC3339, r.Revoked); err != nil {
				return nil, fmt.Errorf("%w: entry %d: revoked: %v", ErrLedger, i+1, err)
			}
			if _, ok := Reasons[r.Reason]; !ok {
				return nil, fmt.Errorf("%w: entry %d: reason %q", ErrLedger, i+1, r.Reason)
			}
		}
		for _, s := range []string{r.Name, r.Subject, r.Issuer, r.Ceremony} {
			if strings.ContainsAny(s, "\n\r#") {
				return nil, fmt.Errorf("%w: entry %d: a field holds a line break or '#'", ErrLedger, i+1)
			}
		}
	}
	return &l, nil
}

// Add records an issued certificate under the script's name for it.
func (l *Ledger) Add(c *x509.Certificate, name, ceremony string) error {
	serial := hex.EncodeToString(c.SerialNumber.Bytes())
	if _, ok := l.Find(serial); ok {
		return fmt.Errorf("%w: serial %s is in the ledger already", ErrLedger, serial)
	}
	kind := "intermediate"
	switch {
	case bytes.Equal(c.RawIssuer, c.RawSubject):
		kind = "root"
	case !c.IsCA:
		kind = "user"
	}
	sum := sha256.Sum256(c.Raw)
	l.Certificates = append(l.Certificates, Record{Serial: serial, Kind: kind, Name: name, Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
		SHA256: hex.EncodeToString(sum[:]), Ceremony: ceremony})
	return nil
}

// Find is the entry with the serial (hex), or the name.
func (l *Ledger) Find(serialOrName string) (int, bool) {
	for i, r := range l.Certificates {
		if r.Serial == serialOrName || r.Name == serialOrName && r.Kind == "intermediate" {
			return i, true
		}
	}
	return 0, false
}

// Revoke marks an intermediate revoked in the CRL numbered crl.
func (l *Ledger) Revoke(serialOrName, reason string, at time.Time, crl uint64) (*Record, error) {
	i, ok := l.Find(serialOrName)
	if !ok {
		return nil, fmt.Errorf("%w: no certificate %q", ErrLedger, serialOrName)
	}
	if _, ok := Reasons[reason]; !ok {
		return nil, fmt.Errorf("%w: reason %q", ErrLedger, reason)
	}
	r := &l.Certificates[i]
	if r.Kind == "root" {
		return nil, fmt.Errorf("%w: the root is not revoked by its own CRL", ErrLedger)
	}
	if r.Revoked == "" {
		r.Revoked, r.Reason, r.RevokedIn = at.UTC().Format(time.RFC3339), reason, crl
	}
	return r, nil
}

// JSON is ledger.json.
func (l *Ledger) JSON() []byte {
	b, _ := json.MarshalIndent(l, "", "  ")
	return append(b, '\n')
}

// Text is ledger.txt.
func (l *Ledger) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# issued certificates of %s\n", l.Root)
	for _, r := range l.Certificates {
		what := r.Kind + " " + r.Subject
		if r.Kind != "root" {
			what = fmt.Sprintf("%s %s %s by %s", r.Kind, r.Name, r.Subject, r.Issuer)
		}
		fmt.Fprintf(&b, "%s # %s %s until %s sha256:%s\n", r.Serial, r.NotBefore[:10], what, r.NotAfter[:10], r.SHA256)
	}
	for _, r := range l.Certificates {
		if r.Revoked != "" {
			fmt.Fprintf(&b, "%s # %s revoked %s, CRL %d\n", r.Serial, r.Revoked[:10], r.Reason, r.RevokedIn)
		}
	}
	return b.Bytes()
}
