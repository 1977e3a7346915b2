package steps

import (
	"context"
	"crypto/ecdh"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/x509ca"
)

// EvPIVEnrolled records a share holder's YubiKey enrolled for envelopes: the
// card, the key-management key made on it and its attestation; never a PIN.
const EvPIVEnrolled = "piv.enrolled"

// PIVEnroll: the YubiKey of one holder of a role, fresh from the factory,
// gets a P-256 key made on it in the key-management slot (9d), attested
// before it is recorded, so that shares can be sealed to it; the holder
// chooses the card's PIN, the management key is replaced by a random one
// kept on the card behind the PIN, and the PUK is blocked. Index picks the
// holder: the index-th participant of the role on the roster, the one
// split_secret gives share index to. With existing, the card was enrolled
// at an earlier ceremony: its 9d key is attested again and recorded, and
// nothing on the card changes.
// Lua: piv.enroll { holders = "CO", index = 1, pin_policy = "once", touch_policy = "never", existing = false }
type PIVEnroll struct {
	At
	Holders  string
	Index    int
	Policy   piv.Policy
	Existing bool
}

func init() {
	register(Primitive{Name: "piv.enroll", Parse: func(a Args, at At) (Call, error) {
		e := PIVEnroll{At: at, Holders: a.String("holders", true), Index: a.Int("index", 0),
			Policy: piv.Policy{PIN: a.String("pin_policy", false), Touch: a.String("touch_policy", false)}, Existing: a.Bool("existing", false)}
		if e.Index < 1 || e.Index > 255 {
			return nil, fmt.Errorf("index %d: the holder's place among the role's participants, 1 to 255", e.Index)
		}
		if e.Policy.PIN == "" {
			e.Policy.PIN = piv.PINOnce
		}
		if e.Policy.Touch == "" {
			e.Policy.Touch = piv.TouchNever
		}
		// A key that opens envelopes without the PIN would let anyone with
		// the card open its holder's share.
		if err := oneOf("pin_policy", e.Policy.PIN, piv.PINOnce, piv.PINAlways); err != nil {
			return nil, err
		}
		if err := oneOf("touch_policy", e.Policy.Touch, piv.TouchAlways, piv.TouchCached, piv.TouchNever); err != nil {
			return nil, err
		}
		return e, nil
	}})
}

func (e PIVEnroll) Placeholder() any { return map[string]any{"card": "{card serial}"} }
func (e PIVEnroll) Brief() string    { return e.brief(fmt.Sprintf("%s #%d", e.Holders, e.Index)) }
func (e PIVEnroll) Paper() string {
	if e.Existing {
		return fmt.Sprintf("%s holder %d brings the YubiKey enrolled at an earlier ceremony: its 9d key is attested again and recorded; nothing on the card changes", e.Holders, e.Index)
	}
	return fmt.Sprintf("Enroll the YubiKey of %s holder %d for share envelopes: a P-256 key made on the card in 9d (PIN %s, touch %s) and attested; the holder chooses the PIN; the management key stays on the card; the PUK is blocked",
		e.Holders, e.Index, e.Policy.PIN, e.Policy.Touch)
}

func (e PIVEnroll) Lint(l Linter) {
	l.Role(e.Holders, "piv.enroll holders")
	l.Needs(e.Holders, e.Index, fmt.Sprintf("piv.enroll enrolls holder %d of %s", e.Index, e.Holders))
}

// enrollData is the data of piv.enrolled.
type enrollData struct {
	Holder      string            `json:"holder"`
	Card        map[string]string `json:"card"` // serial, firmware
	Slot        string            `json:"slot"`
	Policy      piv.Policy        `json:"policy"`
	PublicKey   string            `json:"public_key"` // uncompressed P-256 point, base64
	SHA256      string            `json:"spki_sha256"`
	Attestation string            `json:"attestation"` // the file: slot certificate, then the device's
	Files       map[string]string `json:"files"`
	PUK         string            `json:"puk"`
}

func (e PIVEnroll) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(e.Name, Replay{Final: []string{EvPIVEnrolled}, Steps: []string{transcript.TypeArtifact, EvArtifactRecovered},
		Void: "interrupted before the card was recorded; the card must be reset before it is enrolled again"})
	if err != nil {
		return nil, err
	}
	var d enrollData
	if rec.Found() {
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
		if err := checkEnrolled(h, d); err != nil {
			return nil, diverged(h, rec, "%v", err)
		}
	} else if d, err = e.enroll(ctx, h); err != nil {
		return nil, err
	}
	pub, err := enrolledKey(d)
	if err != nil {
		return nil, err
	}
	h.Session().enrolled[d.Holder] = enrollment{card: d.Card["serial"], key: pub}
	h.Show(fmt.Sprintf("%s's card %s, key-management key attested, SHA-256", d.Holder, d.Card["serial"]), d.SHA256)
	return map[string]any{"card": d.Card["serial"]}, nil
}

