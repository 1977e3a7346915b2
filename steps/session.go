package steps

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/x509ca"
)

// Events of entering shares and activating a token, which several
// primitives record on the way to their result.
const (
	EvShareAccepted  = "share.accepted"  // a typed share was taken in: set, holder, index, fingerprint
	EvShareRejected  = "share.rejected"  // a typed share was refused: set, holder, reason
	EvSharesCombined = "shares.combined" // the threshold was reached and the secret matches the commitment
	EvToken          = "hsm.token"       // the token opened: uri, info
	EvOverride       = "hsm.override"    // the room decided whether to spend a final PIN try
	EvReactivate     = "hsm.reactivate"  // a resumed run logs in again
	EvLogin          = "hsm.login"       // logged in with the combined secret of a set
)

// shareSteps are the events of entering shares; activationSteps those an
// activation records before EvLogin.
var (
	shareSteps      = []string{EvShareAccepted, EvShareRejected, EvSharesCombined}
	activationSteps = append([]string{EvToken, EvOverride, EvReactivate}, shareSteps...)
)

// Session is the state primitives share through a run: the share sets known
// and the secret held of each, and the token. The runner closes it at the
// end, which zeroes every secret.
type Session struct {
	sets      map[string]*set
	open      func(uri string) (Token, error)
	init      func(uri string, so, user []byte) error
	token     Token
	confirmed map[string]string           // input -> the SHA-256 the room confirmed out of band
	keys      map[string]crypto.PublicKey // label -> public key, of the keys this ceremony generated
	// lost is set when a replay crosses a resume after a login: the token
	// session ended with that process, and must be opened again.
	lost      bool
	active    bool           // logged in during this process
	activated *Activate      // the last recorded activation, redone live when its session is gone
	x509      *x509ca.Ledger // the certificates issued, once an x509 primitive needs it
	// cards opens a PIV card and says where its attestations must chain.
	cards    func(serial string) (piv.Card, *piv.Trust, error)
	enrolled map[string]enrollment // holder -> card, of the cards enrolled in this ceremony
}

// UseCards sets how the run reaches a YubiKey: the one with serial, or for
// "" the one in the reader.
func (s *Session) UseCards(open func(serial string) (piv.Card, *piv.Trust, error)) { s.cards = open }

func (s *Session) openCard(serial string) (piv.Card, *piv.Trust, error) {
	if s.cards == nil {
		return nil, nil, errors.New("this ceremony has no YubiKey reader")
	}
	card, trust, err := s.cards(serial)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the YubiKey: %w", err)
	}
	return card, trust, nil
}

// UseEnvelopes gives the envelopes of sets split at an earlier ceremony:
// their holders open them on their cards instead of typing a share. Of
// the envelopes given for a set, those of its split are used.
func (s *Session) UseEnvelopes(sets map[string][]*shares.Envelope) error {
	for name, envs := range sets {
		st, ok := s.sets[name]
		if !ok {
			return fmt.Errorf("envelopes of share set %s, which is not configured", name)
		}
		mine, err := shares.EnvelopesOf(st.rec, envs)
		if err != nil {
			return fmt.Errorf("share set %s: %w", name, err)
		}
		st.envelopes = mine
	}
	return nil
}

// set is what a run knows of one share set.
type set struct {
	rec     *shares.Record
	holders []string // participant ids by share index - 1, when split here
	secret  []byte   // held until the next primitive that needs it
	// envelopes are the shares sealed to their holders' cards, by holder.
	envelopes map[string]*shares.Envelope
}

// NewSession starts a run's session: sets split at earlier ceremonies, how
// to open a token by PKCS #11 URI ("" for the configured one), and how to
// initialise one. open and init may be nil where the ceremony has no token.
func NewSession(sets map[string]*shares.Record, open func(uri string) (Token, error), init func(uri string, so, user []byte) error) *Session {
	s := &Session{sets: map[string]*set{}, open: open, init: init, confirmed: map[string]string{}, keys: map[string]crypto.PublicKey{}, enrolled: map[string]enrollment{}}
	for name, rec := range sets {
		s.sets[name] = &set{rec: rec}
	}
	return s
}

// Close zeroes every secret held and closes the token.
func (s *Session) Close() {
	for _, st := range s.sets {
		clear(st.secret)
		st.secret = nil
	}
	if s.token != nil {
		s.token.Close()
		s.token = nil
	}
}

// Resumed is called by a replay that crosses a resume: whatever was logged
// in before it is logged out, and the next use of the token must be
// preceded by a login.
func (s *Session) Resumed() {
	if s.activated != nil {
		s.lost = true
	}
}

// replayedUse checks a recorded use of the token (a key generated, a
// signature) against the session: after a resume, the recorded events must
// log in again before the token is used.
func (s *Session) replayedUse(h Host, rec Recorded) error {
	if s.lost && !slices.Contains(rec.Steps, EvLogin) {
		return diverged(h, rec, "the token is used after a resume without the crypto officers logging in again")
	}
	s.lost = false
	return nil
}

func (s *Session) setSet(name string, st *set) {
	if old, ok := s.sets[name]; ok {
		clear(old.secret)
	}
	s.sets[name] = st
}

// openToken opens the token once per run.
func (s *Session) openToken(uri string) (Token, error) {
	if s.token != nil {
		return s.token, nil
	}
	if s.open == nil {
		return nil, errors.New("no token is configured")
	}
	t, err := s.open(uri)
	if err != nil {
		return nil, fmt.Errorf("opening the token: %w", err)
	}
	s.token = t
	return t, nil
}

