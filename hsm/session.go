package hsm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// Mechanisms and key type for Ed25519, from PKCS #11 v3.0 (newer than the
// constants in github.com/miekg/pkcs11).
const (
	ckmECEdwardsKeyPairGen = 0x1055
	ckmEdDSA               = 0x1057
	ckkECEdwards           = 0x40
)

var (
	oidP256    = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	oidP384    = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}
	oidEd25519 = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}
)

// Session is a logged-in (or not yet) session on one PKCS #11 token. Its
// methods are serialised by a mutex: a PKCS #11 session runs one operation
// at a time.
type Session struct {
	mu       sync.Mutex
	ctx      p11
	path     string
	slot     uint
	sh       pkcs11.SessionHandle
	uri      *URI
	loggedIn bool
	closed   bool
}

// Close logs out, closes the session and releases the module (finalising
// it if this was its last user). Every later call returns ErrClosed.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	var errs []error
	if s.loggedIn {
		if err := s.ctx.Logout(s.sh); err != nil {
			errs = append(errs, fmt.Errorf("hsm: logout: %w", err))
		}
		s.loggedIn = false
	}
	if err := s.ctx.CloseSession(s.sh); err != nil {
		errs = append(errs, fmt.Errorf("hsm: close session: %w", err))
	}
	if err := release(s.path); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func pinStates(flags uint) (user, so PINState) {
	state := func(low, final, locked uint) PINState {
		switch {
		case flags&locked != 0:
			return PINLocked
		case flags&final != 0:
			return PINFinalTry
		case flags&low != 0:
			return PINCountLow
		}
		return PINOK
	}
	return state(pkcs11.CKF_USER_PIN_COUNT_LOW, pkcs11.CKF_USER_PIN_FINAL_TRY, pkcs11.CKF_USER_PIN_LOCKED),
		state(pkcs11.CKF_SO_PIN_COUNT_LOW, pkcs11.CKF_SO_PIN_FINAL_TRY, pkcs11.CKF_SO_PIN_LOCKED)
}

var tokenFlagNames = []struct {
	f    uint
	name string
}{
	{pkcs11.CKF_RNG, "rng"}, {pkcs11.CKF_WRITE_PROTECTED, "write_protected"},
	{pkcs11.CKF_LOGIN_REQUIRED, "login_required"}, {pkcs11.CKF_USER_PIN_INITIALIZED, "user_pin_initialized"},
	{pkcs11.CKF_RESTORE_KEY_NOT_NEEDED, "restore_key_not_needed"}, {pkcs11.CKF_CLOCK_ON_TOKEN, "clock_on_token"},
	{pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH, "protected_authentication_path"},
	{pkcs11.CKF_DUAL_CRYPTO_OPERATIONS, "dual_crypto_operations"}, {pkcs11.CKF_TOKEN_INITIALIZED, "token_initialized"},
	{pkcs11.CKF_SECONDARY_AUTHENTICATION, "secondary_authentication"},
	{pkcs11.CKF_USER_PIN_COUNT_LOW, "user_pin_count_low"}, {pkcs11.CKF_USER_PIN_FINAL_TRY, "user_pin_final_try"},
	{pkcs11.CKF_USER_PIN_LOCKED, "user_pin_locked"}, {pkcs11.CKF_USER_PIN_TO_BE_CHANGED, "user_pin_to_be_changed"},
	{pkcs11.CKF_SO_PIN_COUNT_LOW, "so_pin_count_low"}, {pkcs11.CKF_SO_PIN_FINAL_TRY, "so_pin_final_try"},
	{pkcs11.CKF_SO_PIN_LOCKED, "so_pin_locked"}, {pkcs11.CKF_SO_PIN_TO_BE_CHANGED, "so_pin_to_be_changed"},
	{pkcs11.CKF_ERROR_STATE, "error_state"},
}

