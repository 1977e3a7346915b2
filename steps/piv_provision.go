package steps

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/x509ca"
)

// EvPIVProvisioned records a user's card provisioned: the card, the
// attestation, the certificate, the PUK's fate; never a PIN or a key.
const EvPIVProvisioned = "piv.provisioned"

// pivSlots are the slots a user's key may go in, with the key usages of its
// certificate: authentication (login, client TLS), signature, and key
// management (encryption: key agreement, since the keys are EC, and key
// encipherment is for RSA keys; zlint refuses it on an EC key).
var pivSlots = map[string]struct {
	slot piv.Slot
	ku   x509.KeyUsage
	eku  []x509.ExtKeyUsage
}{
	"9a": {piv.SlotAuthentication, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
	"9c": {piv.SlotSignature, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, nil},
	"9d": {piv.SlotKeyManagement, x509.KeyUsageKeyAgreement, nil},
}

// PIVProvision: the YubiKey of the step's actor, the user, fresh from the
// factory, given a key made on it in slot (attested before anything is
// signed), a certificate from the users CA on the token, a random
// management key kept only on the card behind the PIN, the PIN the user
// chooses (typed by them, never shown or recorded), and a blocked PUK (or
// one from a share set's secret). In subject and out, {name} and {id} are
// the user's name and roster id.
// Lua: piv.provision { subject = "CN={name}, O=Example", issuer = "users.crt" | issuer_cert = input "users_ca",
//
//	key = "users-ca", slot = "9a", type = "ecdsa-p256", pin_policy = "once", touch_policy = "always",
//	validity = "17520h", puk = "block" | puk_from = "puk-set", out = "{id}-9a.crt", ledger = input "ledger" | ledger_from = "...",
//	escrow = "CO", escrow_m = 2, escrow_n = 3 }
//	-> { certificate, serial, card }
//
// With escrow, the card also gets a key-management key (9d) made in the
// ceremony, certified, imported, and split m-of-n to the escrow holders
// (the first n of the role, their cards enrolled with piv.enroll earlier in
// the ceremony), each share sealed to a holder's card; then it is wiped.
type PIVProvision struct {
	At
	Subject string
	Issuer  source
	Key     string
	Slot    string
	Type    string
	Policy  piv.Policy
	PUKSet  string // "" blocks the PUK
	Out     string
	Ledger  source
	valid   time.Duration
	// Escrow is the role whose cards the escrowed 9d key is sealed to,
	// EscrowM of EscrowN; "" for no escrowed key.
	Escrow           string
	EscrowM, EscrowN int
}

func init() {
	register(Primitive{Name: "piv.provision", Parse: func(a Args, at At) (Call, error) {
		p := PIVProvision{At: at, Subject: a.String("subject", true), Key: a.String("key", true),
			Slot: a.String("slot", false), Type: a.String("type", false), Out: a.String("out", true),
			Policy: piv.Policy{PIN: a.String("pin_policy", false), Touch: a.String("touch_policy", false)}}
		defaults := map[*string]string{&p.Slot: "9a", &p.Type: piv.ECDSAP256, &p.Policy.PIN: piv.PINOnce, &p.Policy.Touch: piv.TouchAlways}
		for f, d := range defaults {
			if *f == "" {
				*f = d
			}
		}
		if _, ok := pivSlots[p.Slot]; !ok {
			return nil, fmt.Errorf("slot %q: 9a, 9c or 9d", p.Slot)
		}
		if err := oneOf("type", p.Type, piv.ECDSAP256, piv.ECDSAP384); err != nil {
			return nil, err
		}
		if err := oneOf("pin_policy", p.Policy.PIN, piv.PINOnce, piv.PINAlways, piv.PINNever); err != nil {
			return nil, err
		}
		if err := oneOf("touch_policy", p.Policy.Touch, piv.TouchAlways, piv.TouchCached, piv.TouchNever); err != nil {
			return nil, err
		}
		switch puk := a.String("puk", false); puk {
		case "", "block":
		default:
			return nil, fmt.Errorf("puk %q: \"block\", or give puk_from = a share set", puk)
		}
		p.PUKSet = a.String("puk_from", false)
		p.Escrow, p.EscrowM, p.EscrowN = a.String("escrow", false), a.Int("escrow_m", 0), a.Int("escrow_n", 0)
		if p.Escrow != "" && (p.Slot == "9d" || p.EscrowM < 2 || p.EscrowN < p.EscrowM || p.EscrowN > 255) {
			return nil, fmt.Errorf("escrow puts a key in 9d beside the %s key, split escrow_m of escrow_n, 2 <= m <= n <= 255 (got %d of %d)", p.Slot, p.EscrowM, p.EscrowN)
		}
		if _, err := x509ca.ParseName(userText(p.Subject, room.Participant{ID: "id", Name: "Name"})); err != nil {
			return nil, err
		}
		validity := a.String("validity", false)
		if validity == "" {
			validity = "17520h" // two years, as the guide's users get
		}
		d, forever, err := parseValidity(validity)
		if err != nil || forever {
			return nil, fmt.Errorf("validity %q: a number and h, d or w", validity)
		}
		p.valid = d
		if p.Issuer, err = readSource(a, "the users CA's certificate", "issuer_cert", "issuer", true); err != nil {
			return nil, err
		}
		if p.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false); err != nil {
			return nil, err
		}
		return p, nil
	}})
}

