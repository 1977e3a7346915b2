package transcript

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The canonical JSON of this package (see the package doc) is what the writer
// emits and the only encoding the verifier accepts, so that one event has
// exactly one line and `sha256sum` over that line is the chain.

// maxDepth bounds nesting inside data, so that the verifier's stack stays
// small on hostile input.
const maxDepth = 64

// canonicalize returns the canonical encoding of the JSON value in raw.
// Duplicate keys collapse to the last one, as encoding/json decodes them.
func canonicalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after the JSON value")
	}
	return appendValue(nil, v, 0)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("data nests deeper than %d levels", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case string:
		return appendString(dst, v)
	case json.Number:
		n, err := canonicalNumber(string(v))
		if err != nil {
			return nil, err
		}
		return append(dst, n...), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, k); err != nil {
				return nil, err
			}
			dst = append(dst, ':')
			if dst, err = appendValue(dst, v[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	return nil, fmt.Errorf("unexpected JSON value of type %T", v)
}

const hexDigits = "0123456789abcdef"

// appendString writes s with the fewest escapes JSON allows: only '"', '\\'
// and control characters are escaped; everything else is raw UTF-8.
func appendString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errors.New("string is not valid UTF-8")
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"'), nil
}

// canonicalNumber maps a JSON number to its one canonical spelling: integers
// as plain decimal digits of any length (serial numbers outgrow float64);
// other numbers as float64 in the shortest form that round-trips, written as
// encoding/json writes float64.
func canonicalNumber(s string) (string, error) {
	if isIntLiteral(s) {
		if s == "-0" {
			return "0", nil
		}
		return s, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return "", fmt.Errorf("number %.40q is out of range", s)
	}
	if f == math.Trunc(f) {
		if f == 0 {
			return "0", nil
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	format := byte('f')
	if math.Abs(f) < 1e-6 {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json and ECMAScript write it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return string(b), nil
}

// isIntLiteral reports whether s is -?(0|[1-9][0-9]*).
func isIntLiteral(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// syntaxError says where in a line its encoding stops being canonical.
type syntaxError struct {
	off    int
	reason string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("byte %d: %s", e.off+1, e.reason) }

// scanValue checks that b[i:] begins with a canonical JSON value and returns
// the offset just after it. It allocates only to compare object keys that
// contain escapes.
func scanValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, &syntaxError{i, "unexpected end of line"}
	}
	switch c := b[i]; {
	case c == '{':
		return scanObject(b, i, depth)
	case c == '[':
		return scanArray(b, i, depth)
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case bytes.HasPrefix(b[i:], []byte("true")):
		return i + 4, nil
	case bytes.HasPrefix(b[i:], []byte("false")):
		return i + 5, nil
	case bytes.HasPrefix(b[i:], []byte("null")):
		return i + 4, nil
	}
	return i, &syntaxError{i, "expected a JSON value"}
}

func scanObject(b []byte, i, depth int) (int, error) {
	if depth >= maxDepth {
		return i, &syntaxError{i, fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	i++ // '{'
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	var prev []byte
	prevEscaped := false
	for first := true; ; first = false {
		if !first {
			if i >= len(b) || b[i] != ',' {
				if i < len(b) && b[i] == '}' {
					return i + 1, nil
				}
				return i, &syntaxError{i, "expected ',' or '}' in object"}
			}
			i++
		}
		if i >= len(b) || b[i] != '"' {
			return i, &syntaxError{i, "expected an object key"}
		}
		start := i
		end, escaped, err := scanString(b, i)
		if err != nil {
			return end, err
		}
		key := b[start+1 : end-1]
		if !first && !keyLess(prev, prevEscaped, key, escaped) {
			return start, &syntaxError{start, "object keys are not in strictly increasing order"}
		}
		prev, prevEscaped = key, escaped
		i = end
		if i >= len(b) || b[i] != ':' {
			return i, &syntaxError{i, "expected ':' after object key"}
		}
		if i, err = scanValue(b, i+1, depth+1); err != nil {
			return i, err
		}
	}
}

// keyLess orders keys by their decoded UTF-8 bytes, the order encoding/json
// uses for map keys.
func keyLess(a []byte, aEsc bool, b []byte, bEsc bool) bool {
	if aEsc {
		a = unescape(a)
	}
	if bEsc {
		b = unescape(b)
	}
	return bytes.Compare(a, b) < 0
}

// unescape decodes the body of a string that scanString accepted.
func unescape(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			v, _ := strconv.ParseUint(string(s[i+1:i+5]), 16, 8)
			out = append(out, byte(v))
			i += 4
		default:
			out = append(out, s[i])
		}
	}
	return out
}

func scanArray(b []byte, i, depth int) (int, error) {
	if depth >= maxDepth {
		return i, &syntaxError{i, fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	i++ // '['
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = scanValue(b, i, depth+1); err != nil {
			return i, err
		}
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		if i >= len(b) || b[i] != ',' {
			return i, &syntaxError{i, "expected ',' or ']' in array"}
		}
		i++
	}
}

// scanString checks a canonical string starting at the quote b[i]; it
// returns the offset after the closing quote and whether it held escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for i < len(b) {
		// Most bytes are printable ASCII that stands for itself: skip
		// them eight at a time, then one at a time.
		for i+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && plainASCII[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, escaped, &syntaxError{i, "unterminated escape"}
			}
			switch b[i+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || b[i+2] != '0' || b[i+3] != '0' || (b[i+4] != '0' && b[i+4] != '1') ||
					!isLowerHex(b[i+5]) || shortEscape(b[i+4], b[i+5]) {
					return i, escaped, &syntaxError{i, "escape other than the canonical one for its character"}
				}
				i += 6
			default:
				return i, escaped, &syntaxError{i, "escape other than the canonical one for its character"}
			}
		case c < 0x20:
			return i, escaped, &syntaxError{i, "unescaped control character in string"}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, escaped, &syntaxError{i, "invalid UTF-8"}
			}
			i += size
		}
	}
	return start, escaped, &syntaxError{start, "unterminated string"}
}

func isLowerHex(c byte) bool { return lowerHex[c] }

// plainWord reports whether all eight bytes of x are plainASCII, with the
// classic bit tricks: no high bit set, no byte below 0x20, and no byte
// equal to '"' or '\\'.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (x&highs)|((x-0x20*ones) & ^x & highs)|hasZero(x^('"'*ones))|hasZero(x^('\\'*ones)) == 0
}

// plainASCII marks the bytes a canonical string holds as themselves
// without further checks.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// shortEscape reports whether the control character \u00XY has a two-byte
// escape, which is then the canonical one.
func shortEscape(x, y byte) bool {
	if x != '0' {
		return false
	}
	switch y {
	case '8', '9', 'a', 'c', 'd': // \b \t \n \f \r
		return true
	}
	return false
}

func scanNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	digits := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == digits {
		return start, &syntaxError{start, "malformed number"}
	}
	if b[digits] == '0' && i-digits > 1 {
		return start, &syntaxError{start, "number with a leading zero"}
	}
	isInt := true
	if i < len(b) && b[i] == '.' {
		isInt = false
		i++
		frac := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == frac {
			return start, &syntaxError{start, "malformed number"}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		isInt = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == exp {
			return start, &syntaxError{start, "malformed number"}
		}
	}
	lit := b[start:i]
	if isInt {
		if string(lit) == "-0" {
			return start, &syntaxError{start, "number -0 is written 0"}
		}
		return i, nil
	}
	want, err := canonicalNumber(string(lit))
	if err != nil || want != string(lit) {
		return start, &syntaxError{start, "number not in its canonical form"}
	}
	return i, nil
}
