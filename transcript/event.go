package transcript

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event is one line of transcript.jsonl.
type Event struct {
	// Rehearsal is true on every event of a rehearsal bundle and absent from
	// the events of a real one.
	Rehearsal bool            `json:"rehearsal,omitempty"`
	Seq       uint64          `json:"seq"`
	Time      time.Time       `json:"time"` // UTC, RFC 3339 with nine fraction digits
	Prev      string          `json:"prev"` // hex SHA-256 of the previous line without '\n'; 64 zeros for seq 0
	Type      string          `json:"type"`
	Step      string          `json:"step"`
	Actor     string          `json:"actor"`
	Data      json.RawMessage `json:"data"` // a JSON object in canonical form
}

// Event types the transcript package writes itself; Append refuses them so
// that their structure is always what Verify expects.
const (
	TypeBegin      = "ceremony.begin"
	TypeEnd        = "ceremony.end"
	TypeCheckpoint = "checkpoint"
	TypeArtifact   = "artifact"
	TypeResume     = "resume"
)

// Format is the value of "format" in ceremony.begin.
const Format = "ceremony-transcript/v1"

// MaxLine is the longest line, newline included, that the writer produces
// and the verifier reads. It bounds the verifier's memory.
const MaxLine = 1 << 20

// timeLayout has a fixed width, so that times compare as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

var zeroHash = [32]byte{}

// appendLine appends the canonical line of e, without '\n'. e.Data must
// already be canonical.
func appendLine(dst []byte, e *Event) ([]byte, error) {
	if e.Rehearsal {
		dst = append(dst, `{"rehearsal":true,"seq":`...)
	} else {
		dst = append(dst, `{"seq":`...)
	}
	dst = strconv.AppendUint(dst, e.Seq, 10)
	dst = append(dst, `,"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, `","prev":"`...)
	dst = append(dst, e.Prev...)
	dst = append(dst, `","type":`...)
	var err error
	for _, f := range []struct{ key, val string }{{"", e.Type}, {`,"step":`, e.Step}, {`,"actor":`, e.Actor}} {
		dst = append(dst, f.key...)
		if dst, err = appendString(dst, f.val); err != nil {
			return nil, err
		}
	}
	dst = append(dst, `,"data":`...)
	dst = append(dst, e.Data...)
	return append(dst, '}'), nil
}

// rawEvent is a line split into its fields without copying; string fields
// hold the JSON body between the quotes, still escaped.
type rawEvent struct {
	rehearsal bool
	seq       uint64
	time      []byte
	prev      []byte
	typ       []byte
	step      []byte
	actor     []byte
	data      []byte
}

// parseLine checks that line (without '\n') is the canonical encoding of an
// event and splits it. Checking the canonical form field by field is the
// same as decoding, re-encoding and comparing the bytes, without the
// allocations.
func parseLine(line []byte) (rawEvent, error) {
	var ev rawEvent
	i := 0
	expect := func(lit string) error {
		if !bytes.HasPrefix(line[i:], []byte(lit)) {
			return &syntaxError{i, fmt.Sprintf("expected %s", lit)}
		}
		i += len(lit)
		return nil
	}
	if bytes.HasPrefix(line, []byte(`{"rehearsal":true,`)) {
		ev.rehearsal = true
		i = len(`{"rehearsal":true,`)
	} else if err := expect("{"); err != nil {
		return ev, err
	}
	if err := expect(`"seq":`); err != nil {
		return ev, err
	}
	start := i
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	seq, err := strconv.ParseUint(string(line[start:i]), 10, 64)
	if err != nil || (line[start] == '0' && i-start > 1) {
		return ev, &syntaxError{start, "seq is not a canonical unsigned integer"}
	}
	ev.seq = seq
	if err := expect(`,"time":"`); err != nil {
		return ev, err
	}
	if i+len(timeLayout) > len(line) || !validTime(line[i:i+len(timeLayout)]) {
		return ev, &syntaxError{i, "time is not UTC in the form 2006-01-02T15:04:05.000000000Z"}
	}
	ev.time = line[i : i+len(timeLayout)]
	i += len(timeLayout)
	if err := expect(`","prev":"`); err != nil {
		return ev, err
	}
	if i+64 > len(line) || !isHash(line[i:i+64]) {
		return ev, &syntaxError{i, "prev is not 64 lowercase hex digits"}
	}
	ev.prev = line[i : i+64]
	i += 64
	if err := expect(`","type":`); err != nil {
		return ev, err
	}
	for _, f := range []struct {
		key string
		dst *[]byte
	}{{"", &ev.typ}, {`,"step":`, &ev.step}, {`,"actor":`, &ev.actor}} {
		if err := expect(f.key); err != nil {
			return ev, err
		}
		if i >= len(line) || line[i] != '"' {
			return ev, &syntaxError{i, "expected a string"}
		}
		end, _, err := scanString(line, i)
		if err != nil {
			return ev, err
		}
		*f.dst = line[i+1 : end-1]
		i = end
	}
	if !validType(ev.typ) {
		return ev, &syntaxError{i, "type is not lowercase letters, digits, '.', '_' or '-'"}
	}
	if err := expect(`,"data":`); err != nil {
		return ev, err
	}
	if i >= len(line) || line[i] != '{' {
		return ev, &syntaxError{i, "data is not an object"}
	}
	end, err := scanValue(line, i, 0)
	if err != nil {
		return ev, err
	}
	ev.data = line[i:end]
	i = end
	if err := expect("}"); err != nil {
		return ev, err
	}
	if i != len(line) {
		return ev, &syntaxError{i, "trailing bytes after the event"}
	}
	return ev, nil
}

// event decodes a parsed line into an Event.
func (r *rawEvent) event() (Event, error) {
	t, err := time.Parse(timeLayout, string(r.time))
	if err != nil {
		return Event{}, err
	}
	return Event{
		Rehearsal: r.rehearsal,
		Seq:       r.seq,
		Time:      t,
		Prev:      string(r.prev),
		Type:      string(r.typ), // validType admits no escapes
		Step:      string(unescape(r.step)),
		Actor:     string(unescape(r.actor)),
		Data:      json.RawMessage(bytes.Clone(r.data)),
	}, nil
}

// validType: a type is a short lowercase dotted name, so it never needs
// escaping and reads the same in the raw line and in jq.
func validType(t []byte) bool {
	if len(t) == 0 || len(t) > 64 || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isHash(b []byte) bool {
	for _, c := range b {
		if !isLowerHex(c) {
			return false
		}
	}
	return len(b) == 64
}

// validTime checks the fixed layout and that the date exists, without
// allocating.
func validTime(b []byte) bool {
	const pattern = "dddd-dd-ddTdd:dd:dd.dddddddddZ"
	if len(b) != len(pattern) {
		return false
	}
	for i := range len(pattern) {
		if pattern[i] == 'd' {
			if b[i] < '0' || b[i] > '9' {
				return false
			}
		} else if b[i] != pattern[i] {
			return false
		}
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	if month < 1 || month > 12 || day < 1 || num(11, 2) > 23 || num(14, 2) > 59 || num(17, 2) > 59 {
		return false
	}
	return day <= 28 || day <= daysIn(year, month)
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func hashHex(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}