func (p PIVProvision) Placeholder() any {
	return map[string]any{"certificate": p.Out, "serial": "{serial}", "card": "{card serial}"}
}
func (p PIVProvision) Brief() string { return p.brief(p.Slot + " with " + p.Key) }

// userText is s for user: {name} and {id} replaced.
func userText(s string, user room.Participant) string {
	return strings.NewReplacer("{name}", user.Name, "{id}", user.ID).Replace(s)
}

func (p PIVProvision) Paper() string {
	puk := "the PUK is blocked"
	if p.PUKSet != "" {
		puk = "the PUK is set from share set " + p.PUKSet
	}
	escrow := ""
	if p.Escrow != "" {
		escrow = fmt.Sprintf("; a P-256 key for 9d made in the ceremony, certified, imported, split %d-of-%d to the %s holders' cards and wiped", p.EscrowM, p.EscrowN, p.Escrow)
	}
	return fmt.Sprintf("Provision the acting user's YubiKey: %s key in %s (PIN %s, touch %s) made on the card and attested, certified as %s by %s with %s, saved as %s; the user chooses the PIN; the management key stays on the card; %s%s",
		p.Type, p.Slot, p.Policy.PIN, p.Policy.Touch, p.Subject, p.Issuer.paper(), p.Key, p.Out, puk, escrow)
}

func (p PIVProvision) Lint(l Linter) {
	p.Issuer.lint(l)
	p.Ledger.lint(l)
	if p.PUKSet != "" {
		l.UseSet(p.PUKSet)
	}
	if p.Escrow != "" && l.Role(p.Escrow, "piv.provision escrow") {
		l.Needs(p.Escrow, p.EscrowN, fmt.Sprintf("piv.provision escrows to %d holders of %s", p.EscrowN, p.Escrow))
	}
}

// pivData is the data of piv.provisioned.
type pivData struct {
	User        string            `json:"user"`
	Card        map[string]string `json:"card"` // serial, firmware
	Slot        string            `json:"slot"`
	Type        string            `json:"type"`
	Policy      piv.Policy        `json:"policy"`
	Attested    map[string]string `json:"attestation"`
	Subject     string            `json:"subject"`
	Serial      string            `json:"serial"`
	SHA256      string            `json:"sha256"`
	Certificate string            `json:"certificate"`
	// AttestationFile holds the slot's attestation certificate and the
	// device's.
	AttestationFile string            `json:"attestation_file"`
	Files           map[string]string `json:"files"`
	PUK             string            `json:"puk"` // "blocked" or "set from SET"
	Escrow          *escrowData       `json:"escrow,omitempty"`
	GUID            string            `json:"chuid_guid"` // the card's identity in its CHUID, in hex
}

// escrowData records an escrowed 9d key: its certificate, and the split of
// its private key to the escrow holders' cards.
type escrowData struct {
	Certificate string            `json:"certificate"`
	Serial      string            `json:"serial"`
	SHA256      string            `json:"sha256"`
	Set         string            `json:"set"`
	Record      *shares.Record    `json:"record"`
	Holders     []string          `json:"holders"`
	Envelopes   map[string]string `json:"envelopes"` // holder -> file
}

