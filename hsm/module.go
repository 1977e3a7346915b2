package hsm

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// p11 is the part of a PKCS #11 module this package calls. *pkcs11.Ctx is
// the implementation; the interface lets tests put a real module behind a
// wrapper that reports a PIN state SoftHSM2 never reaches.
type p11 interface {
	Initialize(opts ...pkcs11.InitializeOption) error
	Finalize() error
	Destroy()
	GetInfo() (pkcs11.Info, error)
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetSlotInfo(slotID uint) (pkcs11.SlotInfo, error)
	GetTokenInfo(slotID uint) (pkcs11.TokenInfo, error)
	GetMechanismList(slotID uint) ([]*pkcs11.Mechanism, error)
	InitToken(slotID uint, pin string, label string) error
	InitPIN(sh pkcs11.SessionHandle, pin string) error
	SetPIN(sh pkcs11.SessionHandle, oldpin string, newpin string) error
	OpenSession(slotID uint, flags uint) (pkcs11.SessionHandle, error)
	CloseSession(sh pkcs11.SessionHandle) error
	Login(sh pkcs11.SessionHandle, userType uint, pin string) error
	Logout(sh pkcs11.SessionHandle) error
	FindObjectsInit(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) error
	FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error)
	FindObjectsFinal(sh pkcs11.SessionHandle) error
	GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error)
	GenerateKeyPair(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, public, private []*pkcs11.Attribute) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error)
	SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Sign(sh pkcs11.SessionHandle, message []byte) ([]byte, error)
	GenerateRandom(sh pkcs11.SessionHandle, length int) ([]byte, error)
}

// loadCtx loads a module file; tests replace it to wrap the real module.
var loadCtx = func(path string) (p11, error) {
	c := pkcs11.New(path)
	if c == nil {
		return nil, fmt.Errorf("hsm: cannot load pkcs11 module %s", path)
	}
	return c, nil
}

// A process may initialise a module only once (C_Initialize a second time
// fails), so every Module and Session of one module file shares one
// initialised context; the last to close finalises and unloads it.
var loaded = struct {
	sync.Mutex
	m map[string]*sharedCtx
}{m: map[string]*sharedCtx{}}

type sharedCtx struct {
	ctx  p11
	refs int
}

// Module is a loaded PKCS #11 module. Close it when done; the module is
// finalised when its last Module and Session are closed.
type Module struct {
	mu     sync.Mutex
	path   string
	ctx    p11
	closed bool
}

// OpenModule loads and initialises the PKCS #11 module at path.
func OpenModule(path string) (*Module, error) {
	if path == "" {
		return nil, errors.New("hsm: no pkcs11 module path given")
	}
	loaded.Lock()
	defer loaded.Unlock()
	if s, ok := loaded.m[path]; ok {
		s.refs++
		return &Module{path: path, ctx: s.ctx}, nil
	}
	ctx, err := loadCtx(path)
	if err != nil {
		return nil, err
	}
	if err := ctx.Initialize(); err != nil {
		ctx.Destroy()
		return nil, fmt.Errorf("hsm: initialise %s: %w", path, err)
	}
	loaded.m[path] = &sharedCtx{ctx: ctx, refs: 1}
	return &Module{path: path, ctx: ctx}, nil
}

// Path is the module file.
func (m *Module) Path() string { return m.path }

// Close releases the module; the last release calls C_Finalize.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	return release(m.path)
}

func release(path string) error {
	loaded.Lock()
	defer loaded.Unlock()
	s := loaded.m[path]
	s.refs--
	if s.refs > 0 {
		return nil
	}
	delete(loaded.m, path)
	err := s.ctx.Finalize()
	s.ctx.Destroy()
	if err != nil {
		return fmt.Errorf("hsm: finalise %s: %w", path, err)
	}
	return nil
}

func (m *Module) check() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return nil
}

func trim(s string) string { return strings.TrimRight(s, " \x00") }

// matches reports whether a token fits the token attributes of a URI.
func (u *URI) matches(ti pkcs11.TokenInfo) bool {
	return (u.Token == "" || u.Token == trim(ti.Label)) &&
		(u.Serial == "" || u.Serial == trim(ti.SerialNumber)) &&
		(u.Manufacturer == "" || u.Manufacturer == trim(ti.ManufacturerID)) &&
		(u.Model == "" || u.Model == trim(ti.Model))
}

