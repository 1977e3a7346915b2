//go:build piv

package piv

// #cgo linux pkg-config: libpcsclite
// #include <stdlib.h>
// #include <PCSC/winscard.h>
// #include <PCSC/wintypes.h>
import "C"

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"unsafe"
)

// piv-go has no call for data objects other than certificates and its
// metadata, so PUT DATA of the CHUID and CCC goes over a PC/SC
// connection of its own, while piv-go's is closed.

// apduSession is one exclusive PC/SC connection to a card.
type apduSession struct {
	ctx C.SCARDCONTEXT
	h   C.SCARDHANDLE
}

func pcscErr(what string, rc C.LONG) error {
	return fmt.Errorf("piv: %s: pc/sc error 0x%08x", what, uint32(rc))
}

func openSession(reader string) (*apduSession, error) {
	s := &apduSession{}
	if rc := C.SCardEstablishContext(C.SCARD_SCOPE_SYSTEM, nil, nil, &s.ctx); rc != C.SCARD_S_SUCCESS {
		return nil, pcscErr("establishing a context", rc)
	}
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))
	var proto C.DWORD
	if rc := C.SCardConnect(s.ctx, name, C.SCARD_SHARE_EXCLUSIVE, C.SCARD_PROTOCOL_T1, &s.h, &proto); rc != C.SCARD_S_SUCCESS {
		C.SCardReleaseContext(s.ctx)
		return nil, pcscErr("connecting to "+reader, rc)
	}
	return s, nil
}

func (s *apduSession) close() {
	C.SCardDisconnect(s.h, C.SCARD_LEAVE_CARD)
	C.SCardReleaseContext(s.ctx)
}

// transmit sends one command APDU and returns the response data, reading
// on while the card says more is waiting (61xx).
func (s *apduSession) transmit(cla, ins, p1, p2 byte, data []byte) ([]byte, error) {
	var out []byte
	cmd := append([]byte{cla, ins, p1, p2, byte(len(data))}, data...)
	for {
		resp := make([]byte, 258)
		n := C.DWORD(len(resp))
		if rc := C.SCardTransmit(s.h, &C.g_rgSCardT1Pci, (*C.BYTE)(unsafe.Pointer(&cmd[0])), C.DWORD(len(cmd)), nil,
			(*C.BYTE)(unsafe.Pointer(&resp[0])), &n); rc != C.SCARD_S_SUCCESS {
			return nil, pcscErr("transmitting", rc)
		}
		if n < 2 {
			return nil, errors.New("piv: the card answered nothing")
		}
		sw1, sw2 := resp[n-2], resp[n-1]
		out = append(out, resp[:n-2]...)
		switch {
		case sw1 == 0x90 && sw2 == 0x00:
			return out, nil
		case sw1 == 0x61:
			cmd = []byte{0x00, 0xc0, 0x00, 0x00, sw2}
		default:
			return nil, fmt.Errorf("piv: the card refused instruction %02x: status %02x%02x", ins, sw1, sw2)
		}
	}
}

// send is transmit with command chaining for data over 255 bytes.
func (s *apduSession) send(ins, p1, p2 byte, data []byte) ([]byte, error) {
	for len(data) > 255 {
		if _, err := s.transmit(0x10, ins, p1, p2, data[:255]); err != nil {
			return nil, err
		}
		data = data[255:]
	}
	return s.transmit(0x00, ins, p1, p2, data)
}

var pivAID = []byte{0xa0, 0x00, 0x00, 0x03, 0x08}

// authenticate proves the management key to the card, and the card to
// us: the card's witness decrypted, our challenge encrypted by the card.
func (s *apduSession) authenticate(key []byte) error {
	alg := byte(0x03) // 3DES, what cards older than 5.3 use
	if md, err := s.send(0xf7, 0x00, 0x9b, nil); err == nil && len(md) >= 3 && md[0] == 0x01 && md[1] == 0x01 {
		alg = md[2]
	}
	var block cipher.Block
	var err error
	switch alg {
	case 0x08, 0x0a, 0x0c:
		block, err = aes.NewCipher(key)
	case 0x03:
		block, err = des.NewTripleDESCipher(key)
	default:
		return fmt.Errorf("piv: management key algorithm %02x", alg)
	}
	if err != nil {
		return fmt.Errorf("piv: management key: %w", err)
	}
	bs := block.BlockSize()
	resp, err := s.send(0x87, alg, 0x9b, []byte{0x7c, 0x02, 0x80, 0x00})
	if err != nil {
		return fmt.Errorf("piv: management key witness: %w", err)
	}
	if len(resp) != 4+bs || !bytes.Equal(resp[:4], []byte{0x7c, byte(bs + 2), 0x80, byte(bs)}) {
		return errors.New("piv: the card's witness is malformed")
	}
	witness := make([]byte, bs)
	block.Decrypt(witness, resp[4:])
	challenge := make([]byte, bs)
	if _, err := rand.Read(challenge); err != nil {
		return err
	}
	msg := append(append([]byte{0x7c, byte(2*bs + 4), 0x80, byte(bs)}, witness...), 0x81, byte(bs))
	resp, err = s.send(0x87, alg, 0x9b, append(msg, challenge...))
	if err != nil {
		return fmt.Errorf("piv: wrong management key: %w", err)
	}
	want := make([]byte, bs)
	block.Encrypt(want, challenge)
	if len(resp) != 4+bs || !bytes.Equal(resp[:4], []byte{0x7c, byte(bs + 2), 0x82, byte(bs)}) || subtle.ConstantTimeCompare(resp[4:], want) != 1 {
		return errors.New("piv: the card did not prove the management key")
	}
	return nil
}

// putObjects writes data objects to the card in reader with PUT DATA,
// after authenticating with the management key.
func putObjects(reader string, managementKey []byte, objects map[uint32][]byte) error {
	s, err := openSession(reader)
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.send(0xa4, 0x04, 0x00, pivAID); err != nil {
		return fmt.Errorf("piv: selecting the piv application: %w", err)
	}
	if err := s.authenticate(managementKey); err != nil {
		return err
	}
	for tag, value := range objects {
		data := []byte{0x5c, 0x03, byte(tag >> 16), byte(tag >> 8), byte(tag)}
		data = append(data, berTLV(0x53, value)...)
		if _, err := s.send(0xdb, 0x3f, 0xff, data); err != nil {
			return fmt.Errorf("piv: writing object %06x: %w", tag, err)
		}
	}
	return nil
}

// berTLV is a BER-TLV with a one-byte tag.
func berTLV(tag byte, v []byte) []byte {
	switch n := len(v); {
	case n < 0x80:
		return append([]byte{tag, byte(n)}, v...)
	case n < 0x100:
		return append([]byte{tag, 0x81, byte(n)}, v...)
	default:
		return append([]byte{tag, 0x82, byte(n >> 8), byte(n)}, v...)
	}
}