func (p PIVProvision) Run(ctx context.Context, h Host) (any, error) {
	var d pivData
	rec, err := replaySigned(h, p, EvPIVProvisioned, "interrupted before the card was recorded; the card must be reset before it is provisioned again", &d,
		append([]string{EvEnvelopeSealed}, shareSteps...)...)
	if err != nil {
		return nil, err
	}
	if rec.Found() {
		if d.User != h.Actor().ID || d.Slot != p.Slot {
			return nil, diverged(h, rec, "%s's %s is recorded where the script provisions %s's %s", d.User, d.Slot, h.Actor().ID, p.Slot)
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
		c, err := recordedCert(h, rec, d.Certificate)
		if err != nil {
			return nil, err
		}
		if err := checkAttested(h, d, c); err != nil {
			return nil, diverged(h, rec, "%v", err)
		}
		led, err := h.Session().ledger(h, p.Ledger, c.Issuer.String())
		if err != nil {
			return nil, diverged(h, rec, "%v", err)
		}
		if err := led.Add(c, d.User+", "+p.Slot, h.Ceremony()); err != nil {
			return nil, err
		}
		if err := replayEscrow(h, rec, d, led); err != nil {
			return nil, err
		}
	} else if d, err = p.provision(ctx, h); err != nil {
		return nil, err
	}
	if e := d.Escrow; e != nil {
		if err := keepEscrow(h, e); err != nil {
			return nil, diverged(h, rec, "%v", err)
		}
		h.Show(fmt.Sprintf("escrowed 9d key, certificate serial %s, split %d-of-%d to %s, SHA-256", e.Serial, e.Record.M, e.Record.N, strings.Join(e.Holders, ", ")), e.SHA256)
	}
	h.Show(fmt.Sprintf("card %s (firmware %s), %s key attested", d.Card["serial"], d.Card["firmware"], p.Slot), d.Attested["slot_key_sha256"])
	h.Show("certificate "+d.Subject+", serial "+d.Serial+", SHA-256", d.SHA256)
	return map[string]any{"certificate": d.Certificate, "serial": d.Serial, "card": d.Card["serial"]}, nil
}

func (p PIVProvision) provision(ctx context.Context, h Host) (pivData, error) {
	user := h.Actor()
	issuer, err := p.Issuer.certificate(h)
	if err != nil {
		return pivData{}, err
	}
	signer, err := tokenKey(ctx, h, p.Key)
	if err != nil {
		return pivData{}, err
	}
	led, err := h.Session().ledger(h, p.Ledger, issuer.Subject.String())
	if err != nil {
		return pivData{}, err
	}
	var escrowTo []room.Participant
	if p.Escrow != "" {
		if escrowTo, err = escrowHolders(h, p.Escrow, p.EscrowN); err != nil {
			return pivData{}, err
		}
	}
	card, trust, err := h.Session().openCard("")
	if err != nil {
		return pivData{}, err
	}
	defer card.Close()
	facts, err := piv.Report(card)
	if err != nil {
		return pivData{}, err
	}
	if err := confirmStep(ctx, h, fmt.Sprintf("%s's YubiKey is in the reader: serial %s, firmware %s. Check the serial against the device's label before it is provisioned.",
		user.Name, facts["serial"], facts["firmware"])); err != nil {
		return pivData{}, err
	}
	pin, err := choosePIN(ctx, h, user)
	if err != nil {
		return pivData{}, err
	}
	defer clear(pin)
	var puk []byte
	if p.PUKSet != "" {
		secret, err := takeSecret(ctx, h, p.PUKSet)
		if err != nil {
			return pivData{}, err
		}
		puk = pukFrom(secret)
		clear(secret)
		defer clear(puk)
	}
	slot := pivSlots[p.Slot]
	now := h.Now().UTC().Truncate(time.Second)
	// issue certifies pub for the user with the usages of slot s.
	issue := func(pub crypto.PublicKey, s string) (*x509ca.Issued, error) {
		subject, err := x509ca.ParseName(userText(p.Subject, user))
		if err != nil {
			return nil, err
		}
		serial, err := x509ca.RandomSerial()
		if err != nil {
			return nil, err
		}
		return x509ca.IssueUser(signer, issuer, pub, x509ca.Profile{Subject: subject, NotBefore: now, NotAfter: now.Add(p.valid),
			KeyUsage: pivSlots[s].ku, ExtKeyUsage: pivSlots[s].eku}, serial, x509ca.PrivatePKI)
	}
	var issued, escrowed *x509ca.Issued
	var escrow *escrowData
	prov := piv.Provisioning{Slot: slot.slot, Alg: p.Type, Policy: p.Policy, Trust: trust, NewPIN: pin, NewPUK: puk, Expiry: now.Add(p.valid),
		Issue: func(pub crypto.PublicKey, _ *piv.Attestation) (*x509.Certificate, error) {
			if issued, err = issue(pub, p.Slot); err != nil {
				return nil, err
			}
			return issued.Cert, nil
		}}
	if p.Escrow != "" {
		prov.Escrow = &piv.Escrow{Policy: piv.Policy{PIN: piv.PINOnce, Touch: piv.TouchNever},
			Issue: func(pub crypto.PublicKey) (*x509.Certificate, error) {
				if escrowed, err = issue(pub, "9d"); err != nil {
					return nil, err
				}
				return escrowed.Cert, nil
			},
			Keep: func(secret []byte) error {
				escrow, err = sealEscrow(h, userText("{id}-9d-escrow", user), user.Name+"'s escrowed 9d key", secret, p.EscrowM, escrowTo)
				return err
			}}
	}
	done, err := piv.Provision(card, prov)
	if err != nil {
		return pivData{}, err
	}
	if err := led.Add(done.Cert, user.ID+", "+p.Slot, h.Ceremony()); err != nil {
		return pivData{}, err
	}
	if escrow != nil {
		if err := led.Add(escrowed.Cert, user.ID+", 9d", h.Ceremony()); err != nil {
			return pivData{}, err
		}
		name, err := saveOnce(h, userText("{id}-9d.crt", user), x509ca.PEM("CERTIFICATE", escrowed.DER))
		if err != nil {
			return pivData{}, err
		}
		escrow.Certificate, escrow.Serial, escrow.SHA256 = name, fmt.Sprintf("%x", escrowed.Cert.SerialNumber), escrowed.Fingerprint()
	}
	attestation, err := attestationPEM(card, slot.slot)
	if err != nil {
		return pivData{}, err
	}
	crt := string(x509ca.PEM("CERTIFICATE", issued.DER))
	// The attestation is kept for auditors: the slot's certificate and the
	// device's, which chain to the vendor's roots.
	out := userText(p.Out, user)
	names, sums, err := saveFiles(h, [][2]string{{out, crt},
		{strings.TrimSuffix(out, ".crt") + ".attestation.pem", attestation}})
	if err != nil {
		return pivData{}, err
	}
	spki, _ := x509.MarshalPKIXPublicKey(done.Attestation.PublicKey)
	d := pivData{User: user.ID, Card: facts, Slot: p.Slot, Type: p.Type, Policy: p.Policy, Subject: done.Cert.Subject.String(),
		Serial: fmt.Sprintf("%x", done.Cert.SerialNumber), SHA256: issued.Fingerprint(), Certificate: names[0], AttestationFile: names[1], Files: sums, PUK: "blocked",
		Attested: map[string]string{"serial": fmt.Sprint(done.Attestation.Serial), "firmware": done.Attestation.Firmware,
			"pin_policy": done.Attestation.Policy.PIN, "touch_policy": done.Attestation.Policy.Touch, "form_factor": done.Attestation.FormFactor,
			"slot_key_sha256": DigestOf(spki).Hex}}
	if p.PUKSet != "" {
		d.PUK = "set from " + p.PUKSet
	}
	d.Escrow, d.GUID = escrow, hex.EncodeToString(done.GUID[:])
	text := issuedText(done.Cert, d.SHA256, strings.Join(names, ", ")) +
		fmt.Sprintf("\nCard %s: the key was made on it and attested; the management key is on the card behind %s's PIN; the PUK is %s.",
			facts["serial"], user.Name, d.PUK)
	if err := confirmStep(ctx, h, text); err != nil {
		return pivData{}, err
	}
	return d, h.Append(EvPIVProvisioned, "", d)
}

// escrowHolders are the first n holders of role, each with a card enrolled
// in this ceremony.
func escrowHolders(h Host, role string, n int) ([]room.Participant, error) {
	hs := holders(h, role)
	if len(hs) < n {
		return nil, fmt.Errorf("escrow to %d holders of %s: the roster has %d", n, role, len(hs))
	}
	return hs[:n], requireEnrolled(h, "escrow", hs[:n])
}

// sealEscrow splits an escrowed key m-of-len(to) and seals each share to
// its holder's card.
func sealEscrow(h Host, set, label string, secret []byte, m int, to []room.Participant) (*escrowData, error) {
	rec, parts, err := shares.SplitSecret(secret, label, m, len(to))
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, sh := range parts {
			sh.Zero()
		}
	}()
	_, files, err := sealAll(h, set, rec, parts, to)
	if err != nil {
		return nil, err
	}
	return &escrowData{Set: set, Record: rec, Holders: IDs(to), Envelopes: files}, nil
}

