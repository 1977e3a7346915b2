// Package vcard is a virtual PIV card: test equipment that speaks the PIV
// application and the YubiKey extensions piv-go uses, and connects to
// pcscd through the virtual reader of vsmartcard-vpcd, so that tests run
// piv-go's real PC/SC code path, and independent clients (yubico-piv-tool,
// OpenSC) read what a ceremony wrote, without a YubiKey.
//
// It answers SELECT, GET VERSION and GET SERIAL; VERIFY, CHANGE REFERENCE
// DATA and RESET RETRY COUNTER for the PIN and PUK with retry counters;
// GENERAL AUTHENTICATE for the management key (3DES or AES, witness and
// challenge) and for signing and ECDH with slot keys (P-256, P-384);
// GENERATE ASYMMETRIC KEY PAIR with PIN and touch policies; GET DATA and
// PUT DATA for certificates and other objects; and the YubiKey extensions
// ATTEST (under a test authority of its own, not Yubico's), GET METADATA,
// SET MANAGEMENT KEY, IMPORT KEY, SET PIN RETRIES and RESET. Touch is not
// simulated: a touch policy is recorded and attested, never waited for.
//
// It is not a secure element: its keys are in memory, and it exists only
// so that the code that talks to real devices can be tested.
package vcard

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/ceremony-dev/ceremony/piv"
	"github.com/ceremony-dev/ceremony/piv/pivtest"
)

// Defaults of a card fresh from the factory, as on a YubiKey 5.7 (whose
// default management key is AES-192).
var (
	DefaultPIN           = piv.DefaultPIN
	DefaultPUK           = piv.DefaultPUK
	DefaultManagementKey = piv.DefaultManagementKey
)

// Algorithm and policy bytes of the PIV and YubiKey commands.
const (
	alg3DES   = 0x03
	algAES128 = 0x08
	algAES192 = 0x0a
	algAES256 = 0x0c
	algP256   = 0x11
	algP384   = 0x14

	keyManagement = 0x9b
	refPIN        = 0x80
	refPUK        = 0x81

	objAttestation = 0x5fff01
	objProtected   = 0x5fc109 // PIN-protected data: the stored management key
)

// Status words.
const (
	swOK            = 0x9000
	swWrongLength   = 0x6700
	swNotSatisfied  = 0x6982
	swBlocked       = 0x6983
	swConditions    = 0x6985
	swWrongData     = 0x6a80
	swNotFound      = 0x6a82
	swWrongP1P2     = 0x6a86
	swInsNotSupport = 0x6d00
)

var aidPIV = []byte{0xa0, 0x00, 0x00, 0x03, 0x08}

// Card is one virtual card. Its methods are safe for concurrent use.
type Card struct {
	mu       sync.Mutex
	serial   uint32
	firmware [3]byte
	ca       *pivtest.Authority

	pin, puk            []byte
	pinTries, pukTries  int
	pinMax, pukMax      int
	mgmtAlg             byte
	mgmtKey             []byte
	pinOK, mgmtOK       bool
	witness             []byte
	keys                map[byte]*slotKey
	objects             map[uint32][]byte
	selected            bool
	chain, pendingReply []byte
}

type slotKey struct {
	priv      *ecdsa.PrivateKey
	alg       byte
	pin       byte // 1 never, 2 once, 3 always
	touch     byte // 1 never, 2 always, 3 cached
	generated bool
}

// New returns a card with the factory defaults, serial and firmware
// ("5.7.1"), attesting under ca. Its device attestation certificate (f9)
// is ca's device certificate.
func New(serial uint32, firmware string, ca *pivtest.Authority) *Card {
	c := &Card{serial: serial, ca: ca}
	fmt.Sscanf(firmware, "%d.%d.%d", &c.firmware[0], &c.firmware[1], &c.firmware[2])
	c.factory()
	return c
}

// Factory puts the card back in its state out of the box, as a YubiKey's
// reset does, without first blocking its PIN and PUK.
func (c *Card) Factory() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.factory()
}

