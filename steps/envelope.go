package steps

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
)

// EvEnvelopeSealed records a share sealed to its holder's card: set,
// holder, index, fingerprint, card and the envelope's file.
const EvEnvelopeSealed = "envelope.sealed"

// envelopeTries is how many times in a row a holder may fail to open their
// envelope before the step fails: the card's own PIN counter allows three.
const envelopeTries = 3

// requireEnrolled refuses, before anything is split, holders with no card
// enrolled in this ceremony to seal their shares to.
func requireEnrolled(h Host, what string, hs []room.Participant) error {
	for _, p := range hs {
		if _, ok := h.Session().enrolled[p.ID]; !ok {
			return fmt.Errorf("%s: %s has no card enrolled in this ceremony (piv.enroll comes first)", what, p.ID)
		}
	}
	return nil
}

// sealAll seals parts[i] to hs[i]'s enrolled card, saves each envelope in
// the bundle and records it; it returns the envelopes and their files, by
// holder.
func sealAll(h Host, setName string, rec *shares.Record, parts []*shares.Share, hs []room.Participant) (map[string]*shares.Envelope, map[string]string, error) {
	if err := requireEnrolled(h, "sealing "+setName, hs); err != nil {
		return nil, nil, err
	}
	envs, files := map[string]*shares.Envelope{}, map[string]string{}
	for i, holder := range hs {
		en := h.Session().enrolled[holder.ID]
		env, err := shares.Seal(parts[i], rec, holder.ID, en.card, en.key)
		if err != nil {
			return nil, nil, err
		}
		name, err := saveOnce(h, fmt.Sprintf("%s-%s-%d-%s.envelope", setName, rec.SetID, parts[i].Index(), holder.ID), env.Marshal())
		if err != nil {
			return nil, nil, err
		}
		if err := h.Append(EvEnvelopeSealed, holder.ID, shareData{Set: setName, Holder: holder.ID, Index: parts[i].Index(),
			Fingerprint: parts[i].Fingerprint(), Card: en.card, File: name}); err != nil {
			return nil, nil, err
		}
		envs[holder.ID], files[holder.ID] = env, name
	}
	return envs, files, nil
}

// openEnvelope has holder put in their card and type its PIN, and opens
// the envelope on the card. Every refusal is recorded and told to the room
// (another card, a card whose key is not the envelope's, a wrong PIN, which
// the card counts); after envelopeTries the step fails. The caller zeroes
// the share.
func openEnvelope(ctx context.Context, h Host, setName string, holder room.Participant, env *shares.Envelope) (*shares.Share, error) {
	var err error
	for range envelopeTries {
		var sh *shares.Share
		if sh, err = openOnCard(ctx, h, holder, env); err == nil {
			return sh, nil
		}
		if errors.Is(err, context.Canceled) || errors.As(err, new(*room.QuitError)) {
			return nil, err
		}
		h.Append(EvShareRejected, holder.ID, shareData{Set: setName, Holder: holder.ID, Index: env.Index, Card: env.Card, Reason: err.Error()})
		h.Prompts().Notice(room.Notice{Level: "warn", Text: fmt.Sprintf("%s's envelope did not open: %v", holder.Name, err)})
	}
	return nil, fmt.Errorf("%s's envelope of %s did not open in %d tries: %w", holder.ID, setName, envelopeTries, err)
}

func openOnCard(ctx context.Context, h Host, holder room.Participant, env *shares.Envelope) (*shares.Share, error) {
	pin, err := h.Prompts().Value(ctx, room.ValueRequest{
		Label:  fmt.Sprintf("%s, put your YubiKey (serial %s) in the reader and type its PIN", holder.Name, env.Card),
		Help:   "typed by you alone; the card counts every wrong PIN",
		Secret: true, Validate: pinShape})
	if err != nil {
		return nil, err
	}
	defer clear(pin)
	card, trust, err := h.Session().openCard(env.Card)
	if err != nil {
		return nil, err
	}
	defer card.Close()
	serial, err := serialOf(card)
	if err != nil {
		return nil, err
	}
	if serial != env.Card {
		return nil, fmt.Errorf("the card in the reader is %s, not %s, the card %s's envelope is sealed to", serial, env.Card, holder.ID)
	}
	a, err := piv.AttestedKey(card, piv.SlotKeyManagement, trust)
	if err != nil {
		return nil, err
	}
	k, err := agreementKey(a.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", serial, err)
	}
	if !k.Equal(env.Recipient) {
		return nil, fmt.Errorf("the key in slot 9d of card %s is not the one the envelope is sealed to: the card was reset or enrolled again", serial)
	}
	return env.Open(func(eph *ecdh.PublicKey) ([]byte, error) {
		return piv.SharedSecret(card, a.PublicKey, pin, eph, false)
	})
}

// agreementKey is a card's key-management key as envelopes are sealed to
// it: a P-256 point.
func agreementKey(pub crypto.PublicKey) (*ecdh.PublicKey, error) {
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("the key in slot 9d is not a P-256 key: shares cannot be sealed to it")
	}
	return ec.ECDH()
}

// pinShape is what a PIV PIN may be: 6 to 8 characters.
func pinShape(b []byte) error {
	if len(b) < 6 || len(b) > 8 {
		return errors.New("a PIN has 6 to 8 characters")
	}
	return nil
}

// readEnvelopes reads the envelopes a recorded split saved, by holder, and
// holds each to the split's record and to the card its holder enrolled in
// this ceremony: an envelope sealed to any other key is not the one the
// room saw sealed.
func readEnvelopes(h Host, rec *shares.Record, files map[string]string) (map[string]*shares.Envelope, error) {
	out := map[string]*shares.Envelope{}
	for holder, name := range files {
		b, err := h.ReadArtifact(name)
		if err != nil {
			return nil, err
		}
		env, err := shares.ParseEnvelope(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := rec.CheckEnvelope(env); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		en, ok := h.Session().enrolled[holder]
		if env.Holder != holder || !ok || en.card != env.Card || !en.key.Equal(env.Recipient) {
			return nil, fmt.Errorf("%s is not sealed to the card %s enrolled", name, holder)
		}
		out[holder] = env
	}
	return out, nil
}
