package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshca"
)

// EvSSHCertified records a batch of SSH certificates issued: how many, the
// serials, the files, and the validity they share.
const EvSSHCertified = "ssh.certified"

// SSHCertify: the CA key on the token issues a certificate for each public
// key of a list (an input in authorized_keys form, the comment being the
// key id and principals="a,b" the principals), with serials continuing the
// ledger, and writes the certificates and the ledger anew.
// Lua: ssh.certify { ca = "ssh-ca", type = "user", keys = input "users", valid_for = "52w",
//
//	principals = { ... }, force_command = "...", source_address = "...", extensions = { ... },
//	ledger = input "ledger" | ledger_from = "ledger.json", out = "user-certs", ledger_out = "ledger.json",
//	unbounded_approver = "CA" } -> { count, first_serial, last_serial, artifact, ledger }
type SSHCertify struct {
	At
	CA            string
	Type          string
	Keys          string // input
	Principals    []string
	ValidFor      string
	ForceCommand  string
	SourceAddress string
	Extensions    []string
	Ledger        source
	Out           string
	LedgerOut     string
	// UnboundedApprover is the role that approves certificates with no
	// principals or no end of validity; without it they are refused.
	UnboundedApprover string
}

func init() {
	register(Primitive{Name: "ssh.certify", Parse: func(a Args, at At) (Call, error) {
		c := SSHCertify{At: at, CA: a.String("ca", true), Type: a.String("type", true), Keys: a.Input("keys"),
			Principals: a.Strings("principals"), ValidFor: a.String("valid_for", true),
			ForceCommand: a.String("force_command", false), SourceAddress: a.String("source_address", false),
			Extensions: a.Strings("extensions"), Out: a.String("out", true), LedgerOut: a.String("ledger_out", true),
			UnboundedApprover: a.String("unbounded_approver", false)}
		var err error
		if c.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false); err != nil {
			return nil, err
		}
		if c.Keys == "" {
			return nil, errors.New("keys: an input listing the public keys to certify is required")
		}
		kind, err := sshca.ParseKind(c.Type)
		if err != nil {
			return nil, err
		}
		if _, _, err := parseValidity(c.ValidFor); err != nil {
			return nil, err
		}
		if kind == sshca.User && c.Extensions == nil {
			c.Extensions = sshca.DefaultUserExtensions
		}
		if kind == sshca.Host && (c.ForceCommand != "" || c.SourceAddress != "" || len(c.Extensions) > 0) {
			return nil, errors.New("host certificates take no force_command, source_address or extensions")
		}
		// The rest of the profile is checked as sshca would check it, so
		// that check, not the room, finds a bad option.
		_, err = c.request(ssh.PublicKey(nil), "check", nil, 1, time.Unix(1, 0))
		return c, err
	}})
}

// request is the certificate for one listed key.
func (c SSHCertify) request(key ssh.PublicKey, keyID string, principals []string, serial uint64, from time.Time) (sshca.Request, error) {
	kind, _ := sshca.ParseKind(c.Type)
	d, forever, err := parseValidity(c.ValidFor)
	if err != nil {
		return sshca.Request{}, err
	}
	r := sshca.Request{Kind: kind, Key: key, KeyID: keyID, Serial: serial, Principals: principals, ValidAfter: from,
		ValidBefore: from.Add(d), Extensions: c.Extensions, Unbounded: c.UnboundedApprover != ""}
	if forever {
		r.ValidBefore = sshca.Forever
	}
	if len(r.Principals) == 0 {
		r.Principals = c.Principals
	}
	if c.ForceCommand != "" || c.SourceAddress != "" {
		r.CriticalOptions = map[string]string{}
		if c.ForceCommand != "" {
			r.CriticalOptions["force-command"] = c.ForceCommand
		}
		if c.SourceAddress != "" {
			r.CriticalOptions["source-address"] = c.SourceAddress
		}
	}
	if key == nil {
		return r, sshca.CheckProfile(r)
	}
	return r, nil
}

