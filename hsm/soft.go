package hsm

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ceremony-dev/ceremony/durable"
)

// The embedded software token stands in for an HSM in demos and rehearsals.
// Its keys are files on this computer: it is never a place for a production
// key, and everything it describes carries "rehearsal": "true".
//
// Layout of its directory:
//
//	token.json        label, serial, PIN retry counters, and the token's data
//	                  key wrapped (AES-256-GCM) under keys derived from the
//	                  user PIN and from the SO PIN (PBKDF2-HMAC-SHA-256)
//	keys/<id>.json    one key pair: label, kind, public key, and the private
//	                  key (PKCS #8) sealed under the data key
//
// Changing or resetting a PIN rewraps the data key; the keys stay as they are.
const (
	softMaxTries   = 3
	softIterations = 600_000
	softPINMin     = 4
	softPINMax     = 255
	softFormat     = 1
)

type softWrapped struct {
	Salt      []byte `json:"salt"`
	Sealed    []byte `json:"sealed"` // nonce || AES-GCM(data key)
	TriesLeft int    `json:"tries_left"`
}

type softState struct {
	Format     int         `json:"format"`
	Label      string      `json:"label"`
	Serial     string      `json:"serial"`
	Iterations int         `json:"iterations"`
	User       softWrapped `json:"user"`
	SO         softWrapped `json:"so"`
}

type softKeyFile struct {
	Label   string `json:"label"`
	ID      string `json:"id"`
	Kind    Kind   `json:"kind"`
	Public  []byte `json:"public"`  // PKIX
	Private []byte `json:"private"` // nonce || AES-GCM(PKCS #8), label|id|kind as additional data
}

// SoftToken is the embedded software token. Its methods are safe for
// concurrent use.
type SoftToken struct {
	mu      sync.Mutex
	dir     string
	closed  bool
	dataKey []byte // set while logged in
	unlock  func() // the token directory's lock, held while open
}

// OpenSoft opens the software token kept in dir, creating the directory
// (mode 0700) if it does not exist. A new token is uninitialised until
// InitToken. One process at a time holds a token open: a second OpenSoft
// of the same directory is refused with a *durable.LockedError, so that two
// rehearsals never both initialise it and wrong PINs are counted one at a
// time.
func OpenSoft(dir string) (*SoftToken, error) {
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, fmt.Errorf("hsm: soft token: %w", err)
	}
	unlock, err := durable.Lock(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, fmt.Errorf("hsm: soft token: %w", err)
	}
	return &SoftToken{dir: dir, unlock: unlock}, nil
}

// DefaultSoftDir is where the software token lives when no directory is
// configured: ceremony/soft-token under the user's configuration directory.
func DefaultSoftDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("hsm: soft token directory: %w", err)
	}
	return filepath.Join(d, "ceremony", "soft-token"), nil
}

// Dir is the token's directory.
func (t *SoftToken) Dir() string { return t.dir }

func (t *SoftToken) statePath() string { return filepath.Join(t.dir, "token.json") }

func (t *SoftToken) load() (*softState, error) {
	b, err := os.ReadFile(t.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotInitialized
	}
	if err != nil {
		return nil, fmt.Errorf("hsm: soft token: %w", err)
	}
	var s softState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("hsm: soft token state %s: %w", t.statePath(), err)
	}
	if s.Format != softFormat {
		return nil, fmt.Errorf("hsm: soft token state %s: unknown format %d", t.statePath(), s.Format)
	}
	return &s, nil
}

// save replaces token.json atomically, so a crash leaves the old or the new
// counters, never a torn file.
func (t *SoftToken) save(s *softState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := durable.Replace(t.statePath(), b, 0o600); err != nil {
		return fmt.Errorf("hsm: soft token: %w", err)
	}
	return nil
}

func (s *softState) iterations() int {
	if s.Iterations > 0 {
		return s.Iterations
	}
	return softIterations
}

func softKEK(secret, salt []byte, iterations int) ([]byte, error) {
	pin, err := EncodePIN(secret, softPINMin, softPINMax)
	if err != nil {
		return nil, err
	}
	defer clear(pin)
	// crypto/pbkdf2 takes the password as a string; the copy is short-lived.
	return pbkdf2.Key(sha256.New, string(pin), salt, iterations, 32)
}

