package steps

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshca"
)

// sshCAKey finds the SSH CA key on the active token: a signer for the
// certificates (one that leaves the software checks to sshca.SignBatch
// where the token offers it), and the public key they are checked against.
// A key this ceremony generated must still be the key it recorded.
func sshCAKey(ctx context.Context, h Host, label string) (ssh.Signer, ssh.PublicKey, error) {
	key, err := tokenKey(ctx, h, label)
	if err != nil {
		return nil, nil, err
	}
	pub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("key %q as an SSH key: %w", label, err)
	}
	signing := crypto.Signer(key)
	if u, ok := key.(interface{ Unverified() crypto.Signer }); ok {
		signing = u.Unverified()
	}
	signer, err := sshca.CASigner(signing)
	if err != nil {
		return nil, nil, err
	}
	return signer, pub, nil
}

// listedKey is one line of a key list: an authorized_keys line whose
// comment is the certificate's key id and whose principals="..." option,
// if any, its principals.
type listedKey struct {
	Line       int
	Key        ssh.PublicKey
	KeyID      string
	Principals []string
}

// maxListedKeys bounds a key list: more certificates than a ceremony signs.
const maxListedKeys = 100000

// parseKeyList reads a list of public keys in authorized_keys form, one a
// line; blank lines and lines starting with '#' are passed over. Options
// other than principals= are refused, as is a key without a comment, a key
// listed twice and a key id used twice; a list to certify refuses a key
// too weak to certify, a list to revoke takes it.
func parseKeyList(b []byte, certify bool) ([]listedKey, error) {
	var out []listedKey
	keys, ids := map[string]int{}, map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		pub, comment, opts, rest, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(rest) > 0 {
			return nil, fmt.Errorf("line %d: one key a line", n)
		}
		if err := sshca.CheckKey(pub); err != nil && (certify || !errors.Is(err, sshca.ErrWeakKey)) {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		k := listedKey{Line: n, Key: pub, KeyID: comment}
		if k.KeyID == "" || strings.ContainsAny(k.KeyID, " \t") {
			return nil, fmt.Errorf("line %d: the key's comment is its certificate's key id, and is required (one word)", n)
		}
		for _, o := range opts {
			v, ok := strings.CutPrefix(o, "principals=")
			if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
				return nil, fmt.Errorf("line %d: option %q: only principals=\"a,b\" is understood", n, o)
			}
			k.Principals = strings.Split(v[1:len(v)-1], ",")
			for _, p := range k.Principals {
				if p == "" || strings.ContainsAny(p, " \t") {
					return nil, fmt.Errorf("line %d: principal %q: no empty names or spaces", n, p)
				}
			}
		}
		fp := sshca.Fingerprint(pub)
		if prev, dup := keys[fp]; dup {
			return nil, fmt.Errorf("line %d: the key of line %d again", n, prev)
		}
		if prev, dup := ids[k.KeyID]; dup {
			return nil, fmt.Errorf("line %d: key id %q is line %d's too", n, k.KeyID, prev)
		}
		keys[fp], ids[k.KeyID] = n, n
		if out = append(out, k); len(out) > maxListedKeys {
			return nil, fmt.Errorf("more than %d keys", maxListedKeys)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no keys")
	}
	return out, nil
}

// parseValidity reads a validity period: "forever", or a number of hours
// ("h"), days ("d") or weeks ("w").
func parseValidity(s string) (time.Duration, bool, error) {
	if s == "forever" {
		return 0, true, nil
	}
	units := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(s) < 2 || units[s[len(s)-1]] == 0 {
		return 0, false, fmt.Errorf("validity %q: use forever, or a number and h, d or w (\"52w\")", s)
	}
	var n int64
	const century = 100 * 366 * 24 * time.Hour
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || n > int64(century/time.Hour) || fmt.Sprint(n) != s[:len(s)-1] ||
		time.Duration(n)*units[s[len(s)-1]] > century {
		return 0, false, fmt.Errorf("validity %q: use forever, or a number and h, d or w (\"52w\"), at most a century", s)
	}
	return time.Duration(n) * units[s[len(s)-1]], false, nil
}

// readLedger is the SSH ledger src names, checked to be the CA's, or a
// new ledger when src names nothing.
func readLedger(h Host, src source, ca ssh.PublicKey) (*sshca.Ledger, error) {
	b, ok, err := src.read(h)
	if err != nil {
		return nil, err
	}
	if !ok {
		return sshca.NewLedger(ca), nil
	}
	led, err := sshca.ParseLedger(b)
	if err != nil {
		return nil, err
	}
	return led, led.CheckCA(ca)
}

// checkArtifact holds a recorded artifact to the hash its event gives.
func checkArtifact(h Host, rec Recorded, name, sum string) error {
	b, err := h.ReadArtifact(name)
	if err != nil {
		return diverged(h, rec, "artifact %s: %v", name, err)
	}
	if got := DigestOf(b).Hex; got != sum {
		return diverged(h, rec, "artifact %s has SHA-256 %s, its event records %s", name, got, sum)
	}
	return nil
}

func listedKeys(ks []listedKey) []ssh.PublicKey {
	out := make([]ssh.PublicKey, len(ks))
	for i, k := range ks {
		out[i] = k.Key
	}
	return out
}