// factory puts the card in its state out of the box: default PIN, PUK and
// management key, no keys, no objects but the attestation certificate.
func (c *Card) factory() {
	c.pin, c.puk = append([]byte(nil), DefaultPIN...), append([]byte(nil), DefaultPUK...)
	c.pinMax, c.pukMax = 3, 3
	c.pinTries, c.pukTries = 3, 3
	c.mgmtAlg, c.mgmtKey = algAES192, append([]byte(nil), DefaultManagementKey...)
	c.keys = map[byte]*slotKey{}
	c.objects = map[uint32][]byte{objAttestation: certObject(c.ca.Device.Raw)}
	c.pinOK, c.mgmtOK, c.witness = false, false, nil
}

// certObject is a certificate as PIV stores it: 70 cert, 71 info, FE LRC.
func certObject(der []byte) []byte {
	return append(append(tlv(0x70, der), 0x71, 0x01, 0x00), 0xfe, 0x00)
}

// Serial is the card's serial number, as printed on a YubiKey.
func (c *Card) Serial() uint32 { return c.serial }

// PINRetries is how many PIN attempts are left.
func (c *Card) PINRetries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinTries
}

// PowerOff forgets what was verified, as pulling the card out does.
func (c *Card) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinOK, c.mgmtOK, c.witness, c.selected = false, false, nil, false
	c.chain, c.pendingReply = nil, nil
}

// Transmit handles one command APDU and returns the response with its
// status word: command chaining (CLA 0x10) and responses longer than 256
// bytes (61xx, GET RESPONSE) as ISO 7816-4 has them.
func (c *Card) Transmit(apdu []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(apdu) < 4 {
		return sw(nil, swWrongLength)
	}
	cla, ins, p1, p2 := apdu[0], apdu[1], apdu[2], apdu[3]
	var data []byte
	if len(apdu) > 5 {
		n := int(apdu[4])
		if len(apdu) < 5+n {
			return sw(nil, swWrongLength)
		}
		data = apdu[5 : 5+n]
	}
	if ins == 0xc0 {
		return c.reply(c.pendingReply, swOK)
	}
	c.pendingReply = nil
	if cla&0x10 != 0 {
		c.chain = append(c.chain, data...)
		return sw(nil, swOK)
	}
	if c.chain != nil {
		data = append(c.chain, data...)
		c.chain = nil
	}
	out, status := c.command(ins, p1, p2, data)
	return c.reply(out, status)
}

// reply sends out in pieces of 256 bytes, the rest kept for GET RESPONSE.
func (c *Card) reply(out []byte, status int) []byte {
	if len(out) <= 256 {
		c.pendingReply = nil
		return sw(out, status)
	}
	c.pendingReply = out[256:]
	more := min(len(c.pendingReply), 255)
	return sw(out[:256], 0x6100|more)
}

func sw(data []byte, status int) []byte {
	return append(append([]byte(nil), data...), byte(status>>8), byte(status))
}

func (c *Card) command(ins, p1, p2 byte, data []byte) ([]byte, int) {
	if ins == 0xa4 {
		if p1 != 0x04 || !bytes.HasPrefix(data, aidPIV) {
			return nil, swNotFound
		}
		c.selected = true
		// Application property template: the PIV AID and its authority.
		return tlv(0x61, append(tlv(0x4f, []byte{0x00, 0x00, 0x10, 0x00, 0x01, 0x00}), tlv(0x79, tlv(0x4f, aidPIV))...)), swOK
	}
	if !c.selected {
		return nil, swNotFound
	}
	switch ins {
	case 0xfd:
		return c.firmware[:], swOK
	case 0xf8:
		return binary.BigEndian.AppendUint32(nil, c.serial), swOK
	case 0x20:
		return nil, c.verify(p2, data)
	case 0x24:
		return nil, c.change(p2, data)
	case 0x2c:
		return nil, c.unblock(p2, data)
	case 0x87:
		return c.authenticate(p1, p2, data)
	case 0x47:
		return c.generate(p2, data)
	case 0xcb:
		return c.getData(data)
	case 0xdb:
		return nil, c.putData(data)
	case 0xf9:
		return c.attest(p1)
	case 0xf7:
		return c.metadata(p2)
	case 0xff:
		return nil, c.setManagementKey(data)
	case 0xfe:
		return nil, c.importKey(p1, p2, data)
	case 0xfa:
		return nil, c.setRetries(p1, p2)
	case 0xfb:
		if c.pinTries > 0 || c.pukTries > 0 {
			return nil, swConditions
		}
		c.factory()
		return nil, swOK
	}
	return nil, swInsNotSupport
}

