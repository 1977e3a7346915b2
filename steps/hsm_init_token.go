package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// EvInitToken records that a token was initialised; recovered is set when a
// resumed run found the token initialised by the interrupted one.
const EvInitToken = "hsm.token_initialised"

// InitToken: initialise a token with a new SO secret and user secret from
// share sets. Lua: hsm.init_token { token = "...", so = "hsm-so", user = "hsm-user" }
type InitToken struct {
	At
	Token   string
	SOSet   string
	UserSet string
}

func init() {
	register(Primitive{Name: "hsm.init_token", Parse: func(a Args, at At) (Call, error) {
		return InitToken{At: at, Token: a.String("token", false), SOSet: a.String("so", true), UserSet: a.String("user", true)}, nil
	}})
}

// TokenInitialiser is a call that initialises a token, so that before the
// ceremony the token need not exist yet, only a blank one to take its label.
type TokenInitialiser interface{ InitialisesToken() }

func (q InitToken) InitialisesToken() {}

func (q InitToken) Placeholder() any { return nil }
func (q InitToken) Brief() string    { return q.brief("SO " + q.SOSet + ", user " + q.UserSet) }
func (q InitToken) Paper() string {
	return fmt.Sprintf("Initialise %s with the security officer secret of share set %s and the user secret of share set %s", tokenName(q.Token), q.SOSet, q.UserSet)
}
func (q InitToken) Lint(l Linter) {
	l.UseSet(q.SOSet)
	l.UseSet(q.UserSet)
}

func (q InitToken) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(q.Name, Replay{Final: []string{EvInitToken}, Steps: shareSteps,
		Void: "the initialisation was interrupted before it was recorded"})
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		var d initData
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		showToken(h, d.Token)
		return nil, nil
	}
	s := h.Session()
	if s.init == nil {
		return nil, errors.New("this token cannot be initialised from a ceremony")
	}
	so, err := takeSecret(ctx, h, q.SOSet)
	if err != nil {
		return nil, err
	}
	defer clear(so)
	user, err := takeSecret(ctx, h, q.UserSet)
	if err != nil {
		return nil, err
	}
	defer clear(user)
	d := initData{URI: q.Token, SOSet: q.SOSet, UserSet: q.UserSet}
	if err := s.init(q.Token, so, user); err != nil {
		if !h.Resumed() || !s.initialisedWith(q.Token, user) {
			return nil, fmt.Errorf("initialising the token: %w", err)
		}
		// The interrupted run initialised the token just before it
		// stopped: the token takes the user secret, so it is ours.
		d.Recovered = true
	}
	// What the room sees is the token as it now stands, read back from it.
	if tok, err := s.openToken(q.Token); err == nil {
		d.Token = tok.Describe()
	}
	if err := h.Append(EvInitToken, "", d); err != nil {
		return nil, err
	}
	showToken(h, d.Token)
	return nil, nil
}

// initData is the data of hsm.token_initialised.
type initData struct {
	URI       string            `json:"uri"`
	SOSet     string            `json:"so_set"`
	UserSet   string            `json:"user_set"`
	Recovered bool              `json:"recovered,omitempty"`
	Token     map[string]string `json:"token,omitempty"`
}

// showToken puts what identifies a token before the room: the facts a
// witness compares with the device's label and the vendor's paperwork.
func showToken(h Host, facts map[string]string) {
	if len(facts) == 0 {
		return
	}
	var parts []string
	for _, k := range []string{"label", "serial", "manufacturer", "model", "firmware", "user_pin", "so_pin"} {
		if v := facts[k]; v != "" {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+v)
		}
	}
	h.Show("token", strings.Join(parts, "\n"))
}

// initialisedWith reports whether the token accepts the user secret.
func (s *Session) initialisedWith(uri string, user []byte) bool {
	tok, err := s.openToken(uri)
	return err == nil && tok.Login(user, false) == nil
}