func tokenFlags(flags uint) string {
	var names []string
	for _, n := range tokenFlagNames {
		if flags&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

func version(v pkcs11.Version) string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

func describeToken(ti pkcs11.TokenInfo) map[string]string {
	user, so := pinStates(ti.Flags)
	return map[string]string{
		"label":        trim(ti.Label),
		"manufacturer": trim(ti.ManufacturerID),
		"model":        trim(ti.Model),
		"serial":       trim(ti.SerialNumber),
		"firmware":     version(ti.FirmwareVersion),
		"hardware":     version(ti.HardwareVersion),
		"flags":        tokenFlags(ti.Flags),
		"pin_min":      strconv.FormatUint(uint64(ti.MinPinLen), 10),
		"pin_max":      strconv.FormatUint(uint64(ti.MaxPinLen), 10),
		"user_pin":     user.String(),
		"so_pin":       so.String(),
	}
}

// Describe reports the token and its module for the transcript. A failure
// to read the token is reported in the map under "error".
func (s *Session) Describe() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return map[string]string{"error": ErrClosed.Error()}
	}
	ti, err := s.ctx.GetTokenInfo(s.slot)
	if err != nil {
		return map[string]string{"error": fmt.Sprintf("hsm: token info: %v", err), "module": s.path}
	}
	d := describeToken(ti)
	d["module"] = s.path
	d["uri"] = s.uri.String()
	if li, err := s.ctx.GetInfo(); err == nil {
		d["library"] = trim(li.LibraryDescription) + " " + version(li.LibraryVersion)
		d["library_manufacturer"] = trim(li.ManufacturerID)
	}
	return d
}

// HasPINPad reports whether the token has a protected authentication path:
// a PIN pad or similar on which the PIN is entered instead of here.
func (s *Session) HasPINPad() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, ErrClosed
	}
	ti, err := s.ctx.GetTokenInfo(s.slot)
	if err != nil {
		return false, fmt.Errorf("hsm: token info: %w", err)
	}
	return ti.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH != 0, nil
}

// login is the one place a PIN reaches the token. It reads the PIN flags
// first and makes no attempt at the final try or when locked unless
// allowFinalTry. A nil secret on a token with a protected authentication
// path lets the holder enter the PIN on the device.
func (s *Session) login(userType uint, secret []byte, allowFinalTry bool) error {
	if s.closed {
		return ErrClosed
	}
	ti, err := s.ctx.GetTokenInfo(s.slot)
	if err != nil {
		return fmt.Errorf("hsm: token info: %w", err)
	}
	who, state := "user", PINOK
	if user, so := pinStates(ti.Flags); userType == pkcs11.CKU_SO {
		who, state = "so", so
	} else {
		state = user
	}
	if state >= PINFinalTry && !allowFinalTry {
		return &PINStateError{User: who, State: state}
	}
	var pin []byte
	if secret != nil || ti.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH == 0 {
		if pin, err = EncodePIN(secret, int(ti.MinPinLen), int(ti.MaxPinLen)); err != nil {
			return err
		}
		defer clear(pin)
	}
	err = s.ctx.Login(s.sh, userType, string(pin))
	if errors.Is(err, pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN)) {
		err = nil
	}
	if err == nil {
		return nil
	}
	after := state
	if ti, ierr := s.ctx.GetTokenInfo(s.slot); ierr == nil {
		user, so := pinStates(ti.Flags)
		after = user
		if userType == pkcs11.CKU_SO {
			after = so
		}
	}
	switch {
	case errors.Is(err, pkcs11.Error(pkcs11.CKR_PIN_INCORRECT)):
		return &LoginError{State: after, Err: ErrPINIncorrect}
	case errors.Is(err, pkcs11.Error(pkcs11.CKR_PIN_LOCKED)):
		return &LoginError{State: PINLocked, Err: fmt.Errorf("hsm: %s pin locked: %w", who, err)}
	}
	return &LoginError{State: after, Err: fmt.Errorf("hsm: %s login: %w", who, err)}
}

// Login logs the user in with a secret (see EncodePIN). At the final try
// or when locked it makes no attempt unless allowFinalTry and returns a
// *PINStateError. A nil secret on a token with a PIN pad asks for the PIN
// on the device.
func (s *Session) Login(secret []byte, allowFinalTry bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.login(pkcs11.CKU_USER, secret, allowFinalTry); err != nil {
		return err
	}
	s.loggedIn = true
	return nil
}

// Logout ends the user's login.
func (s *Session) Logout() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !s.loggedIn {
		return nil
	}
	s.loggedIn = false
	if err := s.ctx.Logout(s.sh); err != nil {
		return fmt.Errorf("hsm: logout: %w", err)
	}
	return nil
}