// pinBytes is a PIN or PUK as the card compares it: padded with 0xff to 8.
func pinBytes(p []byte) []byte {
	b := bytes.Repeat([]byte{0xff}, 8)
	copy(b, p)
	return b
}

func (c *Card) verify(ref byte, data []byte) int {
	if ref != refPIN {
		return swWrongP1P2
	}
	if len(data) == 0 {
		if c.pinOK {
			return swOK
		}
		return 0x63c0 | c.pinTries
	}
	return c.check(&c.pinTries, c.pinMax, c.pin, data, &c.pinOK)
}

// check compares a PIN or PUK attempt, counting a failure against tries and
// resetting them on success; ok records a verified PIN.
func (c *Card) check(tries *int, maxTries int, want, got []byte, ok *bool) int {
	if len(got) != 8 {
		return swWrongLength
	}
	if *tries == 0 {
		return swBlocked
	}
	if subtle.ConstantTimeCompare(pinBytes(want), got) != 1 {
		*tries--
		if ok != nil {
			*ok = false
		}
		return 0x63c0 | *tries
	}
	*tries = maxTries
	if ok != nil {
		*ok = true
	}
	return swOK
}

func unpad(b []byte) []byte { return bytes.TrimRight(b, "\xff") }

func (c *Card) change(ref byte, data []byte) int {
	if len(data) != 16 {
		return swWrongLength
	}
	switch ref {
	case refPIN:
		if st := c.check(&c.pinTries, c.pinMax, c.pin, data[:8], &c.pinOK); st != swOK {
			return st
		}
		c.pin = append([]byte(nil), unpad(data[8:])...)
	case refPUK:
		if st := c.check(&c.pukTries, c.pukMax, c.puk, data[:8], nil); st != swOK {
			return st
		}
		c.puk = append([]byte(nil), unpad(data[8:])...)
	default:
		return swWrongP1P2
	}
	return swOK
}

func (c *Card) unblock(ref byte, data []byte) int {
	if ref != refPIN {
		return swWrongP1P2
	}
	if len(data) != 16 {
		return swWrongLength
	}
	if st := c.check(&c.pukTries, c.pukMax, c.puk, data[:8], nil); st != swOK {
		return st
	}
	c.pin, c.pinTries = append([]byte(nil), unpad(data[8:])...), c.pinMax
	return swOK
}

func (c *Card) block() (cipher.Block, int, error) {
	switch c.mgmtAlg {
	case alg3DES:
		b, err := des.NewTripleDESCipher(c.mgmtKey)
		return b, 8, err
	default:
		b, err := aes.NewCipher(c.mgmtKey)
		return b, 16, err
	}
}

// authenticate is GENERAL AUTHENTICATE: with the management key, the
// witness and challenge exchange; with a slot key, a signature (81) or an
// ECDH agreement (85).
func (c *Card) authenticate(alg, ref byte, data []byte) ([]byte, int) {
	body, ok := field(data, 0x7c)
	if !ok {
		return nil, swWrongData
	}
	if ref == keyManagement {
		return c.mutualAuth(alg, body)
	}
	k, found := c.keys[ref]
	if !found {
		return nil, swWrongData
	}
	if k.alg != alg {
		return nil, swWrongP1P2
	}
	if k.pin != 1 && !c.pinOK {
		return nil, swNotSatisfied
	}
	var out []byte
	if digest, ok := field(body, 0x81); ok {
		sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest)
		if err != nil {
			return nil, swWrongData
		}
		out = sig
	} else if point, ok := field(body, 0x85); ok {
		priv, err := k.priv.ECDH()
		if err != nil {
			return nil, swWrongData
		}
		peer, err := priv.Curve().NewPublicKey(point)
		if err != nil {
			return nil, swWrongData
		}
		if out, err = priv.ECDH(peer); err != nil {
			return nil, swWrongData
		}
	} else {
		return nil, swWrongData
	}
	if k.pin == 3 {
		// PIN always: the next use needs the PIN again.
		c.pinOK = false
	}
	return tlv(0x7c, tlv(0x82, out)), swOK
}