func (c SSHCertify) Placeholder() any {
	return map[string]any{"count": 1, "first_serial": 1, "last_serial": 1, "artifact": c.Out, "ledger": c.LedgerOut}
}
func (c SSHCertify) Brief() string {
	return c.brief(c.Type + " certificates for " + c.Keys + " with " + c.CA)
}
func (c SSHCertify) Paper() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Issue %s certificates with CA key %s for each key of input %s, valid %s from the ceremony's time", c.Type, c.CA, c.Keys, c.ValidFor)
	if len(c.Principals) > 0 {
		fmt.Fprintf(&b, ", principals %s where a key names none", strings.Join(c.Principals, ","))
	}
	if c.ForceCommand != "" {
		fmt.Fprintf(&b, ", force-command %q", c.ForceCommand)
	}
	if c.SourceAddress != "" {
		fmt.Fprintf(&b, ", source-address %s", c.SourceAddress)
	}
	if len(c.Extensions) > 0 {
		fmt.Fprintf(&b, ", extensions %s", strings.Join(c.Extensions, " "))
	}
	fmt.Fprintf(&b, "; serials continue %s; save the certificates as %s and the ledger as %s", c.Ledger.paper(), c.Out, c.LedgerOut)
	return b.String()
}
func (c SSHCertify) Lint(l Linter) {
	l.Input(c.Keys)
	c.Ledger.lint(l)
	if c.UnboundedApprover != "" {
		l.Role(c.UnboundedApprover, "approver of certificates without principals or end")
	}
	l.Artifact(c.Out)
	l.Artifact(c.LedgerOut)
}

type sshCertifiedData struct {
	CA           string `json:"ca"`
	Fingerprint  string `json:"ca_fingerprint"`
	Type         string `json:"type"`
	KeysSHA256   string `json:"keys_sha256"`
	Count        int    `json:"count"`
	FirstSerial  uint64 `json:"first_serial"`
	LastSerial   uint64 `json:"last_serial"`
	ValidAfter   string `json:"valid_after"`
	ValidBefore  string `json:"valid_before"`
	Out          string `json:"out"`
	OutSHA256    string `json:"out_sha256"`
	LedgerOut    string `json:"ledger_out"`
	LedgerSHA256 string `json:"ledger_sha256"`
	Unbounded    int    `json:"unbounded,omitempty"`
}

func (c SSHCertify) Run(ctx context.Context, h Host) (any, error) {
	var d sshCertifiedData
	rec, err := replaySigned(h, c, EvSSHCertified, "interrupted before the certificates were recorded", &d, EvException)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		keys, err := h.Input(c.Keys)
		if err != nil {
			return nil, err
		}
		if d.CA != c.CA || d.Type != c.Type || d.KeysSHA256 != DigestOf(keys).Hex {
			return nil, diverged(h, rec, "%s certificates by %s of keys with SHA-256 %s are recorded where the script certifies %s with %s", d.Type, d.CA, d.KeysSHA256, c.Keys, c.CA)
		}
		for _, f := range [][2]string{{d.Out, d.OutSHA256}, {d.LedgerOut, d.LedgerSHA256}} {
			if err := checkArtifact(h, rec, f[0], f[1]); err != nil {
				return nil, err
			}
		}
	} else if d, err = c.issue(ctx, h); err != nil {
		return nil, err
	}
	return map[string]any{"count": d.Count, "first_serial": int(d.FirstSerial), "last_serial": int(d.LastSerial), "artifact": d.Out, "ledger": d.LedgerOut}, nil
}