// replayEscrow puts a recorded escrow's certificate in the ledger, as a
// recorded run's certificate is.
func replayEscrow(h Host, rec Recorded, d pivData, led *x509ca.Ledger) error {
	if d.Escrow == nil {
		return nil
	}
	c, err := recordedCert(h, rec, d.Escrow.Certificate)
	if err != nil {
		return err
	}
	return led.Add(c, d.User+", 9d", h.Ceremony())
}

// keepEscrow gives the session the escrow's share set, whose envelopes
// must agree with its record and be sealed to its holders' cards.
func keepEscrow(h Host, e *escrowData) error {
	envs, err := readEnvelopes(h, e.Record, e.Envelopes)
	if err != nil {
		return err
	}
	h.Session().setSet(e.Set, &set{rec: e.Record, holders: e.Holders, envelopes: envs})
	return nil
}

// choosePIN has a card's owner type their new PIN twice, unseen; it never leaves
// the buffer handed to the card.
func choosePIN(ctx context.Context, h Host, user room.Participant) ([]byte, error) {
	check := func(b []byte) error {
		if len(b) < 6 || len(b) > 8 || strings.Trim(string(b), "0123456789") != "" {
			return errors.New("a PIN is 6 to 8 digits")
		}
		if bytes.Equal(b, piv.DefaultPIN) {
			return errors.New("that is the factory PIN: choose another")
		}
		return nil
	}
	for {
		pin, err := h.Prompts().Value(ctx, room.ValueRequest{Label: user.Name + ", choose your PIN", Help: "6 to 8 digits, typed by you alone", Secret: true, Validate: check})
		if err != nil {
			return nil, err
		}
		again, err := h.Prompts().Value(ctx, room.ValueRequest{Label: user.Name + ", your PIN again", Secret: true, Validate: check})
		if err != nil {
			clear(pin)
			return nil, err
		}
		same := bytes.Equal(pin, again)
		clear(again)
		if same {
			return pin, nil
		}
		clear(pin)
		h.Prompts().Notice(room.Notice{Level: "warn", Text: "the two PINs differ: choose it again"})
	}
}