// InitPIN sets a new user PIN with the SO's secret, which also unlocks a
// locked user PIN. The session must not be logged in as the user.
func (s *Session) InitPIN(soSecret, userSecret []byte, allowFinalTry bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loggedIn {
		return errors.New("hsm: log the user out before the so sets a pin")
	}
	if err := s.login(pkcs11.CKU_SO, soSecret, allowFinalTry); err != nil {
		return err
	}
	defer s.ctx.Logout(s.sh)
	pins, err := s.encodePINs(userSecret)
	if err != nil {
		return err
	}
	defer zeroAll(pins)
	if err := s.ctx.InitPIN(s.sh, string(pins[0])); err != nil {
		return fmt.Errorf("hsm: set user pin: %w", err)
	}
	return nil
}

// ChangePIN replaces the user PIN, checking the old one; a wrong old
// secret counts as a failed login, so the final-try rule applies.
func (s *Session) ChangePIN(oldSecret, newSecret []byte, allowFinalTry bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !s.loggedIn {
		if err := s.login(pkcs11.CKU_USER, oldSecret, allowFinalTry); err != nil {
			return err
		}
		s.loggedIn = true
	}
	pins, err := s.encodePINs(oldSecret, newSecret)
	if err != nil {
		return err
	}
	defer zeroAll(pins)
	if err := s.ctx.SetPIN(s.sh, string(pins[0]), string(pins[1])); err != nil {
		return fmt.Errorf("hsm: change pin: %w", err)
	}
	return nil
}

// encodePINs turns secrets into PINs within the token's length limits (see
// EncodePIN); the caller zeroes them.
func (s *Session) encodePINs(secrets ...[]byte) ([][]byte, error) {
	ti, err := s.ctx.GetTokenInfo(s.slot)
	if err != nil {
		return nil, fmt.Errorf("hsm: token info: %w", err)
	}
	pins := make([][]byte, 0, len(secrets))
	for _, secret := range secrets {
		pin, err := EncodePIN(secret, int(ti.MinPinLen), int(ti.MaxPinLen))
		if err != nil {
			zeroAll(pins)
			return nil, err
		}
		pins = append(pins, pin)
	}
	return pins, nil
}

func zeroAll(bs [][]byte) {
	for _, b := range bs {
		clear(b)
	}
}

// Random returns n bytes from the token's generator.
func (s *Session) Random(n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if n <= 0 {
		return nil, fmt.Errorf("hsm: random length %d", n)
	}
	b, err := s.ctx.GenerateRandom(s.sh, n)
	if err != nil {
		return nil, fmt.Errorf("hsm: random: %w", err)
	}
	return b, nil
}

func (s *Session) find(template []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := s.ctx.FindObjectsInit(s.sh, template); err != nil {
		return nil, fmt.Errorf("hsm: find objects: %w", err)
	}
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := s.ctx.FindObjects(s.sh, 64)
		if err != nil {
			s.ctx.FindObjectsFinal(s.sh)
			return nil, fmt.Errorf("hsm: find objects: %w", err)
		}
		all = append(all, hs...)
		if len(hs) == 0 {
			break
		}
	}
	if err := s.ctx.FindObjectsFinal(s.sh); err != nil {
		return nil, fmt.Errorf("hsm: find objects: %w", err)
	}
	return all, nil
}

// GenerateKey generates a key pair on the token: the private key with
// CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, both
// halves with the label and a random CKA_ID from the token. A label in use
// by any object is refused.
func (s *Session) GenerateKey(label, kind string) (crypto.Signer, error) {
	k, err := ParseKind(kind)
	if err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("hsm: key label is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if !s.loggedIn {
		return nil, ErrNotLoggedIn
	}
	existing, err := s.find([]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, fmt.Errorf("%w: %q", ErrKeyExists, label)
	}
	id, err := s.ctx.GenerateRandom(s.sh, 16)
	if err != nil {
		return nil, fmt.Errorf("hsm: random key id: %w", err)
	}
	var mech uint
	var keyType uint
	var pubAttrs []*pkcs11.Attribute
	switch k {
	case ECDSAP256, ECDSAP384:
		mech, keyType = pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKK_EC
		params := oidP256
		if k == ECDSAP384 {
			params = oidP384
		}
		pubAttrs = []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params)}
	case Ed25519:
		mech, keyType = ckmECEdwardsKeyPairGen, ckkECEdwards
		pubAttrs = []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oidEd25519)}
	default:
		mech, keyType = pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, pkcs11.CKK_RSA
		pubAttrs = []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, k.rsaBits()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
		}
	}
	pub := append([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}, pubAttrs...)
	priv := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	pubH, privH, err := s.ctx.GenerateKeyPair(s.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("hsm: generate %s key %q: %w", k, label, err)
	}
	return s.key(label, id, k, pubH, privH)
}

