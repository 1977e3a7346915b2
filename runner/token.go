package runner

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// activationEvents are what an activation records before hsm.login.
var activationEvents = append([]string{"hsm.token", "hsm.override", "hsm.reactivate"}, shareEvents...)

// openToken opens the token once per run.
func (r *Runner) openToken(uri string) (steps.Token, error) {
	if r.token != nil {
		return r.token, nil
	}
	if r.env.OpenToken == nil {
		return nil, errors.New("no token is configured")
	}
	t, err := r.env.OpenToken(uri)
	if err != nil {
		return nil, fmt.Errorf("opening the token: %w", err)
	}
	r.token = t
	return t, nil
}

func (r *Runner) activatePrimitive(ctx context.Context, q steps.Activate) error {
	got, partial, err := r.recorded(r.stepNumber(), "hsm.login", activationEvents...)
	if err != nil {
		return err
	}
	if got != nil {
		// The recorded session ended with the interrupted process; the next
		// primitive that needs the token activates it again, live.
		r.activated, r.active = &q, false
		return nil
	}
	if err := r.rerun(q.Primitive(), partial, "the activation was interrupted; the shares are entered again"); err != nil {
		return err
	}
	return r.activate(ctx, q)
}

// activate collects the set's secret (unless held) and logs in with it.
func (r *Runner) activate(ctx context.Context, q steps.Activate) error {
	n := r.stepNumber()
	tok, err := r.openToken(q.Token)
	if err != nil {
		return err
	}
	if _, err := r.append("hsm.token", n, r.actorID(), map[string]any{"uri": q.Token, "info": tok.Describe()}); err != nil {
		return err
	}
	secret, err := r.takeSecret(ctx, q.Shares)
	if err != nil {
		return err
	}
	defer steps.Zero(secret)
	err = tok.Login(secret, false)
	if steps.NeedsOverride(err) {
		err = r.override(ctx, tok, secret, err)
	}
	if err != nil {
		return fmt.Errorf("logging in to the token: %w", err)
	}
	if _, err := r.append("hsm.login", n, r.actorID(), map[string]string{"uri": q.Token, "set": q.Shares}); err != nil {
		return err
	}
	r.active, r.activated = true, &q
	return nil
}

// override asks whether to spend a token's last PIN try, records the answer,
// and tries only when the room said so.
func (r *Runner) override(ctx context.Context, tok steps.Token, secret []byte, cause error) error {
	i, err := r.env.UI.Choose(ctx, Choice{
		Title:   fmt.Sprintf("The token refused a login attempt: %v. Another failure may lock it for good. What does the room decide?", cause),
		Options: []string{"do not log in", "log in anyway: the shares were checked against the commitment"}})
	if err != nil {
		return err
	}
	decision := map[int]string{0: "refused", 1: "log in anyway"}[i]
	if _, err := r.append("hsm.override", r.stepNumber(), r.actorID(), map[string]string{"token_state": cause.Error(), "decision": decision}); err != nil {
		return err
	}
	if i != 1 {
		return cause
	}
	return tok.Login(secret, true)
}

// ensureActive makes sure this process is logged in to the token, activating
// again what a resumed ceremony activated before its interruption.
func (r *Runner) ensureActive(ctx context.Context) (steps.Token, error) {
	if r.active {
		return r.token, nil
	}
	if r.activated == nil {
		return nil, errors.New("no token is active: hsm.activate must come first")
	}
	if _, err := r.append("hsm.reactivate", r.stepNumber(), r.actorID(), map[string]string{
		"reason": "the token session ended with the interrupted run; the crypto officers activate the token again"}); err != nil {
		return nil, err
	}
	if err := r.activate(ctx, *r.activated); err != nil {
		return nil, err
	}
	return r.token, nil
}

func (r *Runner) initToken(ctx context.Context, q steps.InitToken) error {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "hsm.init_token", shareEvents...)
	if err != nil || got != nil {
		return err
	}
	if err := r.rerun(q.Primitive(), partial, "the initialisation was interrupted before it was recorded"); err != nil {
		return err
	}
	if r.env.InitToken == nil {
		return errors.New("this token cannot be initialised from a ceremony")
	}
	so, err := r.takeSecret(ctx, q.SOSet)
	if err != nil {
		return err
	}
	defer steps.Zero(so)
	user, err := r.takeSecret(ctx, q.UserSet)
	if err != nil {
		return err
	}
	defer steps.Zero(user)
	d := map[string]any{"uri": q.Token, "so_set": q.SOSet, "user_set": q.UserSet}
	if err := r.env.InitToken(q.Token, so, user); err != nil {
		if !r.fromResume || !r.initialisedWith(q.Token, user) {
			return fmt.Errorf("initialising the token: %w", err)
		}
		// The interrupted run initialised the token just before it
		// stopped: the token takes the user secret, so it is ours.
		d["recovered"] = true
	}
	_, err = r.append("hsm.init_token", n, r.actorID(), d)
	return err
}

// initialisedWith reports whether the token accepts the user secret.
func (r *Runner) initialisedWith(uri string, user []byte) bool {
	tok, err := r.openToken(uri)
	return err == nil && tok.Login(user, false) == nil
}

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