// findSlot returns the one slot whose token matches; initialised says
// whether to look among initialised or uninitialised tokens.
func (m *Module) findSlot(u *URI, initialised bool) (uint, pkcs11.TokenInfo, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("hsm: list slots: %w", err)
	}
	var found []uint
	var infos []pkcs11.TokenInfo
	for _, s := range slots {
		ti, err := m.ctx.GetTokenInfo(s)
		if err != nil {
			continue // a slot whose token cannot answer is not the one we want
		}
		if (ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0) != initialised || !u.matches(ti) {
			continue
		}
		found = append(found, s)
		infos = append(infos, ti)
	}
	switch len(found) {
	case 0:
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: %s in %s", ErrTokenNotFound, u, m.path)
	case 1:
		return found[0], infos[0], nil
	}
	serials := make([]string, len(infos))
	for i, ti := range infos {
		serials[i] = trim(ti.SerialNumber)
	}
	return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: %s matches tokens with serials %s; add serial= to the uri", ErrAmbiguousToken, u, strings.Join(serials, ", "))
}

// InitToken initialises the module's one uninitialised token with a label,
// an SO PIN and a user PIN, both from secrets through EncodePIN. An
// initialised token is never re-initialised here (that would destroy its
// keys), and a label already in use is refused. With several uninitialised
// tokens, InitTokenURI picks one by serial.
func (m *Module) InitToken(soSecret, userSecret []byte, label string) error {
	return m.InitTokenURI(&URI{}, soSecret, userSecret, label)
}

// InitTokenURI is InitToken on the uninitialised token matching u (by
// serial, manufacturer or model; an uninitialised token has no label).
func (m *Module) InitTokenURI(u *URI, soSecret, userSecret []byte, label string) error {
	if err := m.check(); err != nil {
		return err
	}
	if label == "" || len(label) > 32 {
		return errors.New("hsm: token label must be 1 to 32 bytes")
	}
	if _, _, err := m.findSlot(&URI{Token: label}, true); err == nil || errors.Is(err, ErrAmbiguousToken) {
		return fmt.Errorf("%w: a token labelled %q exists in %s", ErrInitialized, label, m.path)
	}
	sel := *u
	sel.Token = ""
	slot, ti, err := m.findSlot(&sel, false)
	if err != nil {
		return fmt.Errorf("no uninitialised token: %w", err)
	}
	soPIN, err := EncodePIN(soSecret, int(ti.MinPinLen), int(ti.MaxPinLen))
	if err != nil {
		return err
	}
	defer clear(soPIN)
	if err := m.ctx.InitToken(slot, string(soPIN), label); err != nil {
		return fmt.Errorf("hsm: initialise token %q: %w", label, err)
	}
	// Some modules (SoftHSM2) move a token to a new slot when it is
	// initialised, so find it again by its new label and serial.
	slot, _, err = m.findSlot(&URI{Token: label, Serial: trim(ti.SerialNumber)}, true)
	if err != nil {
		return fmt.Errorf("hsm: token %q after initialisation: %w", label, err)
	}
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("hsm: open session: %w", err)
	}
	defer m.ctx.CloseSession(sh)
	if err := m.ctx.Login(sh, pkcs11.CKU_SO, string(soPIN)); err != nil {
		return fmt.Errorf("hsm: so login after initialisation: %w", err)
	}
	defer m.ctx.Logout(sh)
	userPIN, err := EncodePIN(userSecret, int(ti.MinPinLen), int(ti.MaxPinLen))
	if err != nil {
		return err
	}
	defer clear(userPIN)
	if err := m.ctx.InitPIN(sh, string(userPIN)); err != nil {
		return fmt.Errorf("hsm: set user pin: %w", err)
	}
	return nil
}

// OpenURI loads the module (modulePath, or else the URI's module-path),
// finds the one initialised token the URI names and opens a read-write
// session on it. Closing the session releases the module.
func OpenURI(uri, modulePath string) (*Session, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if modulePath == "" {
		modulePath = u.ModulePath
	}
	m, err := OpenModule(modulePath)
	if err != nil {
		return nil, err
	}
	s, err := m.Open(u)
	if cerr := m.Close(); err == nil && cerr != nil {
		s.Close()
		return nil, cerr
	}
	return s, err
}

// Open opens a read-write session on the initialised token u names. The
// session holds its own reference to the module.
func (m *Module) Open(u *URI) (*Session, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	slot, _, err := m.findSlot(u, true)
	if err != nil {
		return nil, err
	}
	loaded.Lock()
	loaded.m[m.path].refs++
	loaded.Unlock()
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		release(m.path)
		return nil, fmt.Errorf("hsm: open session on %s: %w", u, err)
	}
	return &Session{ctx: m.ctx, path: m.path, slot: slot, sh: sh, uri: u}, nil
}