func seal(key, plain, ad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, ad), nil
}

func open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed data too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func wrap(secret, dataKey []byte, iterations int, role string) (softWrapped, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	kek, err := softKEK(secret, salt, iterations)
	if err != nil {
		return softWrapped{}, err
	}
	defer clear(kek)
	sealed, err := seal(kek, dataKey, []byte(role))
	if err != nil {
		return softWrapped{}, err
	}
	return softWrapped{Salt: salt, Sealed: sealed, TriesLeft: softMaxTries}, nil
}

func pinState(triesLeft int) PINState {
	switch {
	case triesLeft <= 0:
		return PINLocked
	case triesLeft == 1:
		return PINFinalTry
	case triesLeft < softMaxTries:
		return PINCountLow
	}
	return PINOK
}

// unwrap loads the token and opens its data key with role's secret, under
// t.mu, which the caller holds; the caller zeroes the key. It checks a PIN
// the way a token does: the attempt is counted on disk before it is made
// and forgiven only when it succeeds, so pulling the plug mid-attempt does
// not give an attacker free tries.
func (t *SoftToken) unwrap(role string, secret []byte, allowFinalTry bool) (*softState, []byte, error) {
	if t.closed {
		return nil, nil, ErrClosed
	}
	s, err := t.load()
	if err != nil {
		return nil, nil, err
	}
	w := &s.User
	if role == "so" {
		w = &s.SO
	}
	state := pinState(w.TriesLeft)
	if state == PINLocked {
		return nil, nil, &PINStateError{User: role, State: PINLocked}
	}
	if state == PINFinalTry && !allowFinalTry {
		return nil, nil, &PINStateError{User: role, State: state}
	}
	kek, err := softKEK(secret, w.Salt, s.iterations())
	if err != nil {
		return nil, nil, err
	}
	defer clear(kek)
	w.TriesLeft--
	if err := t.save(s); err != nil {
		return nil, nil, err
	}
	dataKey, err := open(kek, w.Sealed, []byte(role))
	if err != nil {
		return nil, nil, &LoginError{State: pinState(w.TriesLeft), Err: ErrPINIncorrect}
	}
	w.TriesLeft = softMaxTries
	if err := t.save(s); err != nil {
		clear(dataKey)
		return nil, nil, err
	}
	return s, dataKey, nil
}

// InitToken initialises the token with a label, an SO secret and a user
// secret. An initialised token is refused: re-initialising destroys keys,
// and a rehearsal starts from a fresh directory instead.
func (t *SoftToken) InitToken(soSecret, userSecret []byte, label string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if _, err := t.load(); err == nil {
		return fmt.Errorf("%w: %s", ErrInitialized, t.dir)
	} else if !errors.Is(err, ErrNotInitialized) {
		return err
	}
	if label == "" || len(label) > 32 {
		return fmt.Errorf("hsm: token label must be 1 to 32 bytes")
	}
	dataKey := make([]byte, 32)
	rand.Read(dataKey)
	defer clear(dataKey)
	serial := make([]byte, 8)
	rand.Read(serial)
	s := &softState{Format: softFormat, Label: label, Serial: hex.EncodeToString(serial), Iterations: softIterations}
	var err error
	if s.SO, err = wrap(soSecret, dataKey, s.Iterations, "so"); err != nil {
		return err
	}
	if s.User, err = wrap(userSecret, dataKey, s.Iterations, "user"); err != nil {
		return err
	}
	return t.save(s)
}

// InitPIN sets a new user secret with the SO secret, which also unlocks a
// locked user PIN. A final-try SO PIN is refused unless allowFinalTry.
func (t *SoftToken) InitPIN(soSecret, userSecret []byte, allowFinalTry bool) error {
	return t.setUser("so", soSecret, userSecret, allowFinalTry)
}

// ChangePIN replaces the user secret, checking the old one first.
func (t *SoftToken) ChangePIN(oldSecret, newSecret []byte, allowFinalTry bool) error {
	return t.setUser("user", oldSecret, newSecret, allowFinalTry)
}

