package pivtest

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/piv"
)

// state is a card's whole memory, as a rehearsal keeps it between runs.
type state struct {
	Serial   uint32            `json:"serial"`
	Firmware string            `json:"firmware"`
	Retries  int               `json:"retries"`
	PIN      []byte            `json:"pin"`
	PUK      []byte            `json:"puk"`
	PUKTries int               `json:"puk_tries"`
	Mgmt     []byte            `json:"management_key"`
	Stored   []byte            `json:"stored_management_key,omitempty"`
	Certs    map[string][]byte `json:"certificates"`
	Keys     map[string]key    `json:"keys"`
	Objects  map[uint32][]byte `json:"objects,omitempty"`
	Root     []byte            `json:"root"`
	Device   []byte            `json:"device"`
	DevKey   []byte            `json:"device_key"`
}

type key struct {
	PKCS8    []byte     `json:"pkcs8"`
	Policy   piv.Policy `json:"policy"`
	Imported bool       `json:"imported,omitempty"`
}

// State is everything the card holds, secrets included: for a rehearsal's
// stand-in card only, kept beside its bundle as the rehearsal token is.
func (c *Card) State() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Card) stateLocked() ([]byte, error) {
	dk, err := x509.MarshalPKCS8PrivateKey(c.ca.deviceKey)
	if err != nil {
		return nil, err
	}
	s := state{Serial: c.serial, Firmware: c.firmware, Retries: c.retries, PIN: c.pin, PUK: c.puk, PUKTries: c.pukTries,
		Mgmt: c.mgmt, Stored: c.stored, Certs: map[string][]byte{}, Keys: map[string]key{},
		Root: c.ca.Root.Raw, Device: c.ca.Device.Raw, DevKey: dk, Objects: c.objects}
	for slot, cert := range c.certs {
		s.Certs[slot.String()] = cert.Raw
	}
	for slot, k := range c.keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return nil, err
		}
		s.Keys[slot.String()] = key{PKCS8: der, Policy: k.policy, Imported: k.imported}
	}
	return json.Marshal(s)
}

// Restore is the card State saved.
func Restore(b []byte) (*Card, error) {
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("pivtest: card state: %w", err)
	}
	root, err := x509.ParseCertificate(s.Root)
	if err != nil {
		return nil, fmt.Errorf("pivtest: card state: %w", err)
	}
	dev, err := x509.ParseCertificate(s.Device)
	if err != nil {
		return nil, fmt.Errorf("pivtest: card state: %w", err)
	}
	dk, err := signer(s.DevKey)
	if err != nil {
		return nil, err
	}
	c := &Card{serial: s.Serial, firmware: s.Firmware, retries: s.Retries, pin: s.PIN, puk: s.PUK, pukTries: s.PUKTries,
		mgmt: s.Mgmt, stored: s.Stored, certs: map[piv.Slot]*x509.Certificate{}, keys: map[piv.Slot]slotKey{}, objects: map[uint32][]byte{},
		ca: &Authority{Root: root, Device: dev, deviceKey: dk}}
	for tag, v := range s.Objects {
		c.objects[tag] = v
	}
	for name, der := range s.Certs {
		slot, err := slotOf(name)
		if err != nil {
			return nil, err
		}
		if c.certs[slot], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("pivtest: card state: %w", err)
		}
	}
	for name, k := range s.Keys {
		slot, err := slotOf(name)
		if err != nil {
			return nil, err
		}
		priv, err := signer(k.PKCS8)
		if err != nil {
			return nil, err
		}
		c.keys[slot] = slotKey{priv: priv, policy: k.Policy, imported: k.Imported}
	}
	return c, nil
}

func signer(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("pivtest: card state: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("pivtest: card state: a key that cannot sign")
	}
	return s, nil
}

func slotOf(name string) (piv.Slot, error) {
	var n uint32
	if _, err := fmt.Sscanf(name, "%x", &n); err != nil {
		return 0, fmt.Errorf("pivtest: card state: slot %q", name)
	}
	return piv.Slot(n), nil
}

// persist hands the state to Persist after a change, and makes its failure
// the change's; the caller holds c.mu.
func (c *Card) persist(err *error) {
	if c.Persist == nil {
		return
	}
	b, perr := c.stateLocked()
	if perr == nil {
		perr = c.Persist(b)
	}
	if perr != nil && *err == nil {
		*err = fmt.Errorf("pivtest: saving the card: %w", perr)
	}
}
