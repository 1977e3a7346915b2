package steps

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/ceremony-dev/ceremony/sshca"
)

// EvSSHCA records the SSH CA's public key as written for sshd and
// known_hosts, with its fingerprint.
const EvSSHCA = "ssh.ca"

// SSHCA: write the public half of a token key as an SSH CA key (the line
// for TrustedUserCAKeys and @cert-authority) and show its fingerprint.
// Lua: ssh.ca { key = "ssh-ca", out = "ssh_ca.pub" } -> { public_key, fingerprint, artifact }
type SSHCA struct {
	At
	Key string
	Out string
}

func init() {
	register(Primitive{Name: "ssh.ca", Parse: func(a Args, at At) (Call, error) {
		return SSHCA{At: at, Key: a.String("key", true), Out: a.String("out", true)}, nil
	}})
}

func (c SSHCA) Placeholder() any {
	return map[string]any{"public_key": "{ssh public key}", "fingerprint": "{SHA256:fingerprint}", "artifact": c.Out}
}
func (c SSHCA) Brief() string { return c.brief(c.Key + " into " + c.Out) }
func (c SSHCA) Paper() string {
	return fmt.Sprintf("Write the SSH CA public key of %s as %s; write its fingerprint here: SHA256:______________________________", c.Key, c.Out)
}
func (c SSHCA) Lint(l Linter) { l.Artifact(c.Out) }

type sshCAData struct {
	Key         string `json:"key"`
	PublicKey   string `json:"public_key"`
	Fingerprint string `json:"fingerprint"`
	Out         string `json:"out"`
	SHA256      string `json:"sha256"`
}

func (c SSHCA) Run(ctx context.Context, h Host) (any, error) {
	var d sshCAData
	rec, err := replaySigned(h, c, EvSSHCA, "interrupted before the CA key was recorded", &d)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.Key != c.Key || d.Out != c.Out && !strings.HasPrefix(d.Out, c.Out+".") {
			return nil, diverged(h, rec, "CA key %s into %s is recorded where the script writes %s into %s", d.Key, d.Out, c.Key, c.Out)
		}
		if err := checkArtifact(h, rec, d.Out, d.SHA256); err != nil {
			return nil, err
		}
	} else {
		_, pub, err := sshCAKey(ctx, h, c.Key)
		if err != nil {
			return nil, err
		}
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + c.Key
		d = sshCAData{Key: c.Key, PublicKey: line, Fingerprint: sshca.Fingerprint(pub), SHA256: DigestOf([]byte(line + "\n")).Hex}
		if d.Out, err = saveOnce(h, c.Out, []byte(line+"\n")); err != nil {
			return nil, err
		}
		text := fmt.Sprintf("The SSH CA key %s (%s) is saved as %s.\nFingerprint: %s\nWrite the fingerprint on the paper script; every server and user will check the key against it.",
			c.Key, pub.Type(), d.Out, d.Fingerprint)
		if err := confirmStep(ctx, h, text); err != nil {
			return nil, err
		}
		if err := h.Append(EvSSHCA, "", d); err != nil {
			return nil, err
		}
	}
	h.Show("SSH CA key "+d.Key+", fingerprint", d.Fingerprint)
	return map[string]any{"public_key": d.PublicKey, "fingerprint": d.Fingerprint, "artifact": d.Out}, nil
}