// setUser wraps the data key under a new user secret once role's secret
// has opened it.
func (t *SoftToken) setUser(role string, secret, userSecret []byte, allowFinalTry bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, dataKey, err := t.unwrap(role, secret, allowFinalTry)
	if err != nil {
		return err
	}
	defer clear(dataKey)
	if s.User, err = wrap(userSecret, dataKey, s.iterations(), "user"); err != nil {
		return err
	}
	return t.save(s)
}

// Login checks the user secret. At the final try, or when locked, it makes
// no attempt unless allowFinalTry, and returns a *PINStateError.
func (t *SoftToken) Login(secret []byte, allowFinalTry bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, dataKey, err := t.unwrap("user", secret, allowFinalTry)
	if err != nil {
		return err
	}
	clear(t.dataKey)
	t.dataKey = dataKey
	return nil
}

// loggedIn says why the token cannot use its keys now, if it cannot; the
// caller holds t.mu.
func (t *SoftToken) loggedIn() error {
	if t.closed {
		return ErrClosed
	}
	if t.dataKey == nil {
		return ErrNotLoggedIn
	}
	return nil
}

// Logout forgets the data key.
func (t *SoftToken) Logout() error { return t.forget(false) }

// Close logs out; every later call returns ErrClosed.
func (t *SoftToken) Close() error { return t.forget(true) }

// forget wipes the data key, so no key file can be opened until the next
// login, and with end also ends the token's use.
func (t *SoftToken) forget(end bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	clear(t.dataKey)
	t.dataKey = nil
	t.closed = end
	if end {
		t.unlock()
	}
	return nil
}

// Describe reports the token for the transcript, saying plainly that it is
// a software token for rehearsal.
func (t *SoftToken) Describe() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return map[string]string{"error": ErrClosed.Error(), "rehearsal": "true"}
	}
	d := map[string]string{
		"manufacturer": "ceremony",
		"model":        "embedded software token",
		"firmware":     "1.0",
		"rehearsal":    "true",
		"note":         "software token for rehearsal only: its keys are files on this computer, not in an HSM",
		"directory":    t.dir,
		"pin_min":      strconv.Itoa(softPINMin),
		"pin_max":      strconv.Itoa(softPINMax),
	}
	s, err := t.load()
	if err != nil {
		d["flags"] = "rng"
		d["error"] = err.Error()
		return d
	}
	flags := []string{"rng", "login_required", "user_pin_initialized", "token_initialized"}
	flags = appendPINFlags(flags, "user", pinState(s.User.TriesLeft))
	flags = appendPINFlags(flags, "so", pinState(s.SO.TriesLeft))
	d["label"] = s.Label
	d["serial"] = s.Serial
	d["flags"] = strings.Join(flags, ",")
	d["user_pin"] = pinState(s.User.TriesLeft).String()
	d["so_pin"] = pinState(s.SO.TriesLeft).String()
	d["user_pin_tries_left"] = strconv.Itoa(s.User.TriesLeft)
	d["so_pin_tries_left"] = strconv.Itoa(s.SO.TriesLeft)
	return d
}

func appendPINFlags(flags []string, who string, s PINState) []string {
	switch s {
	case PINCountLow:
		return append(flags, who+"_pin_count_low")
	case PINFinalTry:
		return append(flags, who+"_pin_count_low", who+"_pin_final_try")
	case PINLocked:
		return append(flags, who+"_pin_locked")
	}
	return flags
}

// Random returns n bytes from crypto/rand.
func (t *SoftToken) Random(n int) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if n < 0 {
		return nil, fmt.Errorf("hsm: negative random length %d", n)
	}
	b := make([]byte, n)
	rand.Read(b)
	return b, nil
}

