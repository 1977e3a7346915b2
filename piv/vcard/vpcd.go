package vcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// VPCDAddr is where vsmartcard-vpcd, loaded by pcscd, waits for the card of
// its first virtual reader ("Virtual PCD 00 00"); the second reader's card
// connects to port 35964.
const VPCDAddr = "127.0.0.1:35963"

// ATR is the answer to reset of a YubiKey 5 over USB, so that clients take
// the card for what it pretends to be.
var ATR = []byte{0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0x40}

// vpcd's control messages: one byte, where a command APDU has at least four.
const (
	ctrlOff   = 0
	ctrlOn    = 1
	ctrlReset = 2
	ctrlATR   = 4
)

// Insert connects the card to the vpcd reader at addr, as inserting it into
// the reader does, and serves it until ctx ends or the reader goes away. It
// returns once the card is in the reader; the error channel says how the
// session ended (nil when ctx ended it).
func (c *Card) Insert(ctx context.Context, addr string) (<-chan error, error) {
	return insert(ctx, addr, c)
}

// chip is what answers in the reader: a card, or the card on top of a deck.
type chip interface {
	Transmit(apdu []byte) []byte
	PowerOff()
}

func insert(ctx context.Context, addr string, c chip) (<-chan error, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	// A pcscd just started opens the reader's port a moment later.
	for tries := 0; err != nil && tries < 50 && ctx.Err() == nil; tries++ {
		time.Sleep(100 * time.Millisecond)
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("vcard: no virtual reader at %s (is pcscd running with vsmartcard-vpcd?): %w", addr, err)
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	go func() {
		err := serve(conn, c)
		if ctx.Err() != nil {
			err = nil
		}
		done <- err
	}()
	return done, nil
}

func serve(rw io.ReadWriter, c chip) error {
	for {
		var n [2]byte
		if _, err := io.ReadFull(rw, n[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("vcard: reading from the reader: %w", err)
		}
		msg := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(rw, msg); err != nil {
			return fmt.Errorf("vcard: reading from the reader: %w", err)
		}
		var out []byte
		switch {
		case len(msg) == 1 && msg[0] == ctrlATR:
			out = ATR
		case len(msg) == 1:
			if msg[0] == ctrlOff || msg[0] == ctrlReset || msg[0] == ctrlOn {
				c.PowerOff()
			}
			continue
		default:
			out = c.Transmit(msg)
		}
		binary.BigEndian.PutUint16(n[:], uint16(len(out)))
		if _, err := rw.Write(append(n[:], out...)); err != nil {
			return fmt.Errorf("vcard: writing to the reader: %w", err)
		}
	}
}

// Deck is cards taking turns in one reader, as officers' YubiKeys do in
// the one reader of a ceremony. Top puts a card in: every later
// connection talks to it. pcscd is not told of the swap; a client that
// connects afresh for each use, as piv-go's Open does, finds the card on
// top. (A real removal races with pcscd: a piv-go Open that fails while
// the card is half gone leaves its exclusive connection open, and the
// reader is lost to the process.)
type Deck struct {
	mu  sync.Mutex
	top *Card
}

// Top puts c on top; the card it replaces forgets what was verified.
func (d *Deck) Top(c *Card) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.top != nil {
		d.top.PowerOff()
	}
	d.top = c
}

func (d *Deck) card() *Card {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.top
}

// Transmit passes apdu to the card on top; with none, the reader has
// nothing to answer but that the command is not supported.
func (d *Deck) Transmit(apdu []byte) []byte {
	if c := d.card(); c != nil {
		return c.Transmit(apdu)
	}
	return sw(nil, swInsNotSupport)
}

// PowerOff powers off the card on top.
func (d *Deck) PowerOff() {
	if c := d.card(); c != nil {
		c.PowerOff()
	}
}

// Insert connects the deck to the vpcd reader at addr, as Card.Insert does.
func (d *Deck) Insert(ctx context.Context, addr string) (<-chan error, error) {
	return insert(ctx, addr, d)
}
