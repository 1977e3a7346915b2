package sshca

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ceremony-dev/ceremony/strictjson"
	"golang.org/x/crypto/ssh"
)

// Ledger is the record of every certificate a CA issued, kept from one
// ceremony to the next: the previous ledger is an input of the next
// ceremony, which issues serials above its last one and writes the ledger
// anew. It is JSON, one entry per certificate, in serial order:
//
//	{
//	  "ca": "SHA256:…",
//	  "krl_version": 2,
//	  "certificates": [
//	    {"serial": 1, "type": "user", "key_id": "alice", "principals": ["alice"],
//	     "valid_after": "2026-12-01T00:00:00Z", "valid_before": "2027-12-01T00:00:00Z",
//	     "key": "SHA256:…", "ceremony": "ssh-ca-2026-12"},
//	    {"serial": 2, …, "revoked": "2027-03-01T10:00:00Z", "revoked_in": "ssh-ca-2027-03"}
//	  ]
//	}
type Ledger struct {
	CA           string  `json:"ca"`
	KRLVersion   uint64  `json:"krl_version"`
	Certificates []Entry `json:"certificates"`
	// RevokedKeyIDs revoke every certificate with the key id, issued
	// here or not; RevokedKeys revoke keys outright (authorized_keys
	// lines), certified or not.
	RevokedKeyIDs []string `json:"revoked_key_ids,omitempty"`
	RevokedKeys   []string `json:"revoked_keys,omitempty"`
}

// Entry is one issued certificate. ValidBefore is empty for a certificate
// without an end of validity.
type Entry struct {
	Serial      uint64   `json:"serial"`
	Type        string   `json:"type"`
	KeyID       string   `json:"key_id"`
	Principals  []string `json:"principals"`
	ValidAfter  string   `json:"valid_after"`
	ValidBefore string   `json:"valid_before,omitempty"`
	Key         string   `json:"key"`
	Ceremony    string   `json:"ceremony"`
	Revoked     string   `json:"revoked,omitempty"`
	RevokedIn   string   `json:"revoked_in,omitempty"`
}

// MaxLedger bounds what ParseLedger reads: about 50,000 certificates.
const MaxLedger = 16 << 20

// ErrLedger is wrapped by every error about a ledger's content.
var ErrLedger = errors.New("sshca: ledger")

// ParseLedger reads a ledger strictly: unknown fields, serials out of
// order or repeated, and bad times are refused.
func ParseLedger(b []byte) (*Ledger, error) {
	var l Ledger
	if err := strictjson.Decode(b, MaxLedger, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	if l.CA == "" {
		return nil, fmt.Errorf("%w: no ca fingerprint", ErrLedger)
	}
	var last uint64
	for i, e := range l.Certificates {
		if e.Serial <= last {
			return nil, fmt.Errorf("%w: entry %d: serial %d after %d: serials must increase", ErrLedger, i+1, e.Serial, last)
		}
		last = e.Serial
		if e.Serial > math.MaxInt64 {
			return nil, fmt.Errorf("%w: entry %d: serial %d is past the serials a ledger counts to", ErrLedger, i+1, e.Serial)
		}
		if _, err := ParseKind(e.Type); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrLedger, i+1, err)
		}
		for _, t := range []struct{ name, v string }{{"valid_after", e.ValidAfter}, {"valid_before", e.ValidBefore}, {"revoked", e.Revoked}} {
			if t.v == "" && t.name != "valid_after" {
				continue
			}
			if _, err := time.Parse(time.RFC3339, t.v); err != nil {
				return nil, fmt.Errorf("%w: entry %d: %s: %v", ErrLedger, i+1, t.name, err)
			}
		}
		if e.KeyID == "" || e.Key == "" {
			return nil, fmt.Errorf("%w: entry %d: key_id and key are required", ErrLedger, i+1)
		}
	}
	for _, k := range l.RevokedKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err != nil {
			return nil, fmt.Errorf("%w: revoked key %q: %v", ErrLedger, k, err)
		}
	}
	return &l, nil
}

// NewLedger is the empty ledger of a new CA.
func NewLedger(ca ssh.PublicKey) *Ledger {
	return &Ledger{CA: Fingerprint(ca), Certificates: []Entry{}}
}