func (c *Card) mutualAuth(alg byte, body []byte) ([]byte, int) {
	if alg != c.mgmtAlg {
		return nil, swWrongP1P2
	}
	blk, size, err := c.block()
	if err != nil {
		return nil, swConditions
	}
	w, ok := field(body, 0x80)
	if !ok {
		return nil, swWrongData
	}
	if len(w) == 0 {
		c.witness = make([]byte, size)
		rand.Read(c.witness)
		enc := make([]byte, size)
		blk.Encrypt(enc, c.witness)
		c.mgmtOK = false
		return tlv(0x7c, tlv(0x80, enc)), swOK
	}
	challenge, ok := field(body, 0x81)
	want := c.witness
	c.witness = nil
	if !ok || len(challenge) != size || want == nil || subtle.ConstantTimeCompare(w, want) != 1 {
		c.mgmtOK = false
		return nil, swNotSatisfied
	}
	c.mgmtOK = true
	resp := make([]byte, size)
	blk.Encrypt(resp, challenge)
	return tlv(0x7c, tlv(0x82, resp)), swOK
}

func curve(alg byte) elliptic.Curve {
	switch alg {
	case algP256:
		return elliptic.P256()
	case algP384:
		return elliptic.P384()
	}
	return nil
}

func (c *Card) generate(slot byte, data []byte) ([]byte, int) {
	if !c.mgmtOK {
		return nil, swNotSatisfied
	}
	body, ok := field(data, 0xac)
	if !ok {
		return nil, swWrongData
	}
	alg, ok := field(body, 0x80)
	if !ok || len(alg) != 1 || curve(alg[0]) == nil {
		return nil, swWrongData
	}
	k := &slotKey{alg: alg[0], pin: policyByte(body, 0xaa, 2), touch: policyByte(body, 0xab, 1), generated: true}
	if slot == 0x9e && k.pin != 1 {
		// The card authentication key is used without a PIN.
		k.pin = 1
	}
	var err error
	if k.priv, err = ecdsa.GenerateKey(curve(k.alg), rand.Reader); err != nil {
		return nil, swConditions
	}
	c.keys[slot] = k
	return tlv(0x7f49, tlv(0x86, point(k.priv))), swOK
}

func point(k *ecdsa.PrivateKey) []byte {
	p, _ := k.PublicKey.ECDH()
	return p.Bytes()
}

// policyByte reads a PIN or touch policy, def when absent or "default" (0).
func policyByte(body []byte, tag uint32, def byte) byte {
	if v, ok := field(body, tag); ok && len(v) == 1 && v[0] != 0 {
		return v[0]
	}
	return def
}

func objectTag(data []byte) (uint32, bool) {
	t, ok := field(data, 0x5c)
	if !ok || len(t) == 0 || len(t) > 3 {
		return 0, false
	}
	var n uint32
	for _, b := range t {
		n = n<<8 | uint32(b)
	}
	return n, true
}

func (c *Card) getData(data []byte) ([]byte, int) {
	tag, ok := objectTag(data)
	if !ok {
		return nil, swWrongData
	}
	v, found := c.objects[tag]
	if !found {
		return nil, swNotFound
	}
	if tag == objProtected && !c.pinOK {
		return nil, swNotSatisfied
	}
	return tlv(0x53, v), swOK
}

func (c *Card) putData(data []byte) int {
	if !c.mgmtOK {
		return swNotSatisfied
	}
	tag, ok := objectTag(data)
	if !ok {
		return swWrongData
	}
	v, ok := field(data, 0x53)
	if !ok {
		return swWrongData
	}
	if len(v) == 0 {
		delete(c.objects, tag)
	} else {
		c.objects[tag] = append([]byte(nil), v...)
	}
	return swOK
}