func (e PIVEnroll) enroll(ctx context.Context, h Host) (enrollData, error) {
	hs := holders(h, e.Holders)
	if len(hs) < e.Index {
		return enrollData{}, fmt.Errorf("holder %d of %s: the roster has %d", e.Index, e.Holders, len(hs))
	}
	holder := hs[e.Index-1]
	card, trust, err := h.Session().openCard("")
	if err != nil {
		return enrollData{}, err
	}
	defer card.Close()
	facts, err := piv.Report(card)
	if err != nil {
		return enrollData{}, err
	}
	if err := confirmStep(ctx, h, fmt.Sprintf("%s's YubiKey is in the reader: serial %s, firmware %s. %s checks the serial against the device's label; "+
		"from now on their shares may be sealed to this card.", holder.Name, facts["serial"], facts["firmware"], holder.Name)); err != nil {
		return enrollData{}, err
	}
	a, puk, err := e.keyOf(ctx, h, card, trust, holder)
	if err != nil {
		return enrollData{}, err
	}
	ec, err := agreementKey(a.PublicKey)
	if err != nil {
		return enrollData{}, fmt.Errorf("card %s: %w", facts["serial"], err)
	}
	spki, err := x509.MarshalPKIXPublicKey(a.PublicKey)
	if err != nil {
		return enrollData{}, err
	}
	pem, err := attestationPEM(card, piv.SlotKeyManagement)
	if err != nil {
		return enrollData{}, err
	}
	names, sums, err := saveFiles(h, [][2]string{{holder.ID + "-9d.attestation.pem", pem}})
	if err != nil {
		return enrollData{}, err
	}
	d := enrollData{Holder: holder.ID, Card: facts, Slot: "9d", Policy: a.Policy, PublicKey: base64.StdEncoding.EncodeToString(ec.Bytes()),
		SHA256: DigestOf(spki).Hex, Attestation: names[0], Files: sums, PUK: puk}
	text := fmt.Sprintf("Card %s is enrolled for %s: its key-management key was made on it and attested (SHA-256 of the key %s); "+
		"the management key is on the card behind %s's PIN; the PUK is blocked.", facts["serial"], holder.Name, d.SHA256, holder.Name)
	if e.Existing {
		text = fmt.Sprintf("Card %s, enrolled for %s at an earlier ceremony, holds the key-management key attested now (SHA-256 of the key %s, PIN %s).",
			facts["serial"], holder.Name, d.SHA256, a.Policy.PIN)
	}
	if err := confirmStep(ctx, h, text); err != nil {
		return enrollData{}, err
	}
	return d, h.Append(EvPIVEnrolled, holder.ID, d)
}

// keyOf is the holder's 9d key, proven by the card's attestation: made now
// on a fresh card, the holder choosing its PIN, or, for an existing
// enrollment, the one already there. A key usable without the PIN is
// refused: anyone holding the card could open the holder's envelopes.
func (e PIVEnroll) keyOf(ctx context.Context, h Host, card piv.Card, trust *piv.Trust, holder room.Participant) (*piv.Attestation, string, error) {
	if e.Existing {
		a, err := piv.AttestedKey(card, piv.SlotKeyManagement, trust)
		if err != nil {
			return nil, "", err
		}
		if a.Policy.PIN == piv.PINNever {
			return nil, "", errors.New("the card's 9d key is usable without the PIN: enroll the card afresh")
		}
		return a, "unchanged", nil
	}
	pin, err := choosePIN(ctx, h, holder)
	if err != nil {
		return nil, "", err
	}
	defer clear(pin)
	// An officer's card has no certificate to expire with: its CHUID says
	// ten years, longer than a YubiKey is kept in service.
	done, err := piv.Provision(card, piv.Provisioning{Slot: piv.SlotKeyManagement, Alg: piv.ECDSAP256, Policy: e.Policy, Trust: trust, NewPIN: pin,
		Expiry: h.Now().AddDate(10, 0, 0)})
	if err != nil {
		return nil, "", err
	}
	return done.Attestation, "blocked", nil
}

// attestationPEM is the proof of a slot's key kept for auditors: the slot's
// attestation certificate and the device's, which chains to the vendor.
func attestationPEM(card piv.Card, slot piv.Slot) (string, error) {
	dev, err := card.AttestationCertificate()
	if err != nil {
		return "", err
	}
	att, err := card.Attest(slot)
	if err != nil {
		return "", err
	}
	return string(x509ca.PEM("CERTIFICATE", att.Raw)) + string(x509ca.PEM("CERTIFICATE", dev.Raw)), nil
}

// checkEnrolled holds a recorded enrollment to the attestation kept beside
// it, as checkAttested does for a provisioned card.
func checkEnrolled(h Host, d enrollData) error {
	slotCert, err := readAttestation(h, d.Attestation)
	if err != nil {
		return err
	}
	k, err := agreementKey(slotCert.PublicKey)
	if err != nil {
		return fmt.Errorf("attestation %s: %w", d.Attestation, err)
	}
	if base64.StdEncoding.EncodeToString(k.Bytes()) != d.PublicKey {
		return fmt.Errorf("attestation %s is for another key than the event names", d.Attestation)
	}
	return nil
}

// enrolledKey is the recorded key-management key of an enrollment.
func enrolledKey(d enrollData) (*ecdh.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(d.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("recorded enrollment of %s: %w", d.Holder, err)
	}
	return ecdh.P256().NewPublicKey(b)
}

// enrollment is a holder's card as enrolled: the serial to ask for and the
// key to seal to.
type enrollment struct {
	card string
	key  *ecdh.PublicKey
}

// serialOf reads a card's serial as recorded.
func serialOf(card piv.Card) (string, error) {
	n, err := card.Serial()
	if err != nil {
		return "", fmt.Errorf("reading the card's serial: %w", err)
	}
	return strconv.FormatUint(uint64(n), 10), nil
}
