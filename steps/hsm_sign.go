package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	rec, err := h.Replay(s.Name, Replay{Final: []string{EvSigned}, Steps: append(activationSteps, EvLogin, transcript.TypeArtifact),
		Void: "interrupted before the signature was recorded"})
	if err != nil {
		return nil, err
	}
	var d signData
	if rec.Found() {
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		if err := s.checkRecorded(h, rec, d); err != nil {
			return nil, err
		}
	} else {
		if d, err = s.sign(ctx, h); err != nil {
			return nil, err
		}
		if err := h.Append(EvSigned, "", d); err != nil {
			return nil, err
		}
	}
	return map[string]any{"artifact": d.Out, "sha256": d.SHA256}, nil
}

// checkRecorded holds a recorded signature to the script and to the bundle: the
// key, input and artifact the script names; the hash of the message as the
// bundle keeps it; the signature file, which must verify under the key's
// recorded public half when this ceremony generated the key.
func (s Sign) checkRecorded(h Host, rec Recorded, d signData) error {
	if err := h.Session().replayedUse(h, rec); err != nil {
		return err
	}
	if d.Key != s.Key || d.Input != s.Input || d.Artifact != s.Artifact || d.Out != s.Out && !strings.HasPrefix(d.Out, s.Out+".") {
		return diverged(h, rec, "a signature by %s of %s%s into %s is recorded where the script signs %s%s with %s into %s",
			d.Key, d.Input, d.Artifact, d.Out, s.Input, s.Artifact, s.Key, s.Out)
	}
	msg, err := s.message(h)
	if err != nil {
		return diverged(h, rec, "%v", err)
	}
	if got := DigestOf(msg).Hex; got != d.MessageSHA256 {
		return diverged(h, rec, "the signed message is recorded with SHA-256 %s; the bundle's %s%s has %s", d.MessageSHA256, s.Input, s.Artifact, got)
	}
	if want, ok := h.Session().confirmed[s.Input]; ok && s.Input != "" && want != d.MessageSHA256 {
		return diverged(h, rec, "input %s was signed with SHA-256 %s, not the %s the room confirmed", s.Input, d.MessageSHA256, want)
	}
	if pub, ok := h.Session().keys[s.Key]; ok {
		sig, err := h.ReadArtifact(d.Out)
		if err != nil {
			return diverged(h, rec, "signature %s: %v", d.Out, err)
		}
		if err := VerifySignature(pub, msg, sig); err != nil {
			return diverged(h, rec, "signature %s does not verify under the recorded public key of %s: %v", d.Out, s.Key, err)
		}
	}
	return nil
}

// message is what the call signs: an input, or an artifact saved earlier.
func (s Sign) message(h Host) ([]byte, error) {
	if s.Input != "" {
		return h.Input(s.Input)
	}
	return h.ReadArtifact(s.Artifact)
}

func (s Sign) sign(ctx context.Context, h Host) (signData, error) {
	tok, err := ensureActive(ctx, h)
	if err != nil {
		return signData{}, err
	}
	msg, err := s.message(h)
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