func (c SSHCertify) issue(ctx context.Context, h Host) (sshCertifiedData, error) {
	keysIn, err := h.Input(c.Keys)
	if err != nil {
		return sshCertifiedData{}, err
	}
	listed, err := parseKeyList(keysIn, true)
	if err != nil {
		return sshCertifiedData{}, fmt.Errorf("input %s: %w", c.Keys, err)
	}
	signer, caPub, err := sshCAKey(ctx, h, c.CA)
	if err != nil {
		return sshCertifiedData{}, err
	}
	led, err := readLedger(h, c.Ledger, caPub)
	if err != nil {
		return sshCertifiedData{}, err
	}
	// A minute's grace for clocks behind the ceremony's.
	from := h.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	first := led.NextSerial()
	reqs := make([]sshca.Request, len(listed))
	var unbounded []string
	for i, k := range listed {
		if reqs[i], err = c.request(k.Key, k.KeyID, k.Principals, first+uint64(i), from); err != nil {
			return sshCertifiedData{}, err
		}
		if len(reqs[i].Principals) == 0 || reqs[i].ValidBefore.Equal(sshca.Forever) {
			unbounded = append(unbounded, k.KeyID)
		}
	}
	if len(unbounded) > 0 {
		if c.UnboundedApprover == "" {
			return sshCertifiedData{}, fmt.Errorf("%w: %s (name unbounded_approver to have such certificates approved and recorded)", sshca.ErrUnbounded, strings.Join(unbounded, ", "))
		}
		if err := recordException(ctx, h, c.UnboundedApprover, ExceptionData{
			Expected: "certificates that name their principals and end their validity",
			Happened: fmt.Sprintf("%d certificates without principals or without end: %s", len(unbounded), strings.Join(unbounded, ", ")),
			Decision: "issue them as asked"}); err != nil {
			return sshCertifiedData{}, err
		}
	}
	certs, err := sshca.SignBatch(signer, caPub, reqs)
	if err != nil {
		return sshCertifiedData{}, err
	}
	var out strings.Builder
	for i, cert := range certs {
		fmt.Fprintf(&out, "%s %s\n", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert))), listed[i].KeyID)
		if err := led.Add(cert, h.Ceremony()); err != nil {
			return sshCertifiedData{}, err
		}
	}
	d := sshCertifiedData{CA: c.CA, Fingerprint: sshca.Fingerprint(caPub), Type: c.Type, KeysSHA256: DigestOf(keysIn).Hex,
		Count: len(certs), FirstSerial: first, LastSerial: first + uint64(len(certs)) - 1,
		ValidAfter: reqs[0].ValidAfter.Format(time.RFC3339), ValidBefore: "forever", Unbounded: len(unbounded)}
	if !reqs[0].ValidBefore.Equal(sshca.Forever) {
		d.ValidBefore = reqs[0].ValidBefore.Format(time.RFC3339)
	}
	d.OutSHA256 = DigestOf([]byte(out.String())).Hex
	if d.Out, err = saveOnce(h, c.Out, []byte(out.String())); err != nil {
		return sshCertifiedData{}, err
	}
	ledger := led.Marshal()
	d.LedgerSHA256 = DigestOf(ledger).Hex
	if d.LedgerOut, err = saveOnce(h, c.LedgerOut, ledger); err != nil {
		return sshCertifiedData{}, err
	}
	if err := confirmStep(ctx, h, describeCerts(d, certs, listed)); err != nil {
		return sshCertifiedData{}, err
	}
	return d, h.Append(EvSSHCertified, "", d)
}

// describeCerts is what the room checks after issuance: one line per
// certificate, the first dozen of a long batch.
func describeCerts(d sshCertifiedData, certs []*ssh.Certificate, listed []listedKey) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s certificates by CA %s, serials %d to %d, valid %s to %s, saved as %s; ledger %s.\n",
		d.Count, d.Type, d.Fingerprint, d.FirstSerial, d.LastSerial, d.ValidAfter, d.ValidBefore, d.Out, d.LedgerOut)
	const shown = 12
	for i, cert := range certs[:min(len(certs), shown)] {
		principals := strings.Join(cert.ValidPrincipals, ",")
		if principals == "" {
			principals = "(any)"
		}
		fmt.Fprintf(&b, "  %d  %s  %s  key %s\n", cert.Serial, listed[i].KeyID, principals, sshca.Fingerprint(cert.Key))
	}
	if n := len(certs) - shown; n > 0 {
		fmt.Fprintf(&b, "  … and %d more, all in %s\n", n, d.Out)
	}
	b.WriteString("Check the key ids and principals against the request list.")
	return b.String()
}