func (t *SoftToken) keys() ([]softKeyFile, error) {
	paths, err := filepath.Glob(filepath.Join(t.dir, "keys", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []softKeyFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("hsm: soft token: %w", err)
		}
		var k softKeyFile
		if err := json.Unmarshal(b, &k); err != nil {
			return nil, fmt.Errorf("hsm: soft token key %s: %w", p, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// GenerateKey makes a key pair of the given kind and stores it sealed under
// the token's data key. An existing label is refused.
func (t *SoftToken) GenerateKey(label, kind string) (crypto.Signer, error) {
	k, err := ParseKind(kind)
	if err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("hsm: key label is empty")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loggedIn(); err != nil {
		return nil, err
	}
	existing, err := t.keys()
	if err != nil {
		return nil, err
	}
	for _, e := range existing {
		if e.Label == label {
			return nil, fmt.Errorf("%w: %q", ErrKeyExists, label)
		}
	}
	priv, err := generateSoft(k)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	defer clear(pkcs8)
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	f := softKeyFile{Label: label, ID: hex.EncodeToString(id), Kind: k, Public: pub}
	if f.Private, err = seal(t.dataKey, pkcs8, f.ad()); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(t.dir, "keys", f.ID+".json")
	// Whole or not at all: a kill mid-write must not leave a key file
	// that no later login can read.
	if err := durable.CreateWhole(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("hsm: soft token: %w", err)
	}
	return t.key(f)
}

func (f *softKeyFile) ad() []byte { return []byte(f.Label + "|" + f.ID + "|" + string(f.Kind)) }

func generateSoft(k Kind) (crypto.Signer, error) {
	switch k {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return rsa.GenerateKey(rand.Reader, k.rsaBits())
}

// FindKey finds a key by label, by "id:" and its id in lowercase hex, or
// by a PKCS #11 URI with object and/or id.
func (t *SoftToken) FindKey(label string) (crypto.Signer, error) {
	sel, err := parseSelector(label)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loggedIn(); err != nil {
		return nil, err
	}
	all, err := t.keys()
	if err != nil {
		return nil, err
	}
	var found []softKeyFile
	for _, k := range all {
		id, _ := hex.DecodeString(k.ID)
		if sel.matches(k.Label, id) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: %q", ErrKeyNotFound, label)
	case 1:
		return t.key(found[0])
	}
	return nil, fmt.Errorf("%w: %d keys for %q", ErrAmbiguousKey, len(found), label)
}

func (t *SoftToken) key(f softKeyFile) (*Key, error) {
	pub, err := x509.ParsePKIXPublicKey(f.Public)
	if err != nil {
		return nil, fmt.Errorf("hsm: soft token key %q: %w", f.Label, err)
	}
	id, err := hex.DecodeString(f.ID)
	if err != nil {
		return nil, fmt.Errorf("hsm: soft token key %q: %w", f.Label, err)
	}
	return &Key{label: f.Label, id: id, kind: f.Kind, pub: pub, sign: func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		return t.signWith(f, digest, opts)
	}}, nil
}

// signWith opens the private key only for the one signature, so it is not
// kept in memory between operations.
func (t *SoftToken) signWith(f softKeyFile, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loggedIn(); err != nil {
		return nil, err
	}
	pkcs8, err := open(t.dataKey, f.Private, f.ad())
	if err != nil {
		return nil, fmt.Errorf("soft token key file was altered: %w", err)
	}
	defer clear(pkcs8)
	priv, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, err
	}
	return priv.(crypto.Signer).Sign(rand.Reader, digest, opts)
}

// Keys lists the keys on the token; no login needed, as their labels and
// public halves are not secret.
func (t *SoftToken) Keys() ([]ObjectInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	all, err := t.keys()
	if err != nil {
		return nil, err
	}
	var out []ObjectInfo
	for _, k := range all {
		id, _ := hex.DecodeString(k.ID)
		out = append(out, ObjectInfo{Label: k.Label, ID: id, KeyType: string(k.Kind), Class: "private"})
	}
	return out, nil
}

// Attributes reports the protection a soft token key has through this
// package's API: never exported, only used. The key file itself is on
// disk, sealed under the PIN-derived data key; that is why the soft token
// is for rehearsals only.
func (t *SoftToken) Attributes(k *Key) (KeyAttributes, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return KeyAttributes{}, ErrClosed
	}
	return KeyAttributes{Token: true, Private: true, Sensitive: true, AlwaysSensitive: true, NeverExtractable: true}, nil
}