func (c *Card) attest(slot byte) ([]byte, int) {
	k, ok := c.keys[slot]
	if !ok || !k.generated {
		// An imported key is not attested, as on a YubiKey.
		return nil, swWrongData
	}
	p := piv.Policy{PIN: map[byte]string{1: piv.PINNever, 2: piv.PINOnce, 3: piv.PINAlways}[k.pin],
		Touch: map[byte]string{1: piv.TouchNever, 2: piv.TouchAlways, 3: piv.TouchCached}[k.touch]}
	fw := fmt.Sprintf("%d.%d.%d", c.firmware[0], c.firmware[1], c.firmware[2])
	return c.ca.Attest(piv.Slot(slot), &k.priv.PublicKey, fw, c.serial, p).Raw, swOK
}

func (c *Card) metadata(slot byte) ([]byte, int) {
	switch slot {
	case keyManagement:
		def := byte(0)
		if bytes.Equal(c.mgmtKey, DefaultManagementKey) {
			def = 1
		}
		return bytes.Join([][]byte{tlv(0x01, []byte{c.mgmtAlg}), tlv(0x02, []byte{0, 1}), tlv(0x05, []byte{def})}, nil), swOK
	case refPIN, refPUK:
		tries, max, val, def := c.pinTries, c.pinMax, c.pin, DefaultPIN
		if slot == refPUK {
			tries, max, val, def = c.pukTries, c.pukMax, c.puk, DefaultPUK
		}
		isDef := byte(0)
		if bytes.Equal(val, def) {
			isDef = 1
		}
		return bytes.Join([][]byte{tlv(0x01, []byte{0xff}), tlv(0x05, []byte{isDef}), tlv(0x06, []byte{byte(max), byte(tries)})}, nil), swOK
	}
	k, ok := c.keys[slot]
	if !ok {
		return nil, swNotFound
	}
	origin := byte(2)
	if k.generated {
		origin = 1
	}
	return bytes.Join([][]byte{tlv(0x01, []byte{k.alg}), tlv(0x02, []byte{k.pin, k.touch}), tlv(0x03, []byte{origin}),
		tlv(0x04, tlv(0x86, point(k.priv)))}, nil), swOK
}

func (c *Card) setManagementKey(data []byte) int {
	if !c.mgmtOK {
		return swNotSatisfied
	}
	if len(data) < 3 || data[1] != keyManagement || int(data[2]) != len(data)-3 {
		return swWrongData
	}
	want := map[byte]int{alg3DES: 24, algAES128: 16, algAES192: 24, algAES256: 32}[data[0]]
	if want == 0 || want != len(data)-3 {
		return swWrongData
	}
	c.mgmtAlg, c.mgmtKey = data[0], append([]byte(nil), data[3:]...)
	return swOK
}

func (c *Card) importKey(alg, slot byte, data []byte) int {
	if !c.mgmtOK {
		return swNotSatisfied
	}
	cv := curve(alg)
	scalar, ok := field(data, 0x06)
	if cv == nil || !ok {
		return swWrongData
	}
	k, err := ecdsa.ParseRawPrivateKey(cv, scalar)
	if err != nil {
		return swWrongData
	}
	c.keys[slot] = &slotKey{priv: k, alg: alg, pin: policyByte(data, 0xaa, 2), touch: policyByte(data, 0xab, 1)}
	return swOK
}

func (c *Card) setRetries(pinMax, pukMax byte) int {
	if !c.mgmtOK || !c.pinOK {
		return swNotSatisfied
	}
	if pinMax == 0 || pukMax == 0 {
		return swWrongP1P2
	}
	// As on a YubiKey, the PIN and PUK go back to their defaults.
	c.pinMax, c.pukMax = int(pinMax), int(pukMax)
	c.pinTries, c.pukTries = c.pinMax, c.pukMax
	c.pin, c.puk = append([]byte(nil), DefaultPIN...), append([]byte(nil), DefaultPUK...)
	return swOK
}
