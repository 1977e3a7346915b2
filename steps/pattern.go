package steps

import (
	"fmt"
	"strings"
)

// describePattern says in words what a Lua pattern accepts, for the people
// who type a value: "^%u%u%d%d%d%d%d%d%d%d$" is "exactly 2 capital letters,
// then 8 digits". It reports false for a pattern it cannot put in words
// (balanced matches, frontiers, back-references), which is then shown as it
// is.
func describePattern(p string) (string, bool) {
	anchoredStart := strings.HasPrefix(p, "^")
	p = strings.TrimPrefix(p, "^")
	anchoredEnd := strings.HasSuffix(p, "$") && !strings.HasSuffix(p, "%$")
	if anchoredEnd {
		p = p[:len(p)-1]
	}
	type run struct {
		one, many string
		n         int    // how many in a row, for a fixed count
		quant     string // "", "+", "*", "-", "?"
	}
	var runs []run
	for i := 0; i < len(p); {
		var one, many string
		switch c := p[i]; {
		case c == '(' || c == ')':
			i++ // captures group nothing the room needs to know
			continue
		case c == '%':
			if i+1 >= len(p) {
				return "", false
			}
			var ok bool
			if one, many, ok = classWords(p[i+1]); !ok {
				return "", false
			}
			i += 2
		case c == '.':
			one, many = "any character", "characters of any kind"
			i++
		case c == '[':
			end := strings.IndexByte(p[i+1:], ']')
			if i+1 < len(p) && p[i+1] == ']' {
				end = strings.IndexByte(p[i+2:], ']') + 1
			}
			if end < 0 {
				return "", false
			}
			set := p[i+1 : i+1+end]
			one, many = setWords(set)
			i += end + 2
		default:
			one = fmt.Sprintf("%q", string(c))
			many = "copies of " + one
			i++
		}
		q := ""
		if i < len(p) && strings.IndexByte("+*-?", p[i]) >= 0 {
			q = string(p[i])
			i++
		}
		if l := len(runs) - 1; l >= 0 && q == "" && runs[l].quant == "" && runs[l].one == one {
			runs[l].n++
			continue
		}
		runs = append(runs, run{one: one, many: many, n: 1, quant: q})
	}
	if len(runs) == 0 {
		return "anything", true
	}
	var parts []string
	for _, r := range runs {
		switch {
		case r.quant == "+":
			parts = append(parts, "one or more "+r.many)
		case r.quant == "*" || r.quant == "-":
			parts = append(parts, "any number of "+r.many)
		case r.quant == "?":
			parts = append(parts, "optionally "+r.one)
		case r.n == 1:
			parts = append(parts, r.one)
		default:
			parts = append(parts, fmt.Sprintf("%d %s", r.n, r.many))
		}
	}
	s := strings.Join(parts, ", then ")
	switch {
	case anchoredStart && anchoredEnd:
		return "exactly " + s, true
	case anchoredStart:
		return "starting with " + s, true
	case anchoredEnd:
		return "ending with " + s, true
	}
	return "containing " + s, true
}

// classWords names a Lua character class (%d), or the escaped character.
func classWords(c byte) (one, many string, ok bool) {
	switch c {
	case 'a':
		return "a letter", "letters", true
	case 'd':
		return "a digit", "digits", true
	case 'l':
		return "a small letter", "small letters", true
	case 'u':
		return "a capital letter", "capital letters", true
	case 'w':
		return "a letter or digit", "letters or digits", true
	case 'x':
		return "a hex digit", "hex digits", true
	case 's':
		return "a space", "spaces", true
	case 'p':
		return "a punctuation mark", "punctuation marks", true
	case 'A', 'D', 'L', 'U', 'W', 'X', 'S', 'P':
		o, m, _ := classWords(c + 'a' - 'A')
		return "a character that is not " + o, "characters that are not " + m, true
	case 'b', 'f', 'c', 'g', 'C', 'G':
		return "", "", false
	}
	if c >= '1' && c <= '9' {
		return "", "", false
	}
	one = fmt.Sprintf("%q", string(c))
	return one, "copies of " + one, true
}

// setWords names a bracketed set: [A-Z0-9] is "one of A-Z, 0-9".
func setWords(set string) (one, many string) {
	neg := strings.HasPrefix(set, "^")
	set = strings.TrimPrefix(set, "^")
	var items []string
	for i := 0; i < len(set); {
		switch {
		case set[i] == '%' && i+1 < len(set):
			if o, _, ok := classWords(set[i+1]); ok {
				items = append(items, o)
			} else {
				items = append(items, set[i:i+2])
			}
			i += 2
		case i+2 < len(set) && set[i+1] == '-':
			items = append(items, set[i:i+3])
			i += 3
		default:
			items = append(items, string(set[i]))
			i++
		}
	}
	list := strings.Join(items, ", ")
	if neg {
		return "a character not among " + list, "characters not among " + list
	}
	return "one of " + list, "characters among " + list
}
