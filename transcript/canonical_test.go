package transcript

import (
	"bytes"
	"encoding/json"
	"testing"
)

var canonicalSeeds = []string{
	`{"seq":0,"time":"2026-04-01T09:00:01.500000000Z","prev":"0000000000000000000000000000000000000000000000000000000000000000","type":"ceremony.begin","step":"","actor":"","data":{"config_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","format":"ceremony-transcript/v1","id":"ksk-2026","session_key":"ceremony/ksk-2026+ea37886a+AdOw52q392I0uqlY/Gc/s41JrrglEtRQU8KnwjgTQFZ2"}}`,
	`{"rehearsal":true,"seq":12,"time":"2024-02-29T23:59:59.999999999Z","prev":"6daec24db6997c8aaa5fa61771ac09414db444679b5d1eb1ceb88b95d97a0240","type":"prompt.answer","step":"1.1","actor":"CA","data":{"a":[1,-2,0.5,1e-7,null,true,false,{}],"b":"\u001f\n\"\\é/","c":{"":[]}}}`,
	`{"seq":1,"time":"2026-04-01T09:00:03.000000000Z","prev":"6daec24db6997c8aaa5fa61771ac09414db444679b5d1eb1ceb88b95d97a0240","type":"step.begin","step":"1.1","actor":"CA","data":{"text":"Record the HSM bag number."}}`,
}

// FuzzParseLine holds the verifier's one-pass check of the canonical form
// to the definition: a line is accepted exactly when decoding it with
// encoding/json and encoding it again gives back the same bytes.
func FuzzParseLine(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		_, perr := parseLine(line, nil)
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			if perr == nil {
				t.Fatalf("accepted a line encoding/json rejects (%v): %q", err, line)
			}
			return
		}
		again, err := reencode(e)
		same := err == nil && bytes.Equal(again, line)
		if perr == nil && !same {
			t.Fatalf("accepted a non-canonical line:\n got %q\nwant %q (%v)", line, again, err)
		}
		if perr != nil && same {
			t.Fatalf("refused a canonical line (%v): %q", perr, line)
		}
	})
}

func reencode(e Event) ([]byte, error) {
	if len(e.Data) == 0 || e.Data[0] != '{' {
		return nil, errNotObject
	}
	data, err := canonicalize(e.Data)
	if err != nil {
		return nil, err
	}
	e.Data = data
	if !validType([]byte(e.Type)) || !isHash([]byte(e.Prev)) {
		return nil, errNotObject
	}
	return appendLine(nil, &e)
}

var errNotObject = &syntaxError{0, "not an event the writer could produce"}

func TestCanonicalNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"12345678901234567890123", "12345678901234567890123"},
		{"1.0", "1"}, {"1e2", "100"}, {"1E+2", "100"}, {"-0.0", "0"}, {"2.5", "2.5"},
		{"0.1e1", "1"}, {"1e-7", "1e-7"}, {"0.0000001", "1e-7"}, {"1.5e-10", "1.5e-10"},
		{"123.456", "123.456"}, {"1e21", "1000000000000000000000"},
	} {
		got, err := canonicalNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("canonicalNumber(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := canonicalNumber("1e400"); err == nil {
		t.Error("1e400 accepted")
	}
}

func TestScanRejectsSecondSpellings(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"space", `{"a": 1}`},
		{"unsorted keys", `{"b":1,"a":2}`},
		{"duplicate key", `{"a":1,"a":1}`},
		{"escaped letter", `{"a":"\u0041"}`},
		{"escaped slash", `{"a":"\/"}`},
		{"long newline escape", `{"a":"\u000a"}`},
		{"uppercase hex escape", `{"a":"\u001F"}`},
		{"raw control", "{\"a\":\"\x01\"}"},
		{"invalid utf-8", "{\"a\":\"\xff\"}"},
		{"surrogate", "{\"a\":\"\xed\xa0\x80\"}"},
		{"float for integer", `{"a":1.0}`},
		{"exponent", `{"a":1e2}`},
		{"minus zero", `{"a":-0}`},
		{"leading zero", `{"a":01}`},
		{"plus exponent small", `{"a":1E-7}`},
		{"trailing comma", `{"a":1,}`},
		{"literal case", `{"a":True}`},
	} {
		if end, err := scanValue([]byte(tc.data), 0, 0); err == nil && end == len(tc.data) {
			t.Errorf("%s: %s accepted", tc.name, tc.data)
		}
	}
	for _, ok := range []string{`{}`, `{"":1,"a":{"b":[]}}`, `{"a":"\u001f\b"}`, `{"A":1,"a":2,"é":3}`, `{"a":-1.5,"b":1e-7}`} {
		if end, err := scanValue([]byte(ok), 0, 0); err != nil || end != len(ok) {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}