// CheckCA refuses a ledger kept for another CA key.
func (l *Ledger) CheckCA(ca ssh.PublicKey) error {
	if fp := Fingerprint(ca); l.CA != fp {
		return fmt.Errorf("%w: kept for CA %s, not %s", ErrLedger, l.CA, fp)
	}
	return nil
}

// NextSerial is the serial of the next certificate: above every one issued.
func (l *Ledger) NextSerial() uint64 {
	if n := len(l.Certificates); n > 0 {
		return l.Certificates[n-1].Serial + 1
	}
	return 1
}

// Add records an issued certificate.
func (l *Ledger) Add(c *ssh.Certificate, ceremony string) error {
	if c.Serial < l.NextSerial() {
		return fmt.Errorf("%w: serial %d is not above the last issued", ErrLedger, c.Serial)
	}
	e := Entry{Serial: c.Serial, Type: Kind(c.CertType).String(), KeyID: c.KeyId, Principals: slices.Clone(c.ValidPrincipals),
		ValidAfter: stamp(c.ValidAfter), Key: Fingerprint(c.Key), Ceremony: ceremony}
	if e.Principals == nil {
		e.Principals = []string{}
	}
	if c.ValidBefore != ssh.CertTimeInfinity {
		e.ValidBefore = stamp(c.ValidBefore)
	}
	l.Certificates = append(l.Certificates, e)
	return nil
}

func stamp(unix uint64) string { return time.Unix(int64(unix), 0).UTC().Format(time.RFC3339) }

// Revoke marks certificates revoked by serial, and by key id, and records
// the key ids and keys for every later revocation list; it returns how
// many of the ledger's certificates it marked. A serial the ledger does
// not hold is an error: a revocation that matches nothing is a typo. A key
// id or key may match nothing here, since it revokes what was issued
// elsewhere too.
func (l *Ledger) Revoke(serials []uint64, keyIDs []string, keys []ssh.PublicKey, at time.Time, ceremony string) (int, error) {
	marked := 0
	for _, s := range serials {
		i := slices.IndexFunc(l.Certificates, func(e Entry) bool { return e.Serial == s })
		if i < 0 {
			return 0, fmt.Errorf("%w: no certificate with serial %d", ErrLedger, s)
		}
		marked += l.mark(i, at, ceremony)
	}
	for _, id := range keyIDs {
		for i, e := range l.Certificates {
			if e.KeyID == id {
				marked += l.mark(i, at, ceremony)
			}
		}
		if !slices.Contains(l.RevokedKeyIDs, id) {
			l.RevokedKeyIDs = append(l.RevokedKeyIDs, id)
		}
	}
	for _, k := range keys {
		if err := CheckKey(k); err != nil && !errors.Is(err, ErrWeakKey) {
			return 0, err
		}
		line := string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(k)))
		fp := Fingerprint(k)
		for i, e := range l.Certificates {
			if e.Key == fp {
				marked += l.mark(i, at, ceremony)
			}
		}
		if !slices.Contains(l.RevokedKeys, line) {
			l.RevokedKeys = append(l.RevokedKeys, line)
		}
	}
	return marked, nil
}

func (l *Ledger) mark(i int, at time.Time, ceremony string) int {
	if l.Certificates[i].Revoked != "" {
		return 0
	}
	l.Certificates[i].Revoked = at.UTC().Format(time.RFC3339)
	l.Certificates[i].RevokedIn = ceremony
	return 1
}

// KRL is the revocation list of everything the ledger revokes: its revoked
// certificates by serial, and the key ids and keys, with the next version.
func (l *Ledger) KRL(ca ssh.PublicKey, at time.Time, comment string) (*KRL, error) {
	if err := l.CheckCA(ca); err != nil {
		return nil, err
	}
	l.KRLVersion++
	k := &KRL{Version: l.KRLVersion, Generated: at, Comment: comment, CA: ca}
	for _, e := range l.Certificates {
		if e.Revoked != "" {
			k.Serials = append(k.Serials, e.Serial)
		}
	}
	k.KeyIDs = slices.Clone(l.RevokedKeyIDs)
	for _, line := range l.RevokedKeys {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%w: revoked key %q: %v", ErrLedger, line, err)
		}
		k.Keys = append(k.Keys, pub)
	}
	return k, nil
}

// Marshal is the ledger as JSON, indented for people to read.
func (l *Ledger) Marshal() []byte {
	b, _ := json.MarshalIndent(l, "", "  ")
	return append(b, '\n')
}
