package transcript

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
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
//
// wantPrev, when not nil, is the prev the caller expects; a line that has
// it needs no separate check that prev is hex.
func parseLine(line, wantPrev []byte) (rawEvent, error) {
	var ev rawEvent
	c := cursor{b: line}
	if c.lit(`{"rehearsal":true,"seq":`) {
		ev.rehearsal = true
	} else if !c.lit(`{"seq":`) {
		return ev, c.expected(`{"seq":`)
	}
	start := c.i
	var seq uint64
	for c.i < len(line) && line[c.i]-'0' <= 9 {
		d := uint64(line[c.i] - '0')
		if seq > (math.MaxUint64-d)/10 {
			return ev, &syntaxError{start, "seq is out of range"}
		}
		seq = seq*10 + d
		c.i++
	}
	if c.i == start || (line[start] == '0' && c.i-start > 1) {
		return ev, &syntaxError{start, "seq is not a canonical unsigned integer"}
	}
	ev.seq = seq
	var err error
	if !c.lit(`,"time":"`) {
		return ev, c.expected(`,"time":"`)
	}
	if c.i+len(timeLayout) > len(line) || !validTime(line[c.i:c.i+len(timeLayout)]) {
		return ev, &syntaxError{c.i, "time is not UTC in the form 2006-01-02T15:04:05.000000000Z"}
	}
	ev.time = line[c.i : c.i+len(timeLayout)]
	c.i += len(timeLayout)
	if !c.lit(`","prev":"`) {
		return ev, c.expected(`","prev":"`)
	}
	if c.i+64 > len(line) || !(wantPrev != nil && string(line[c.i:c.i+64]) == string(wantPrev) || isHash(line[c.i:c.i+64])) {
		return ev, &syntaxError{c.i, "prev is not 64 lowercase hex digits"}
	}
	ev.prev = line[c.i : c.i+64]
	c.i += 64
	if !c.lit(`","type":`) {
		return ev, c.expected(`","type":`)
	}
	if ev.typ, err = c.str(); err != nil {
		return ev, err
	}
	if !validType(ev.typ) {
		return ev, &syntaxError{c.i, "type is not lowercase letters, digits, '.', '_' or '-'"}
	}
	if !c.lit(`,"step":`) {
		return ev, c.expected(`,"step":`)
	}
	if ev.step, err = c.str(); err != nil {
		return ev, err
	}
	if !c.lit(`,"actor":`) {
		return ev, c.expected(`,"actor":`)
	}
	if ev.actor, err = c.str(); err != nil {
		return ev, err
	}
	if !c.lit(`,"data":`) {
		return ev, c.expected(`,"data":`)
	}
	if c.i >= len(line) || line[c.i] != '{' {
		return ev, &syntaxError{c.i, "data is not an object"}
	}
	end, err := scanValue(line, c.i, 0)
	if err != nil {
		return ev, err
	}
	ev.data = line[c.i:end]
	c.i = end
	if !c.lit("}") {
		return ev, c.expected("}")
	}
	if c.i != len(line) {
		return ev, &syntaxError{c.i, "trailing bytes after the event"}
	}
	return ev, nil
}

// cursor walks a line for parseLine.
type cursor struct {
	b []byte
	i int
}

// lit consumes s if the line continues with it.
func (c *cursor) lit(s string) bool {
	if len(c.b)-c.i < len(s) || string(c.b[c.i:c.i+len(s)]) != s {
		return false
	}
	c.i += len(s)
	return true
}

func (c *cursor) expected(s string) error {
	return &syntaxError{c.i, "expected " + s}
}

// str consumes a canonical string and returns its body, still escaped.
func (c *cursor) str() ([]byte, error) {
	if c.i >= len(c.b) || c.b[c.i] != '"' {
		return nil, &syntaxError{c.i, "expected a string"}
	}
	end, _, err := scanString(c.b, c.i)
	if err != nil {
		return nil, err
	}
	body := c.b[c.i+1 : end-1]
	c.i = end
	return body, nil
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
	if len(b) != 64 {
		return false
	}
	for _, c := range b {
		if !lowerHex[c] {
			return false
		}
	}
	return true
}

var lowerHex = func() (t [256]bool) {
	for _, c := range hexDigits {
		t[c] = true
	}
	return t
}()

// validTime checks the fixed layout and that the date exists, without
// allocating.
func validTime(b []byte) bool {
	if len(b) != len(timeLayout) || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' ||
		b[16] != ':' || b[19] != '.' || b[29] != 'Z' {
		return false
	}
	for _, i := range timeDigits {
		if b[i]-'0' > 9 {
			return false
		}
	}
	two := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	month, day := two(5), two(8)
	if month < 1 || month > 12 || day < 1 || two(11) > 23 || two(14) > 59 || two(17) > 59 {
		return false
	}
	return day <= 28 || day <= daysIn(two(0)*100+two(2), month)
}

var timeDigits = [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 28}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func hashHex(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}
