package hsm

import (
	"sync/atomic"
	"testing"

	"github.com/miekg/pkcs11"
)

// Probe wraps the real module loaded by the test: it counts the calls that
// matter for lockout and close discipline, and can add PIN flags that
// SoftHSM2 never sets (it counts failures but never reaches final try).
type Probe struct {
	p11
	ExtraFlags                                  uint
	Logins, Opens, Closes, Finalizes, Destroyed atomic.Int64
	// EmptyPINLogins counts logins that left the PIN to the device.
	EmptyPINLogins atomic.Int64
}

func (p *Probe) GetTokenInfo(slot uint) (pkcs11.TokenInfo, error) {
	ti, err := p.p11.GetTokenInfo(slot)
	ti.Flags |= p.ExtraFlags
	return ti, err
}

func (p *Probe) Login(sh pkcs11.SessionHandle, userType uint, pin string) error {
	p.Logins.Add(1)
	if pin == "" {
		p.EmptyPINLogins.Add(1)
	}
	return p.p11.Login(sh, userType, pin)
}

func (p *Probe) OpenSession(slot, flags uint) (pkcs11.SessionHandle, error) {
	sh, err := p.p11.OpenSession(slot, flags)
	if err == nil {
		p.Opens.Add(1)
	}
	return sh, err
}

func (p *Probe) CloseSession(sh pkcs11.SessionHandle) error {
	p.Closes.Add(1)
	return p.p11.CloseSession(sh)
}

func (p *Probe) Finalize() error {
	p.Finalizes.Add(1)
	return p.p11.Finalize()
}

func (p *Probe) Destroy() {
	p.Destroyed.Add(1)
	p.p11.Destroy()
}

// InstallProbe makes the next module load wrap the real module in a Probe.
func InstallProbe(t testing.TB) *Probe {
	probe := &Probe{}
	orig := loadCtx
	loadCtx = func(path string) (p11, error) {
		c, err := orig(path)
		if err != nil {
			return nil, err
		}
		probe.p11 = c
		return probe, nil
	}
	t.Cleanup(func() { loadCtx = orig })
	return probe
}

// LoadedModules is how many module files are loaded and initialised.
func LoadedModules() int {
	loaded.Lock()
	defer loaded.Unlock()
	return len(loaded.m)
}

// RawContext returns the module context and slot under a session, for the
// benchmark's raw PKCS #11 loop on the same token.
func RawContext(s *Session) (*pkcs11.Ctx, uint) {
	c := s.ctx
	if p, ok := c.(*Probe); ok {
		c = p.p11
	}
	return c.(*pkcs11.Ctx), s.slot
}

// GenerateDuplicate makes a second key pair with an existing label,
// bypassing the label check, as another tool might have.
func GenerateDuplicate(s *Session, label string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(label+"-dup")), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oidP256),
	}
	priv := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(label+"-dup")), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
	}
	_, _, err := s.ctx.GenerateKeyPair(s.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}, pub, priv)
	return err
}
