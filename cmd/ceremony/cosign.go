package main

import (
	"crypto/rand"
	"fmt"
	"path/filepath"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/sshsig"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/witness"
	"golang.org/x/crypto/ssh"
)

func init() {
	register(&command{
		name:    "cosign",
		summary: "add a witness's signature to a finished ceremony's checkpoint",
		run:     runCosign,
	})
	register(&command{
		name:    "witness-key",
		summary: "make a witness's signing key and print its line for the roster",
		run:     runWitnessKey,
	})
}

func runCosign(args []string, s stdio) int {
	flags := newFlags(s, "cosign DIR --key FILE | cosign DIR --print | cosign DIR --ssh-signature FILE --as ID",
		`A witness runs this, with their own key, on a bundle they watched being made.
It verifies the bundle first and refuses one that is not complete and valid,
then adds one signature line to the bundle's checkpoint file, keeping every
signature already there. Cosigning again with the same key changes nothing.

A witness key comes from 'ceremony witness-key'. A witness whose roster entry
has an SSH public key (public_key = "ssh-ed25519 AAAA...") signs with stock
OpenSSH tools instead: --print writes the text of the final checkpoint,
which they read and sign with
  ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n ceremony-checkpoint checkpoint.txt
(or with a key in ssh-agent or on a security key), and --ssh-signature adds
the signature after checking it against their roster key.`,
		"ceremony cosign ./ksk-2026-04 --key ~/alice.witness-key\n"+
			"  ceremony cosign ./ksk-2026-04 --print > checkpoint.txt\n"+
			"  ceremony cosign ./ksk-2026-04 --ssh-signature checkpoint.txt.sig --as bruno")
	keyPath := flags.String("key", "", "the witness's key `file` (from 'ceremony witness-key')")
	printText := flags.Bool("print", false, "write the final checkpoint's text, which an SSH cosignature signs, and change nothing")
	sigPath := flags.String("ssh-signature", "", "an SSH signature `file` (ssh-keygen -Y sign -n "+witness.CosignNamespace+") over that text")
	as := flags.String("as", "", "the roster `id` of the witness who made the SSH signature")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	ways := 0
	for _, set := range []bool{*keyPath != "", *printText, *sigPath != ""} {
		if set {
			ways++
		}
	}
	if len(pos) != 1 || ways != 1 || (*sigPath != "") != (*as != "") {
		errorf(s.err, "cosign takes one bundle directory and one of --key FILE, --print, or --ssh-signature FILE with --as ID")
		return exitUsage
	}
	dir := pos[0]
	if *printText {
		rep, text, err := witness.CheckpointText(dir)
		if rep == nil || err != nil {
			errorf(s.err, "%v", err)
			return exitFailed
		}
		s.out.Write(text)
		return exitOK
	}
	var signer *witness.Signer
	var sshKey ssh.PublicKey
	var armoured []byte
	var err error
	if *keyPath != "" {
		if signer, err = witness.LoadSigner(*keyPath); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		defer signer.Close()
	} else {
		if armoured, err = durable.ReadFile(*sigPath, sshsig.MaxArmoured); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		if sshKey, err = rosterSSHKey(dir, *as); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
	}
	// Two witnesses cosigning at once would each replace the checkpoint
	// file with their own signature added: one would be lost.
	unlock, code := lockBundle(dir, s)
	if unlock == nil {
		return code
	}
	defer unlock()
	var rep *transcript.Report
	name := *as
	if signer != nil {
		rep, err = witness.Cosign(dir, signer)
		name = signer.Name()
	} else {
		rep, err = witness.CosignSSH(dir, *as, sshKey, armoured)
	}
	if rep == nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	if err != nil {
		errorf(s.err, "not cosigned: %v", err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "cosigned %s as %s: %d events, head %s\n", dir, name, rep.Final.Count, rep.Final.Head)
	return exitOK
}

// rosterSSHKey is the SSH public key the bundle's own configuration gives
// the participant id: a cosignature is held to the key the room knew.
func rosterSSHKey(dir, id string) (ssh.PublicKey, error) {
	b, err := durable.ReadStrict(filepath.Join(dir, transcript.ConfigFile), maxSmallFile)
	if err != nil {
		return nil, err
	}
	cfg, err := runner.ParseConfig(b)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Participants {
		if p.ID == id {
			pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(p.PublicKey))
			if err != nil {
				return nil, fmt.Errorf("%s has no SSH public key on the bundle's roster (public_key = %q)", id, p.PublicKey)
			}
			return pub, nil
		}
	}
	return nil, fmt.Errorf("%q is not on the bundle's roster", id)
}

func runWitnessKey(args []string, s stdio) int {
	flags := newFlags(s, "witness-key --name NAME --out FILE",
		`Makes a witness's Ed25519 signing key, writes it to FILE (which must not
exist; readable by its owner only) and prints the roster line with its public
verifier key. Keep FILE yourself; give the roster line to the administrator.`,
		"ceremony witness-key --name alice --out ~/alice.witness-key")
	name := flags.String("name", "", "the witness's roster `id`; the key is named witness/<id>")
	out := flags.String("out", "", "`file` for the private key")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 || *name == "" || *out == "" {
		errorf(s.err, "witness-key takes --name NAME and --out FILE")
		return exitUsage
	}
	vkey, err := witness.GenerateKey(rand.Reader, "witness/"+*name, *out)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	fmt.Fprintf(s.out, "%s %s\n", *name, vkey)
	return exitOK
}