// FindKey finds a private key by label, by "id:" and its CKA_ID in
// lowercase hex, or by a PKCS #11 URI with object and/or id. No match and
// several matches are distinct errors (ErrKeyNotFound, ErrAmbiguousKey).
func (s *Session) FindKey(label string) (crypto.Signer, error) {
	sel, err := parseSelector(label)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if !s.loggedIn {
		return nil, ErrNotLoggedIn
	}
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)}
	if sel.label != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, sel.label))
	}
	if sel.id != nil {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, sel.id))
	}
	privs, err := s.find(tmpl)
	if err != nil {
		return nil, err
	}
	switch {
	case len(privs) == 0:
		return nil, fmt.Errorf("%w: %q", ErrKeyNotFound, label)
	case len(privs) > 1:
		return nil, fmt.Errorf("%w: %d private keys for %q", ErrAmbiguousKey, len(privs), label)
	}
	attrs, err := s.ctx.GetAttributeValue(s.sh, privs[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil), pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
	})
	if err != nil {
		return nil, fmt.Errorf("hsm: key %q: %w", label, err)
	}
	gotLabel, id := string(attrs[0].Value), attrs[1].Value
	pubs, err := s.find([]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, id)})
	if err != nil {
		return nil, err
	}
	if len(pubs) != 1 {
		return nil, fmt.Errorf("hsm: key %q: %d public key objects with its id, want 1", label, len(pubs))
	}
	return s.key(gotLabel, id, "", pubs[0], privs[0])
}

// key reads the public half and builds the signer. kind is derived from
// the public key when empty.
func (s *Session) key(label string, id []byte, kind Kind, pubH, privH pkcs11.ObjectHandle) (*Key, error) {
	pub, err := s.publicKey(pubH)
	if err != nil {
		return nil, fmt.Errorf("hsm: public key of %q: %w", label, err)
	}
	if kind == "" {
		kind = kindOf(pub)
	}
	k := &Key{label: label, id: id, kind: kind, pub: pub}
	k.sign = func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		return s.sign(k, privH, digest, opts)
	}
	return k, nil
}

func kindOf(pub crypto.PublicKey) Kind {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p.Curve == elliptic.P384() {
			return ECDSAP384
		}
		return ECDSAP256
	case ed25519.PublicKey:
		return Ed25519
	case *rsa.PublicKey:
		return Kind("rsa-" + strconv.Itoa(p.N.BitLen()))
	}
	return ""
}

func (s *Session) publicKey(h pkcs11.ObjectHandle) (crypto.PublicKey, error) {
	attrs, err := s.ctx.GetAttributeValue(s.sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil)})
	if err != nil {
		return nil, err
	}
	switch keyType := bytesToUint(attrs[0].Value); keyType {
	case pkcs11.CKK_RSA:
		a, err := s.ctx.GetAttributeValue(s.sh, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil), pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, nil),
		})
		if err != nil {
			return nil, err
		}
		e := new(big.Int).SetBytes(a[1].Value)
		if !e.IsInt64() || e.Int64() > 1<<31 {
			return nil, fmt.Errorf("rsa exponent too large")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(a[0].Value), E: int(e.Int64())}, nil
	case pkcs11.CKK_EC, ckkECEdwards:
		a, err := s.ctx.GetAttributeValue(s.sh, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil), pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil),
		})
		if err != nil {
			return nil, err
		}
		return parseECPoint(a[0].Value, a[1].Value)
	default:
		return nil, fmt.Errorf("unsupported key type %#x", keyType)
	}
}

