package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/sshca"
)

// EvSSHKRL records a key revocation list made from the ledger, with the
// CA's SSHSIG signature on it.
const EvSSHKRL = "ssh.krl"

// SSHKRL: revoke certificates by serial and by key id, and keys outright,
// in the ledger, and write the OpenSSH KRL of everything the ledger
// revokes, with the CA's signature beside it (OUT.sig, namespace
// ssh-krl@ceremony).
// Lua: ssh.krl { ca = "ssh-ca", ledger = input "ledger", serials = { "3" }, key_ids = { "mallory" },
//
//	keys = input "compromised", out = "revoked.krl", ledger_out = "ledger.json" } -> { artifact, signature, version, revoked }
type SSHKRL struct {
	At
	CA        string
	Ledger    source
	Serials   []uint64
	KeyIDs    []string
	Keys      string // input, authorized_keys lines
	Out       string
	LedgerOut string
}

func init() {
	register(Primitive{Name: "ssh.krl", Parse: func(a Args, at At) (Call, error) {
		k := SSHKRL{At: at, CA: a.String("ca", true), KeyIDs: a.Strings("key_ids"), Keys: a.Input("keys"),
			Out: a.String("out", true), LedgerOut: a.String("ledger_out", true)}
		var err error
		if k.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", true); err != nil {
			return nil, err
		}
		for _, s := range a.Strings("serials") {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("serials: %q is not a certificate serial", s)
			}
			k.Serials = append(k.Serials, n)
		}
		return k, nil
	}})
}

func (k SSHKRL) Placeholder() any {
	return map[string]any{"artifact": k.Out, "signature": k.Out + ".sig", "version": 1, "revoked": 0}
}
func (k SSHKRL) Brief() string { return k.brief(k.Out + " signed by " + k.CA) }
func (k SSHKRL) Paper() string {
	var what []string
	for _, s := range k.Serials {
		what = append(what, "serial "+strconv.FormatUint(s, 10))
	}
	for _, id := range k.KeyIDs {
		what = append(what, "key id "+id)
	}
	if k.Keys != "" {
		what = append(what, "the keys of input "+k.Keys)
	}
	revoke := "nothing new"
	if len(what) > 0 {
		revoke = strings.Join(what, ", ")
	}
	return fmt.Sprintf("Revoke %s in %s; write the revocation list of everything it revokes as %s, signed by %s as %s.sig; save the ledger as %s",
		revoke, k.Ledger.paper(), k.Out, k.CA, k.Out, k.LedgerOut)
}
func (k SSHKRL) Lint(l Linter) {
	k.Ledger.lint(l)
	if k.Keys != "" {
		l.Input(k.Keys)
	}
	l.Artifact(k.Out)
	l.Artifact(k.Out + ".sig")
	l.Artifact(k.LedgerOut)
}

type sshKRLData struct {
	CA           string   `json:"ca"`
	Fingerprint  string   `json:"ca_fingerprint"`
	Version      uint64   `json:"krl_version"`
	Revoked      []string `json:"revoked"`
	Marked       int      `json:"marked"`
	Out          string   `json:"out"`
	OutSHA256    string   `json:"out_sha256"`
	Sig          string   `json:"signature"`
	SigSHA256    string   `json:"signature_sha256"`
	LedgerOut    string   `json:"ledger_out"`
	LedgerSHA256 string   `json:"ledger_sha256"`
}

func (k SSHKRL) Run(ctx context.Context, h Host) (any, error) {
	var d sshKRLData
	rec, err := replaySigned(h, k, EvSSHKRL, "interrupted before the revocation list was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.CA != k.CA {
			return nil, diverged(h, rec, "a revocation list by %s is recorded where the script has %s sign it", d.CA, k.CA)
		}
		for _, f := range [][2]string{{d.Out, d.OutSHA256}, {d.Sig, d.SigSHA256}, {d.LedgerOut, d.LedgerSHA256}} {
			if err := checkArtifact(h, rec, f[0], f[1]); err != nil {
				return nil, err
			}
		}
	} else if d, err = k.make(ctx, h); err != nil {
		return nil, err
	}
	return map[string]any{"artifact": d.Out, "signature": d.Sig, "version": int(d.Version), "revoked": len(d.Revoked)}, nil
}

func (k SSHKRL) make(ctx context.Context, h Host) (sshKRLData, error) {
	signer, caPub, err := sshCAKey(ctx, h, k.CA)
	if err != nil {
		return sshKRLData{}, err
	}
	led, err := readLedger(h, k.Ledger, caPub)
	if err != nil {
		return sshKRLData{}, err
	}
	var keys []listedKey
	if k.Keys != "" {
		b, err := h.Input(k.Keys)
		if err != nil {
			return sshKRLData{}, err
		}
		if keys, err = parseKeyList(b, false); err != nil {
			return sshKRLData{}, fmt.Errorf("input %s: %w", k.Keys, err)
		}
	}
	now := h.Now().UTC()
	marked, err := led.Revoke(k.Serials, k.KeyIDs, listedKeys(keys), now, h.Ceremony())
	if err != nil {
		return sshKRLData{}, err
	}
	krl, err := led.KRL(caPub, now, "revocations of "+sshca.Fingerprint(caPub))
	if err != nil {
		return sshKRLData{}, err
	}
	list, armoured, err := krl.Signed(signer)
	if err != nil {
		return sshKRLData{}, err
	}
	ledger := led.Marshal()
	d := sshKRLData{CA: k.CA, Fingerprint: sshca.Fingerprint(caPub), Version: krl.Version, Revoked: krl.Describe(), Marked: marked,
		OutSHA256: DigestOf(list).Hex, SigSHA256: DigestOf(armoured).Hex, LedgerSHA256: DigestOf(ledger).Hex}
	for _, f := range []struct {
		name    *string
		want    string
		content []byte
	}{{&d.Out, k.Out, list}, {&d.Sig, k.Out + ".sig", armoured}, {&d.LedgerOut, k.LedgerOut, ledger}} {
		if *f.name, err = saveOnce(h, f.want, f.content); err != nil {
			return sshKRLData{}, err
		}
	}
	revokes := "It revokes nothing yet."
	if len(d.Revoked) > 0 {
		revokes = "It revokes:\n  " + strings.Join(d.Revoked, "\n  ")
	}
	text := fmt.Sprintf("Revocation list version %d by CA %s, saved as %s with its signature %s; %d certificates newly revoked in the ledger.\n%s",
		d.Version, d.Fingerprint, d.Out, d.Sig, marked, revokes)
	if err := confirmStep(ctx, h, text); err != nil {
		return sshKRLData{}, err
	}
	return d, h.Append(EvSSHKRL, "", d)
}
