package main

import (
	"crypto/rand"
	"fmt"

	"github.com/ceremony-dev/ceremony/witness"
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
	flags := newFlags(s, "cosign DIR --key FILE",
		`A witness runs this, with their own key, on a bundle they watched being made.
It verifies the bundle first and refuses one that is not complete and valid,
then adds one signature line to the bundle's checkpoint file, keeping every
signature already there. Cosigning again with the same key changes nothing.`,
		"ceremony cosign ./ksk-2026-04 --key ~/alice.witness-key")
	keyPath := flags.String("key", "", "the witness's key `file` (from 'ceremony witness-key')")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *keyPath == "" {
		errorf(s.err, "cosign takes one bundle directory and --key FILE")
		return exitUsage
	}
	signer, err := witness.LoadSigner(*keyPath)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	defer signer.Close()
	// Two witnesses cosigning at once would each replace the checkpoint
	// file with their own signature added: one would be lost.
	unlock, code := lockBundle(pos[0], s)
	if unlock == nil {
		return code
	}
	defer unlock()
	rep, err := witness.Cosign(pos[0], signer)
	if rep == nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	if err != nil {
		errorf(s.err, "not cosigned: %v", err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "cosigned %s as %s: %d events, head %s\n", pos[0], signer.Name(), rep.Final.Count, rep.Final.Head)
	return exitOK
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
