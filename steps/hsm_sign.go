package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/transcript"
)

// EvSigned records a signature the token made and software verified.
const EvSigned = "hsm.signed"

// Sign: the token signs an input or an artifact; the signature is verified
// in software and saved as an artifact.
// Lua: hsm.sign { key = "root-2026", input = "csr", out = "csr.sig" } -> { artifact, sha256 }
type Sign struct {
	At
	Key      string
	Input    string // a declared input, or
	Artifact string // an artifact produced earlier
	Out      string // artifact name for the signature
}

func init() {
	register(Primitive{Name: "hsm.sign", Parse: func(a Args, at At) (Call, error) {
		s := Sign{At: at, Key: a.String("key", true), Input: a.Input("input"),
			Artifact: a.String("artifact", false), Out: a.String("out", true)}
		if (s.Input == "") == (s.Artifact == "") {
			return nil, errors.New("give exactly one of input or artifact")
		}
		return s, nil
	}})
}

func (s Sign) Placeholder() any { return map[string]any{"artifact": s.Out, "sha256": "{sha256}"} }
func (s Sign) Brief() string {
	return s.brief(s.Input + s.Artifact + " with " + s.Key + " into " + s.Out)
}

func (s Sign) Paper() string {
	what := "input " + s.Input
	if s.Artifact != "" {
		what = "artifact " + s.Artifact
	}
	return fmt.Sprintf("Sign %s with key %s; save the signature as %s", what, s.Key, s.Out)
}

func (s Sign) Lint(l Linter) {
	if s.Input != "" {
		l.Input(s.Input)
	}
	if s.Artifact != "" && !l.Saved(s.Artifact) {
		l.Problem("artifact %q is signed before any step saves it", s.Artifact)
	}
	l.Artifact(s.Out)
}

// signData is the data of hsm.signed.
type signData struct {
	Key           string `json:"key"`
	Input         string `json:"input,omitempty"`
	Artifact      string `json:"artifact,omitempty"`
	MessageSHA256 string `json:"message_sha256"`
	Algorithm     string `json:"algorithm"`
	Out           string `json:"out"`
	SHA256        string `json:"sha256"` // of the signature
	// Recovered is set when a resumed ceremony found the signature saved
	// just before the interruption, and checked it instead of signing again.
	// When the file left behind is torn, the new signature is saved under a
	// fresh name instead (Out), since nothing is ever overwritten.
	Recovered bool `json:"recovered,omitempty"`
}

func (s Sign) Run(ctx context.Context, h Host) (any, error) {
	d, err := replayed(h, s, Replay{Final: []string{EvSigned}, Steps: append(activationSteps, EvLogin, transcript.TypeArtifact),
		Void: "interrupted before the signature was recorded"}, func(bool) (signData, error) { return s.sign(ctx, h) })
	if err != nil {
		return nil, err
	}
	return map[string]any{"artifact": d.Out, "sha256": d.SHA256}, nil
}

func (s Sign) sign(ctx context.Context, h Host) (signData, error) {
	tok, err := ensureActive(ctx, h)
	if err != nil {
		return signData{}, err
	}
	var msg []byte
	if s.Input != "" {
		msg, err = h.Input(s.Input)
	} else {
		msg, err = h.ReadArtifact(s.Artifact)
	}
	if err != nil {
		return signData{}, fmt.Errorf("reading what to sign: %w", err)
	}
	digest := DigestOf(msg)
	if want, ok := h.Session().confirmed[s.Input]; ok && s.Input != "" && digest.Hex != want {
		return signData{}, fmt.Errorf("input %s has SHA-256 %s, not the %s the room confirmed: nothing is signed", s.Input, digest.Hex, want)
	}
	signer, err := tok.FindKey(s.Key)
	if err != nil {
		return signData{}, fmt.Errorf("key %q: %w", s.Key, err)
	}
	out := s.Out
	sig, saved := h.Leftover(out)
	if saved && VerifySignature(signer.Public(), msg, sig) != nil {
		saved, out = false, h.FreshName(out)
	}
	alg := ""
	if !saved {
		if sig, alg, err = SignVerified(signer, msg); err != nil {
			return signData{}, err
		}
		if err := h.SaveArtifact(out, sig); err != nil {
			return signData{}, fmt.Errorf("saving the signature: %w", err)
		}
	}
	return signData{Key: s.Key, Input: s.Input, Artifact: s.Artifact, MessageSHA256: digest.Hex, Algorithm: alg,
		Out: out, SHA256: DigestOf(sig).Hex, Recovered: saved}, nil
}