func (r *Runner) generateKey(ctx context.Context, q steps.GenerateKey) (map[string]any, error) {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "hsm.key", append(activationEvents, "hsm.login")...)
	if err != nil {
		return nil, err
	}
	var d keyData
	if got != nil {
		if err := json.Unmarshal(got[len(got)-1].Data, &d); err != nil {
			return nil, err
		}
	} else {
		if err := r.rerun(q.Primitive(), partial, "interrupted before the key was recorded"); err != nil {
			return nil, err
		}
		if d, err = r.generate(ctx, q, len(partial) > 0 || r.fromResume); err != nil {
			return nil, err
		}
		if _, err := r.append("hsm.key", n, r.actorID(), d); err != nil {
			return nil, err
		}
	}
	return map[string]any{"label": d.Label, "id": d.ID, "public_key": d.PublicKey}, nil
}

func (r *Runner) generate(ctx context.Context, q steps.GenerateKey, mayExist bool) (keyData, error) {
	tok, err := r.ensureActive(ctx)
	if err != nil {
		return keyData{}, err
	}
	d := keyData{Label: q.Label, Type: q.Type}
	var signer crypto.Signer
	if mayExist {
		// A key generated just before an interruption is on the token but
		// not in the transcript; it is taken over, and the record says so.
		if s, err := tok.FindKey(q.Label); err == nil {
			signer, d.Recovered = s, true
		}
	}
	if signer == nil {
		if signer, err = tok.GenerateKey(q.Label, q.Type); err != nil {
			return keyData{}, fmt.Errorf("generating %s key %q: %w", q.Type, q.Label, err)
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

func (r *Runner) sign(ctx context.Context, q steps.Sign) (map[string]any, error) {
	n := r.stepNumber()
	got, partial, err := r.recorded(n, "hsm.signed", append(activationEvents, "hsm.login", transcript.TypeArtifact)...)
	if err != nil {
		return nil, err
	}
	var d signData
	if got != nil {
		if err := json.Unmarshal(got[len(got)-1].Data, &d); err != nil {
			return nil, err
		}
		return map[string]any{"artifact": d.Out, "sha256": d.SHA256}, nil
	}
	if err := r.rerun(q.Primitive(), partial, "interrupted before the signature was recorded"); err != nil {
		return nil, err
	}
	tok, err := r.ensureActive(ctx)
	if err != nil {
		return nil, err
	}
	var msg []byte
	if q.Input != "" {
		msg, err = r.env.Input(q.Input)
	} else {
		msg, err = os.ReadFile(filepath.Join(r.env.Bundle, transcript.ArtifactsDir, filepath.Base(q.Artifact)))
	}
	if err != nil {
		return nil, fmt.Errorf("reading what to sign: %w", err)
	}
	signer, err := tok.FindKey(q.Key)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", q.Key, err)
	}
	out := q.Out
	sig, saved := r.leftover(out)
	if saved && steps.VerifySignature(signer.Public(), msg, sig) != nil {
		saved, out = false, r.freshName(out)
	}
	alg := ""
	if !saved {
		if sig, alg, err = steps.SignVerified(signer, msg); err != nil {
			return nil, err
		}
		if _, err := r.w.AddArtifact(out, sig, n, r.actorID()); err != nil {
			return nil, &recordError{fmt.Errorf("saving the signature: %w", err)}
		}
	}
	d = signData{Key: q.Key, Input: q.Input, Artifact: q.Artifact, MessageSHA256: steps.DigestOf(msg).Hex, Algorithm: alg,
		Out: out, SHA256: steps.DigestOf(sig).Hex, Recovered: saved}
	if _, err := r.append("hsm.signed", n, r.actorID(), d); err != nil {
		return nil, err
	}
	return map[string]any{"artifact": d.Out, "sha256": d.SHA256}, nil
}

func (r *Runner) artifact(q steps.Artifact) (string, error) {
	n := r.stepNumber()
	got, partial, err := r.recordedAny(n, []string{transcript.TypeArtifact, "artifact.recovered"})
	if err != nil {
		return "", err
	}
	var d struct {
		SHA256 string `json:"sha256"`
	}
	if got != nil {
		if got[len(got)-1].Type == "artifact.recovered" {
			b, _ := r.leftover(q.Name)
			return steps.DigestOf(b).Hex, nil
		}
		err := json.Unmarshal(got[len(got)-1].Data, &d)
		return d.SHA256, err
	}
	if err := r.rerun(q.Primitive(), partial, ""); err != nil {
		return "", err
	}
	name := q.Name
	if b, ok := r.leftover(name); ok {
		if string(b) == q.Content {
			_, err := r.append("artifact.recovered", n, r.actorID(), map[string]string{"name": name})
			return steps.DigestOf(b).Hex, err
		}
		name = r.freshName(name)
	}
	if _, err := r.w.AddArtifact(name, []byte(q.Content), n, r.actorID()); err != nil {
		return "", &recordError{fmt.Errorf("saving artifact %s: %w", q.Name, err)}
	}
	r.progress()
	return steps.DigestOf([]byte(q.Content)).Hex, nil
}

// leftover returns an artifact file a resumed ceremony finds already saved:
// the interrupted run wrote it but did not record the step's result, and
// transcript.Resume recorded the file on its own.
func (r *Runner) leftover(name string) ([]byte, bool) {
	if !r.fromResume {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(r.env.Bundle, transcript.ArtifactsDir, filepath.Base(name)))
	return b, err == nil
}

// freshName is name with the first free numeric suffix: the file an
// interrupted run tore while writing stays, recorded as it is.
func (r *Runner) freshName(name string) string {
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s.%d", name, i)
		if _, err := os.Lstat(filepath.Join(r.env.Bundle, transcript.ArtifactsDir, c)); errors.Is(err, os.ErrNotExist) {
			return c
		}
	}
}