// shareEntry is the share-entry prompt for holder; submit checks the words,
// which are cleared after it.
func shareEntry(holder room.Participant, rec *shares.Record, k, m int, submit func([]string) error) room.ShareEntry {
	return room.ShareEntry{Holder: holder, Label: rec.Label, K: k, M: m, Words: shares.WordsPerShare(rec),
		Word: shares.Word, Complete: shares.Complete, Submit: func(words []string) error {
			defer clear(words)
			return submit(words)
		}}
}

// shareData names one share in events: by set, index and fingerprint, never
// by its words.
type shareData struct {
	Set         string `json:"set"`
	Holder      string `json:"holder"`
	Index       int    `json:"index,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Card        string `json:"card,omitempty"` // the card an envelope is sealed to
	File        string `json:"file,omitempty"` // the envelope
}

// collect has holders enter shares of a set until the threshold is reached,
// and returns the combined secret once it matches the set's commitment. The
// caller zeroes it.
func collect(ctx context.Context, h Host, setName string) ([]byte, error) {
	s := h.Session()
	st, ok := s.sets[setName]
	if !ok || st.rec == nil {
		return nil, fmt.Errorf("share set %q is not known: split it earlier in the ceremony or declare it in the configuration", setName)
	}
	rec := st.rec
	// A set split at an earlier ceremony has no holders on record here:
	// whoever holds the step's role may bring a share.
	eligible := holders(h, h.StepRole())
	if len(st.holders) > 0 {
		eligible = nil
		for _, id := range st.holders {
			if p, ok := participant(h, id); ok {
				eligible = append(eligible, p)
			}
		}
	}
	c := shares.NewCollector(rec)
	defer c.Zero()
	var entered []string
	for c.Have() < c.Need() {
		verb := "enters a share"
		if len(st.envelopes) > 0 {
			verb = "brings their card for a share"
		}
		title := fmt.Sprintf("Step %s: which crypto officer %s of %s now (%d of %d)?", h.Step(), verb, rec.Label, c.Have()+1, c.Need())
		holder, err := PickFrom(ctx, h.Prompts(), title, eligible)
		if err != nil {
			return nil, err
		}
		if env := st.envelopes[holder.ID]; env != nil {
			err = addEnvelope(ctx, h, c, setName, holder, env)
		} else {
			err = h.Prompts().Share(ctx, shareEntry(holder, rec, c.Have()+1, c.Need(), func(words []string) error {
				idx, fp, err := addShare(c, words, holder.ID)
				if err != nil {
					h.Append(EvShareRejected, holder.ID, shareData{Set: setName, Holder: holder.ID, Reason: err.Error()})
					return err
				}
				return h.Append(EvShareAccepted, holder.ID, shareData{Set: setName, Holder: holder.ID, Index: idx, Fingerprint: fp})
			}))
		}
		if err != nil {
			return nil, err
		}
		entered = append(entered, holder.ID)
		eligible = without(eligible, holder.ID)
	}
	secret, err := c.Combine()
	if err != nil {
		h.Append(EvShareRejected, "", shareData{Set: setName, Reason: err.Error()})
		return nil, err
	}
	if err := h.Append(EvSharesCombined, "", map[string]any{"set": setName, "holders": entered, "commitment": "matches"}); err != nil {
		clear(secret)
		return nil, err
	}
	return secret, nil
}

// addShare decodes a typed share and hands it to c, or says what is wrong
// with it (a typo, another set, a share already entered).
func addShare(c *shares.Collector, words []string, holder string) (index int, fingerprint string, err error) {
	sh, err := shares.Decode(words)
	if err != nil {
		return 0, "", err
	}
	index, fingerprint = sh.Index(), sh.Fingerprint()
	if err := c.Add(sh, holder); err != nil {
		sh.Zero()
		return 0, "", err
	}
	return index, fingerprint, nil
}

// addEnvelope has holder open their envelope on their card and hands the
// share to c.
func addEnvelope(ctx context.Context, h Host, c *shares.Collector, setName string, holder room.Participant, env *shares.Envelope) error {
	sh, err := openEnvelope(ctx, h, setName, holder, env)
	if err != nil {
		return err
	}
	index, fp := sh.Index(), sh.Fingerprint()
	if err := c.Add(sh, holder.ID); err != nil {
		sh.Zero()
		h.Append(EvShareRejected, holder.ID, shareData{Set: setName, Holder: holder.ID, Card: env.Card, Reason: err.Error()})
		return err
	}
	return h.Append(EvShareAccepted, holder.ID, shareData{Set: setName, Holder: holder.ID, Index: index, Fingerprint: fp, Card: env.Card})
}

// takeSecret hands over the held secret of a set, collecting it when none is
// held. The caller zeroes it.
func takeSecret(ctx context.Context, h Host, name string) ([]byte, error) {
	if st, ok := h.Session().sets[name]; ok && st.secret != nil {
		s := st.secret
		st.secret = nil
		return s, nil
	}
	return collect(ctx, h, name)
}

// ensureActive makes sure this process is logged in to the token, activating
// again what a resumed ceremony activated before its interruption.
func ensureActive(ctx context.Context, h Host) (Token, error) {
	s := h.Session()
	if s.active {
		return s.token, nil
	}
	if s.activated == nil {
		return nil, errors.New("no token is active: hsm.activate must come first")
	}
	if err := h.Append(EvReactivate, "", map[string]string{
		"reason": "the token session ended with the interrupted run; the crypto officers activate the token again"}); err != nil {
		return nil, err
	}
	if err := s.activated.login(ctx, h); err != nil {
		return nil, err
	}
	return s.token, nil
}
