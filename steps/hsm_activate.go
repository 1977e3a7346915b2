package steps

import (
	"context"
	"fmt"

	"github.com/ceremony-dev/ceremony/room"
)

// Activate: collect shares of a set (if not already held) and log in to a
// token with the combined secret.
// Lua: hsm.activate { token = "pkcs11:token=ksk", shares = "hsm-user" }
type Activate struct {
	At
	Token  string // PKCS#11 URI; "" for the configured token
	Shares string // share set
}

func init() {
	register(Primitive{Name: "hsm.activate", Parse: func(a Args, at At) (Call, error) {
		return Activate{At: at, Token: a.String("token", false), Shares: a.String("shares", true)}, nil
	}})
}

func (q Activate) Placeholder() any { return nil }
func (q Activate) Brief() string    { return q.brief(q.Shares) }
func (q Activate) Paper() string {
	return fmt.Sprintf("Holders of share set %s enter their shares; log in to %s", q.Shares, tokenName(q.Token))
}
func (q Activate) Lint(l Linter) { l.UseSet(q.Shares) }

func (q Activate) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(q.Name, Replay{Final: []string{EvLogin}, Steps: activationSteps,
		Void: "the activation was interrupted; the shares are entered again"})
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		// The recorded session ended with the interrupted process; the next
		// primitive that needs the token activates it again, live.
		s := h.Session()
		s.activated, s.active, s.lost = &q, false, false
		return nil, nil
	}
	return nil, q.login(ctx, h)
}

// login collects the set's secret (unless held) and logs in with it.
func (q Activate) login(ctx context.Context, h Host) error {
	s := h.Session()
	tok, err := s.openToken(q.Token)
	if err != nil {
		return err
	}
	if err := h.Append(EvToken, "", map[string]any{"uri": q.Token, "info": tok.Describe()}); err != nil {
		return err
	}
	secret, err := takeSecret(ctx, h, q.Shares)
	if err != nil {
		return err
	}
	defer clear(secret)
	err = tok.Login(secret, false)
	if NeedsOverride(err) {
		err = override(ctx, h, tok, secret, err)
	}
	if err != nil {
		return fmt.Errorf("logging in to the token: %w", err)
	}
	if err := h.Append(EvLogin, "", map[string]string{"uri": q.Token, "set": q.Shares}); err != nil {
		return err
	}
	s.active, s.activated = true, &q
	return nil
}

// override asks whether to spend a token's last PIN try, records the answer,
// and tries only when the room said so.
func override(ctx context.Context, h Host, tok Token, secret []byte, cause error) error {
	i, err := h.Prompts().Choose(ctx, room.Choice{
		Title:   fmt.Sprintf("The token refused a login attempt: %v. Another failure may lock it for good. What does the room decide?", cause),
		Options: []string{"do not log in", "log in anyway: the shares were checked against the commitment"}})
	if err != nil {
		return err
	}
	decision := map[int]string{0: "refused", 1: "log in anyway"}[i]
	if err := h.Append(EvOverride, "", map[string]string{"token_state": cause.Error(), "decision": decision}); err != nil {
		return err
	}
	if i != 1 {
		return cause
	}
	return tok.Login(secret, true)
}

func tokenName(uri string) string {
	if uri == "" {
		return "the configured token"
	}
	return "token " + uri
}
