package transcript

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"golang.org/x/mod/sumdb/note"
)

// sessionKey is the Ed25519 key a writer signs checkpoints with. It exists
// only in memory: a crash loses it, and Resume announces a fresh one.
type sessionKey struct {
	name string
	priv ed25519.PrivateKey
	hash uint32
	vkey string // note verifier key, recorded in the transcript
}

func newSessionKey(origin string, rand io.Reader) (*sessionKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("generating the session key: %w", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	vkey, err := note.NewEd25519VerifierKey(origin, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &sessionKey{name: origin, priv: priv, hash: v.KeyHash(), vkey: vkey}, nil
}

func (k *sessionKey) Name() string    { return k.name }
func (k *sessionKey) KeyHash() uint32 { return k.hash }
func (k *sessionKey) Sign(msg []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, ErrClosed
	}
	return ed25519.Sign(k.priv, msg), nil
}

func (k *sessionKey) zero() {
	clear(k.priv)
	k.priv = nil
}

// Origin is the first line of every checkpoint of ceremony id, and the name
// of its session keys.
func Origin(id string) string { return "ceremony/" + id }

// checkpointText is the body of a checkpoint note: origin, the number of
// events covered, the hex SHA-256 of the last covered line, and for a
// rehearsal an extension line saying so.
func checkpointText(origin string, count uint64, head [32]byte, rehearsal bool) string {
	text := origin + "\n" + strconv.FormatUint(count, 10) + "\n" + hex.EncodeToString(head[:]) + "\n"
	if rehearsal {
		text += "rehearsal\n"
	}
	return text
}