// pukFrom derives an 8-digit PUK from a share set's secret, so that the
// crypto officers together, and no one alone, can unblock the user's PIN.
func pukFrom(secret []byte) []byte {
	n := new(big.Int).SetBytes(secret)
	v := n.Mod(n, big.NewInt(100_000_000)).Uint64()
	n.SetInt64(0)
	// Written digit by digit into the buffer the caller wipes: no string
	// copy of the PUK is left behind.
	puk := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		puk[i] = byte('0' + v%10)
		v /= 10
	}
	return puk
}

// checkAttested holds a recorded provisioning to the attestation kept
// beside it: the slot's certificate signed by the device's, for the key the
// event names, which is the key the user's certificate is for. (That the
// device chains to Yubico was checked in the room, and an auditor checks it
// again with the vendor's roots: docs/piv.md.)
func checkAttested(h Host, d pivData, c *x509.Certificate) error {
	name := d.AttestationFile
	slotCert, err := readAttestation(h, name)
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(slotCert.PublicKey)
	if err != nil || DigestOf(spki).Hex != d.Attested["slot_key_sha256"] {
		return fmt.Errorf("attestation %s is for another key than the event names", name)
	}
	if k, ok := slotCert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(c.PublicKey) {
		return fmt.Errorf("certificate %s is not for the attested key", d.Certificate)
	}
	return nil
}

// readAttestation reads an attestation kept in the bundle and returns the
// slot's certificate once it is found signed by the device's.
func readAttestation(h Host, name string) (*x509.Certificate, error) {
	b, err := h.ReadArtifact(name)
	if err != nil {
		return nil, fmt.Errorf("attestation %s: %w", name, err)
	}
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			break
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("attestation %s: %w", name, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) != 2 {
		return nil, fmt.Errorf("attestation %s holds %d certificates, not the slot's and the device's", name, len(certs))
	}
	if err := certs[0].CheckSignatureFrom(certs[1]); err != nil {
		return nil, fmt.Errorf("attestation %s: the slot's certificate is not the device's: %v", name, err)
	}
	return certs[0], nil
}
