package steps

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// EvKey records a key generated on the token, with its public half.
const EvKey = "hsm.key"

// KeyTypes are the key types a token is asked to generate.
var KeyTypes = []string{"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"}

// GenerateKey: a key pair generated on the active token.
// Lua: hsm.generate_key { label = "root-2026", type = "ecdsa-p256" } -> { label, id, public_key }
type GenerateKey struct {
	At
	Label string
	Type  string
}

func init() {
	register(Primitive{Name: "hsm.generate_key", Parse: func(a Args, at At) (Call, error) {
		g := GenerateKey{At: at, Label: a.String("label", true), Type: a.String("type", true)}
		return g, oneOf("type", g.Type, KeyTypes...)
	}})
}

func (g GenerateKey) Placeholder() any {
	return map[string]any{"label": g.Label, "id": "{key id}", "public_key": "{public key}"}
}
func (g GenerateKey) Brief() string { return g.brief(g.Label + " (" + g.Type + ")") }
func (g GenerateKey) Paper() string {
	return fmt.Sprintf("Generate key %s (%s) on the token", g.Label, g.Type)
}
func (g GenerateKey) Lint(l Linter) { l.Key(g.Label) }

// keyData is the data of hsm.key.
type keyData struct {
	Label     string `json:"label"`
	Type      string `json:"type"`
	ID        string `json:"id"`
	PublicKey string `json:"public_key"` // PEM, PKIX
	// Recovered is set when a resumed ceremony found the key it was
	// generating when it was interrupted, before the result was recorded.
	Recovered bool `json:"recovered,omitempty"`
}

func (g GenerateKey) Run(ctx context.Context, h Host) (any, error) {
	spec := Replay{Final: []string{EvKey}, Steps: append(activationSteps, EvLogin), Void: "interrupted before the key was recorded"}
	rec, err := h.Replay(g.Name, spec)
	if err != nil {
		return nil, err
	}
	var d keyData
	if rec.Found() {
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		if err := h.Session().replayedUse(h, rec); err != nil {
			return nil, err
		}
		if d.Label != g.Label || d.Type != g.Type {
			return nil, diverged(h, rec, "key %s (%s) is recorded where the script generates %s (%s)", d.Label, d.Type, g.Label, g.Type)
		}
	} else {
		if d, err = g.generate(ctx, h, rec.Interrupted || h.Resumed()); err != nil {
			return nil, err
		}
		if err := h.Append(EvKey, "", d); err != nil {
			return nil, err
		}
	}
	if pub, err := parsePublicKey(d.PublicKey); err == nil {
		h.Session().keys[d.Label] = pub
		showKey(h, d.Label, pub)
	} else if rec.Found() {
		return nil, diverged(h, rec, "the public key of %s does not parse: %v", d.Label, err)
	}
	return map[string]any{"label": d.Label, "id": d.ID, "public_key": d.PublicKey}, nil
}

// parsePublicKey reads the PEM public key hsm.key records.
func parsePublicKey(p string) (crypto.PublicKey, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM public key")
	}
	return x509.ParsePKIXPublicKey(b.Bytes)
}

func (g GenerateKey) generate(ctx context.Context, h Host, mayExist bool) (keyData, error) {
	tok, err := ensureActive(ctx, h)
	if err != nil {
		return keyData{}, err
	}
	d := keyData{Label: g.Label, Type: g.Type}
	var signer crypto.Signer
	if mayExist {
		// A key generated just before an interruption is on the token but
		// not in the transcript; it is taken over, and the record says so.
		if s, err := tok.FindKey(g.Label); err == nil {
			signer, d.Recovered = s, true
		}
	}
	if signer == nil {
		if signer, err = tok.GenerateKey(g.Label, g.Type); err != nil {
			return keyData{}, fmt.Errorf("generating %s key %q: %w", g.Type, g.Label, err)
		}
	}
	der, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return keyData{}, err
	}
	d.PublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if k, ok := signer.(interface{ ID() []byte }); ok {
		d.ID = hex.EncodeToString(k.ID())
	}
	return d, nil
}

// showKey puts a generated public key before the room with the fingerprints
// its ecosystems compare: the SHA-256 of the SubjectPublicKeyInfo (what
// certificate tools show) and OpenSSH's SHA256: form.
func showKey(h Host, label string, pub crypto.PublicKey) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return
	}
	sum := sha256.Sum256(der)
	h.Show("public key "+label+", SHA-256 of its SubjectPublicKeyInfo", colonHex(sum[:]))
	if sp, err := ssh.NewPublicKey(pub); err == nil {
		h.Show("public key "+label+", SSH fingerprint", ssh.FingerprintSHA256(sp))
	}
}

// colonHex is b in the colon-separated hex that openssl prints.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}
