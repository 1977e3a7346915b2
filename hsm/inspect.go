package hsm

import (
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/miekg/pkcs11"
)

// SlotReport is what an administrator checks about one slot before a
// ceremony. The slot number is shown for orientation only; ceremonies name
// tokens by label.
type SlotReport struct {
	Slot         uint
	Description  string
	Manufacturer string
	Flags        string
	Token        map[string]string // nil when the slot has no token
	Mechanisms   []string
	Objects      []ObjectInfo // objects visible without login
	Err          error        // what could not be read, if anything
}

// ObjectInfo describes an object without touching its secrets.
type ObjectInfo struct {
	Class, KeyType, Label string
	ID                    []byte
}

// Library describes the module itself.
func (m *Module) Library() (map[string]string, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	li, err := m.ctx.GetInfo()
	if err != nil {
		return nil, fmt.Errorf("hsm: module info: %w", err)
	}
	return map[string]string{
		"manufacturer": trim(li.ManufacturerID),
		"description":  trim(li.LibraryDescription),
		"version":      version(li.LibraryVersion),
		"cryptoki":     version(li.CryptokiVersion),
	}, nil
}

// Inspect reports every slot, or with a non-nil u only the slots whose
// token matches u. It never logs in.
func (m *Module) Inspect(u *URI) ([]SlotReport, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	slots, err := m.ctx.GetSlotList(false)
	if err != nil {
		return nil, fmt.Errorf("hsm: list slots: %w", err)
	}
	var out []SlotReport
	for _, slot := range slots {
		r := SlotReport{Slot: slot}
		si, err := m.ctx.GetSlotInfo(slot)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		r.Description, r.Manufacturer = trim(si.SlotDescription), trim(si.ManufacturerID)
		r.Flags = slotFlags(si.Flags)
		if si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0 {
			ti, err := m.ctx.GetTokenInfo(slot)
			if err != nil {
				r.Err = err
			} else {
				if u != nil && !u.matches(ti) {
					continue
				}
				r.Token = describeToken(ti)
				r.Mechanisms, r.Err = m.mechanisms(slot)
				if r.Err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
					r.Objects, r.Err = m.publicObjects(slot)
				}
			}
		} else if u != nil {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func slotFlags(f uint) string {
	var s []string
	for _, n := range []struct {
		f    uint
		name string
	}{{pkcs11.CKF_TOKEN_PRESENT, "token_present"}, {pkcs11.CKF_REMOVABLE_DEVICE, "removable_device"}, {pkcs11.CKF_HW_SLOT, "hw_slot"}} {
		if f&n.f != 0 {
			s = append(s, n.name)
		}
	}
	return fmt.Sprint(s)
}

func (m *Module) mechanisms(slot uint) ([]string, error) {
	ms, err := m.ctx.GetMechanismList(slot)
	if err != nil {
		return nil, fmt.Errorf("hsm: mechanisms: %w", err)
	}
	names := make([]string, 0, len(ms))
	for _, mech := range ms {
		names = append(names, mechanismName(mech.Mechanism))
	}
	sort.Strings(names)
	return names, nil
}

// mechanismName names a mechanism from the table in mechnames.go (PKCS #11
// v2.40 and EdDSA), or by number.
func mechanismName(m uint) string {
	if n, ok := mechanismNames[m]; ok {
		return n
	}
	return fmt.Sprintf("0x%08x", m)
}

var classNames = map[uint]string{
	pkcs11.CKO_DATA: "data", pkcs11.CKO_CERTIFICATE: "cert", pkcs11.CKO_PUBLIC_KEY: "public",
	pkcs11.CKO_PRIVATE_KEY: "private", pkcs11.CKO_SECRET_KEY: "secret-key",
}

var keyTypeNames = map[uint]string{
	pkcs11.CKK_RSA: "rsa", pkcs11.CKK_EC: "ec", ckkECEdwards: "ec-edwards", pkcs11.CKK_AES: "aes",
}

// publicObjects lists what a read-only session sees without login.
func (m *Module) publicObjects(slot uint) ([]ObjectInfo, error) {
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("hsm: open session: %w", err)
	}
	s := &Session{ctx: m.ctx, sh: sh}
	defer m.ctx.CloseSession(sh)
	hs, err := s.find(nil)
	if err != nil {
		return nil, err
	}
	var out []ObjectInfo
	for _, h := range hs {
		a, err := m.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, nil), pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil), pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
		})
		if err != nil {
			return nil, fmt.Errorf("hsm: object attributes: %w", err)
		}
		o := ObjectInfo{Class: className(bytesToUint(a[0].Value)), Label: string(a[1].Value), ID: a[2].Value}
		if kt, err := m.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil)}); err == nil {
			o.KeyType = keyTypeNames[bytesToUint(kt[0].Value)]
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return out[i].Label < out[j].Label
		}
		return out[i].Class < out[j].Class
	})
	return out, nil
}

func className(c uint) string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return fmt.Sprintf("0x%x", c)
}

// IDHex is the id in the form FindKey accepts after "id:".
func (o ObjectInfo) IDHex() string { return hex.EncodeToString(o.ID) }

// Findable checks, before a ceremony starts, that the token u names can be
// had: an initialised token matches it, or, when blank is set (the
// ceremony initialises the token), u names a label and the module has an
// uninitialised token to take it, and no initialised token has the label
// already (a ceremony never re-initialises a token: that would destroy its
// keys). A typo in the configuration is then found before anyone stands up.
func (m *Module) Findable(u *URI, blankWill bool) error {
	if err := m.check(); err != nil {
		return err
	}
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return fmt.Errorf("hsm: list slots: %w", err)
	}
	blank := false
	for _, slot := range slots {
		ti, err := m.ctx.GetTokenInfo(slot)
		if err != nil {
			continue
		}
		if u.matches(ti) && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			if blankWill {
				return fmt.Errorf("%w: %s in %s already names an initialised token (serial %s), and this ceremony initialises its token", ErrInitialized, u, m.path, trim(ti.SerialNumber))
			}
			return nil
		}
		blank = blank || ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0
	}
	if blankWill && blank && u.Token != "" {
		return nil
	}
	if blankWill {
		return fmt.Errorf("%w: %s in %s, and no uninitialised token to initialise", ErrTokenNotFound, u, m.path)
	}
	return fmt.Errorf("%w: %s in %s", ErrTokenNotFound, u, m.path)
}