// parseECPoint reads CKA_EC_POINT, which modules give as a DER OCTET
// STRING (as the standard says) or, some of them, raw.
func parseECPoint(params, point []byte) (crypto.PublicKey, error) {
	var inner []byte
	if rest, err := asn1.Unmarshal(point, &inner); err == nil && len(rest) == 0 {
		point = inner
	}
	switch string(params) {
	case string(oidP256):
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	case string(oidP384):
		return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), point)
	case string(oidEd25519), "\x13\x0cedwards25519":
		if len(point) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ed25519 point of %d bytes", len(point))
		}
		return ed25519.PublicKey(append([]byte(nil), point...)), nil
	}
	return nil, fmt.Errorf("unsupported curve parameters %x", params)
}

func bytesToUint(b []byte) uint {
	// CK_ULONG in host byte order; every platform we run on is little-endian.
	var v uint
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint(b[i])
	}
	return v
}

// digestInfo prefixes for PKCS #1 v1.5 (RFC 8017 section 9.2, note 1).
var digestInfo = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

var pssHash = map[crypto.Hash][2]uint{
	crypto.SHA224: {pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224},
	crypto.SHA256: {pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256},
	crypto.SHA384: {pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384},
	crypto.SHA512: {pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512},
}

func (s *Session) sign(k *Key, priv pkcs11.ObjectHandle, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var mech *pkcs11.Mechanism
	data := digest
	switch pub := k.pub.(type) {
	case *ecdsa.PublicKey:
		mech = pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)
	case ed25519.PublicKey:
		mech = pkcs11.NewMechanism(ckmEdDSA, nil)
	case *rsa.PublicKey:
		h := opts.HashFunc()
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			p, ok := pssHash[h]
			if !ok {
				return nil, fmt.Errorf("no pss parameters for %v", h)
			}
			salt := pss.SaltLength
			switch {
			case salt == rsa.PSSSaltLengthEqualsHash:
				salt = h.Size()
			case salt < 0:
				return nil, fmt.Errorf("pss salt length %d", salt)
			case salt > (pub.N.BitLen()+6)/8-h.Size()-2:
				return nil, fmt.Errorf("pss salt length %d too long for the key", salt)
			}
			mech = pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, pkcs11.NewPSSParams(p[0], p[1], uint(salt)))
		} else {
			prefix, ok := digestInfo[h]
			if !ok {
				return nil, fmt.Errorf("no pkcs #1 v1.5 digest info for %v", h)
			}
			data = append(append([]byte(nil), prefix...), digest...)
		}
		if mech == nil {
			mech = pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if !s.loggedIn {
		return nil, ErrNotLoggedIn
	}
	if err := s.ctx.SignInit(s.sh, []*pkcs11.Mechanism{mech}, priv); err != nil {
		return nil, err
	}
	sig, err := s.ctx.Sign(s.sh, data)
	if err != nil {
		return nil, err
	}
	if _, ok := k.pub.(*ecdsa.PublicKey); ok {
		return ecdsaASN1(sig)
	}
	return sig, nil
}

// KeyAttributes are the protection attributes of a private key as the
// token reports them.
type KeyAttributes struct {
	Token, Private, Sensitive, Extractable, AlwaysSensitive, NeverExtractable bool
}

// Attributes reads back the protection attributes of a key's private half.
func (s *Session) Attributes(k *Key) (KeyAttributes, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return KeyAttributes{}, ErrClosed
	}
	hs, err := s.find([]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, k.id)})
	if err != nil {
		return KeyAttributes{}, err
	}
	if len(hs) != 1 {
		return KeyAttributes{}, fmt.Errorf("hsm: %d private keys with the id of %q", len(hs), k.label)
	}
	types := []uint{pkcs11.CKA_TOKEN, pkcs11.CKA_PRIVATE, pkcs11.CKA_SENSITIVE, pkcs11.CKA_EXTRACTABLE, pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE}
	tmpl := make([]*pkcs11.Attribute, len(types))
	for i, t := range types {
		tmpl[i] = pkcs11.NewAttribute(t, nil)
	}
	a, err := s.ctx.GetAttributeValue(s.sh, hs[0], tmpl)
	if err != nil {
		return KeyAttributes{}, fmt.Errorf("hsm: attributes of %q: %w", k.label, err)
	}
	b := func(i int) bool { return len(a[i].Value) == 1 && a[i].Value[0] != 0 }
	return KeyAttributes{b(0), b(1), b(2), b(3), b(4), b(5)}, nil
}
