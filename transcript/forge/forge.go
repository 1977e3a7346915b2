// Package forge writes ceremony bundles as someone holding nothing but a
// bundle could: from the format specification in the transcript package's
// documentation, not through its writer, re-chained and re-signed with a
// session key of the forger's own, announced in a resume event as a crashed
// ceremony's would be. It is test equipment: the tests of `ceremony verify`
// use it to show what the format alone lets through, and what replaying the
// script and the witnesses' cosignatures catch.
package forge

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Event is one line of a transcript, its data decoded.
type Event struct {
	Rehearsal bool
	Seq       uint64
	Time      string
	Type      string
	Step      string
	Actor     string
	Data      map[string]any
	raw       []byte // the line as read, without '\n'
}

// Read reads the events of a bundle's transcript.
func Read(dir string) ([]Event, error) {
	b, err := os.ReadFile(filepath.Join(dir, "transcript.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Rehearsal bool           `json:"rehearsal"`
			Seq       uint64         `json:"seq"`
			Time      string         `json:"time"`
			Type      string         `json:"type"`
			Step      string         `json:"step"`
			Actor     string         `json:"actor"`
			Data      map[string]any `json:"data"`
		}
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		if err := d.Decode(&e); err != nil {
			return nil, err
		}
		out = append(out, Event{e.Rehearsal, e.Seq, e.Time, e.Type, e.Step, e.Actor, e.Data, append([]byte(nil), sc.Bytes()...)})
	}
	return out, sc.Err()
}

// Write rewrites the bundle's transcript: the first keep events stay as they
// were, signed by the ceremony's own key; then a resume event announces the
// forger's key, and events[keep:] follow it, renumbered, re-encoded, chained
// and, for each checkpoint, signed with the forger's key. The checkpoint
// file is signed anew over the whole. With keep 0 the forger writes
// ceremony.begin too, announcing their key there; no resume is needed.
func Write(dir string, events []Event, keep int) error {
	if len(events) == 0 {
		return fmt.Errorf("no events")
	}
	origin, _ := events[0].Data["id"].(string)
	origin = "ceremony/" + origin
	rehearsal := events[0].Rehearsal
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	var prev [32]byte
	seq := uint64(0)
	emit := func(line []byte) {
		out.Write(line)
		out.WriteByte('\n')
		prev = sha256.Sum256(line)
		seq++
	}
	for _, e := range events[:keep] {
		emit(e.raw)
	}
	rest := events[keep:]
	if keep > 0 {
		last := events[keep-1].Time
		rest = append([]Event{{Rehearsal: rehearsal, Time: last, Type: "resume", Data: map[string]any{"session_key": vkey}}}, rest...)
	} else {
		rest[0].Data["session_key"] = vkey
	}
	for _, e := range rest {
		if e.Type == "checkpoint" {
			msg, err := note.Sign(&note.Note{Text: text(origin, seq, prev, rehearsal)}, signer)
			if err != nil {
				return err
			}
			e.Data = map[string]any{"count": seq, "head": hex.EncodeToString(prev[:]), "note": string(msg)}
		}
		line, err := encode(e, seq, prev)
		if err != nil {
			return err
		}
		emit(line)
	}
	if err := os.WriteFile(filepath.Join(dir, "transcript.jsonl"), out.Bytes(), 0o644); err != nil {
		return err
	}
	msg, err := note.Sign(&note.Note{Text: text(origin, seq, prev, rehearsal)}, signer)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "checkpoint"), msg, 0o644)
}

// text is a checkpoint note's text, as the specification gives it.
func text(origin string, count uint64, head [32]byte, rehearsal bool) string {
	t := origin + "\n" + strconv.FormatUint(count, 10) + "\n" + hex.EncodeToString(head[:]) + "\n"
	if rehearsal {
		t += "rehearsal\n"
	}
	return t
}

// encode writes an event in the specification's canonical form: the keys
// in their fixed order, data's keys sorted, no space, no HTML escaping.
func encode(e Event, seq uint64, prev [32]byte) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if e.Rehearsal {
		b.WriteString(`"rehearsal":true,`)
	}
	fmt.Fprintf(&b, `"seq":%d,"time":%q,"prev":"%x","type":%q,"step":%q,"actor":%q,"data":`, seq, e.Time, prev, e.Type, e.Step, e.Actor)
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	var d bytes.Buffer
	enc := json.NewEncoder(&d)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e.Data); err != nil {
		return nil, err
	}
	b.WriteString(strings.TrimSuffix(d.String(), "\n"))
	b.WriteByte('}')
	return b.Bytes(), nil
}
