package scripts

import (
	"strconv"
	"strings"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"github.com/ceremony-dev/ceremony/steps"
)

// The Lua VM checks its context between instructions, but a library function
// runs as one instruction: a single string.gsub or table.concat could build
// gigabytes before anything notices. These replacements bound what one call
// may build, so the memory limit only has instruction-sized steps to watch.

// bounded installs the bounded string functions over the library's own.
// Pattern matching can backtrack for longer than any limit and cannot be
// interrupted; at holds where the match in progress was called (zero when
// none is), so that only such a call is ever abandoned, and it names its line.
func bounded(L *lua.LState, at *atomic.Value) {
	str := L.GetGlobal("string").(*lua.LTable)
	matching := func(L *lua.LState) func() {
		at.Store(where(L))
		return func() { at.Store(steps.At{}) }
	}
	for _, name := range []string{"find", "match"} {
		fn := str.RawGetString(name).(*lua.LFunction).GFunction
		str.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			defer matching(L)()
			return fn(L)
		}))
	}
	str.RawSetString("rep", L.NewFunction(strRep))
	str.RawSetString("gsub", L.NewFunction(func(L *lua.LState) int {
		defer matching(L)()
		return strGsub(L)
	}))
	format := str.RawGetString("format").(*lua.LFunction).GFunction
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		if err := checkFormat(L.CheckString(1)); err != "" {
			L.RaiseError("string.format: %s", err)
		}
		return format(L)
	}))
	for _, name := range []string{"gmatch", "gfind"} {
		gmatch := str.RawGetString(name).(*lua.LFunction)
		str.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			defer matching(L)()
			if len(L.CheckString(1)) > maxString {
				L.RaiseError("string.%s: subject longer than %d bytes", name, maxString)
			}
			L.Insert(gmatch, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			return L.GetTop()
		}))
	}
	tab := L.GetGlobal("table").(*lua.LTable)
	concat := tab.RawGetString("concat").(*lua.LFunction).GFunction
	tab.RawSetString("concat", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		sep := len(L.OptString(2, ""))
		i, j := L.OptInt(3, 1), L.OptInt(4, t.Len())
		total := 0
		for k := i; k <= j; k++ {
			if v, ok := t.RawGetInt(k).(lua.LString); ok {
				total += len(v)
			} else {
				total += 24 // a number's longest form
			}
			if k > i {
				total += sep
			}
			if total > maxString {
				L.RaiseError("table.concat: result longer than %d bytes", maxString)
			}
		}
		return concat(L)
	}))
}

func strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if len(s) > maxString/n {
		L.RaiseError("string.rep: result longer than %d bytes", maxString)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// checkFormat refuses widths and precisions of more than two digits, as
// Lua 5.1 itself does, so that one format cannot print megabytes of padding.
func checkFormat(f string) string {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		digits := 0
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i, digits = i+1, digits+1
		}
		if i < len(f) && f[i] == '.' {
			i++
			prec := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i, prec = i+1, prec+1
			}
			digits = max(digits, prec)
		}
		if digits > 2 {
			return "width or precision longer than two digits"
		}
	}
	return ""
}

// strGsub is string.gsub built in one pass, refusing a subject or a result
// longer than maxString. (The library's own copies the whole string for
// every match.)
func strGsub(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTNumber, lua.LTTable, lua.LTFunction)
	repl := L.Get(3)
	limit := L.OptInt(4, -1)
	if len(str) > maxString {
		L.RaiseError("string.gsub: subject longer than %d bytes", maxString)
	}
	matches, err := pm.Find(pat, []byte(str), 0, limit)
	if err != nil {
		L.RaiseError("string.gsub: %s", err.Error())
	}
	var b strings.Builder
	last := 0
	grow := func(s string) {
		if b.Len()+len(s) > maxString {
			L.RaiseError("string.gsub: result longer than %d bytes", maxString)
		}
		b.WriteString(s)
	}
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		grow(str[last:start])
		var v lua.LValue
		switch r := repl.(type) {
		case lua.LString, lua.LNumber:
			v = lua.LString(expand(L, r.String(), m, str))
		case *lua.LTable:
			v = L.GetTable(r, capture(L, m, str, 1))
		case *lua.LFunction:
			L.Push(r)
			n := max(1, m.CaptureLength()/2-1)
			for i := 1; i <= n; i++ {
				L.Push(capture(L, m, str, i))
			}
			L.Call(n, 1)
			v = L.Get(-1)
			L.Pop(1)
		}
		switch v := v.(type) {
		case lua.LString, lua.LNumber:
			grow(v.String())
		case *lua.LNilType:
			grow(str[start:end])
		case lua.LBool:
			if v {
				L.RaiseError("string.gsub: invalid replacement value (a boolean)")
			}
			grow(str[start:end])
		default:
			L.RaiseError("string.gsub: invalid replacement value (a %s)", v.Type())
		}
		last = end
	}
	grow(str[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// capture is the i-th capture of a match (from 1), or the whole match when
// the pattern has none.
func capture(L *lua.LState, m *pm.MatchData, str string, i int) lua.LValue {
	idx := 2 * i
	if m.CaptureLength() <= 2 && i == 1 {
		idx = 0
	} else if idx >= m.CaptureLength() {
		L.RaiseError("string.gsub: invalid capture index %%%d", i)
	}
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(str[m.Capture(idx):m.Capture(idx+1)])
}

// expand substitutes %0-%9 and %% in a replacement string.
func expand(L *lua.LState, repl string, m *pm.MatchData, str string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i+1 == len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		c = repl[i]
		switch {
		case c == '0':
			b.WriteString(str[m.Capture(0):m.Capture(1)])
		case c >= '1' && c <= '9':
			switch v := capture(L, m, str, int(c-'0')).(type) {
			case lua.LNumber:
				b.WriteString(strconv.Itoa(int(v)))
			default:
				b.WriteString(v.String())
			}
		default:
			b.WriteByte(c)
		}
		if b.Len() > maxString {
			L.RaiseError("string.gsub: result longer than %d bytes", maxString)
		}
	}
	return b.String()
}
