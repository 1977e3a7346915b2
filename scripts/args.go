package scripts

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/visible"
)

// fields reads a table argument and notices fields nobody asked for: a
// misspelt `witnes = "IW"` must not silently drop a witness.
type fields struct {
	L      *lua.LState
	t      *lua.LTable
	what   string
	used   map[string]bool
	maxPos int
}

func newFields(L *lua.LState, n int, what string) *fields {
	f := &fields{L: L, what: what, used: map[string]bool{}}
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		f.t = v
	case *lua.LNilType:
		f.t = L.NewTable()
	default:
		L.RaiseError("%s expects a table, as in %s { ... }, not a %s", what, what, v.Type())
	}
	return f
}

func (f *fields) get(key string) lua.LValue {
	f.used[key] = true
	return f.t.RawGetString(key)
}

func (f *fields) str(key string, required bool) string {
	s := f.raw(key, required)
	if err := visible.Check(s, true); err != nil {
		f.L.RaiseError("%s: %s: %v; the room's screen and the paper script show text as it is written", f.what, key, err)
	}
	return s
}

// raw is str for text taken as it is, such as an artifact's content.
func (f *fields) raw(key string, required bool) string {
	switch v := f.get(key).(type) {
	case lua.LString:
		if required && strings.TrimSpace(string(v)) == "" {
			f.L.RaiseError("%s: %s must not be empty", f.what, key)
		}
		return string(v)
	case *lua.LNilType:
		if required {
			f.L.RaiseError("%s: %s is required", f.what, key)
		}
		return ""
	case lua.LNumber:
		return v.String()
	default:
		f.L.RaiseError("%s: %s must be a string, not a %s", f.what, key, v.Type())
		return ""
	}
}

// pos reads the i-th positional value, which must be a string.
func (f *fields) pos(i int, required bool) string {
	f.maxPos = max(f.maxPos, i)
	switch v := f.t.RawGetInt(i).(type) {
	case lua.LString:
		if required && strings.TrimSpace(string(v)) == "" {
			f.L.RaiseError("%s: the text must not be empty", f.what)
		}
		if err := visible.Check(string(v), true); err != nil {
			f.L.RaiseError("%s: the text: %v; the room's screen and the paper script show text as it is written", f.what, err)
		}
		return string(v)
	case *lua.LNilType:
		if required {
			f.L.RaiseError("%s: a text is required first, as in %s { \"...\" }", f.what, f.what)
		}
		return ""
	default:
		f.L.RaiseError("%s: value %d must be a string, not a %s", f.what, i, v.Type())
		return ""
	}
}

func (f *fields) int(key string, def int) int {
	switch v := f.get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		n := int(v)
		if lua.LNumber(n) != v || n < 0 || n > 1000 {
			f.L.RaiseError("%s: %s must be a whole number from 0 to 1000", f.what, key)
		}
		return n
	default:
		f.L.RaiseError("%s: %s must be a number, not a %s", f.what, key, v.Type())
		return 0
	}
}

func (f *fields) bool(key string) bool { return f.boolOr(key, false) }

func (f *fields) boolOr(key string, def bool) bool {
	switch v := f.get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LBool:
		return bool(v)
	default:
		f.L.RaiseError("%s: %s must be true or false, not a %s", f.what, key, v.Type())
		return false
	}
}

func (f *fields) table(key string) *lua.LTable {
	switch v := f.get(key).(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		return v
	default:
		f.L.RaiseError("%s: %s must be a table, not a %s", f.what, key, v.Type())
		return nil
	}
}

// strs reads a string or a list of strings.
func (f *fields) strs(key string) []string {
	switch v := f.get(key).(type) {
	case *lua.LNilType:
		return nil
	case lua.LString:
		return []string{string(v)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				f.L.RaiseError("%s: %s must list strings", f.what, key)
			}
			out = append(out, string(s))
		}
		return out
	default:
		f.L.RaiseError("%s: %s must be a string or a list of strings, not a %s", f.what, key, v.Type())
		return nil
	}
}

// input reads an input reference: input "ksr", or the bare name.
func (f *fields) input(v lua.LValue, key string) string {
	switch v := v.(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		return string(v)
	case *lua.LUserData:
		if r, ok := v.Value.(inputRef); ok {
			return string(r)
		}
	}
	f.L.RaiseError("%s: %s must be an input, as in input \"ksr\"", f.what, key)
	return ""
}

// The methods below make fields the steps.Args of a primitive.

var _ steps.Args = (*fields)(nil)

func (f *fields) Text(i int, required bool) string        { return f.pos(i, required) }
func (f *fields) String(key string, required bool) string { return f.str(key, required) }
func (f *fields) Content(key string) string               { return f.raw(key, true) }
func (f *fields) Int(key string, def int) int             { return f.int(key, def) }
func (f *fields) Bool(key string, def bool) bool          { return f.boolOr(key, def) }
func (f *fields) Strings(key string) []string             { return f.strs(key) }

func (f *fields) Input(key string) string {
	if key == "" {
		f.maxPos = max(f.maxPos, 1)
		return f.input(f.t.RawGetInt(1), "the first value")
	}
	return f.input(f.get(key), key)
}

func (f *fields) Pattern(key string) string {
	p := f.str(key, false)
	if p != "" {
		if err := checkPattern(p); err != nil {
			f.L.RaiseError("%s: %s: %v", f.what, key, err)
		}
	}
	return p
}

// done refuses fields that were not read.
func (f *fields) done() {
	f.t.ForEach(func(k, _ lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			if !f.used[string(k)] {
				f.L.RaiseError("%s: unknown field %q", f.what, string(k))
			}
		case lua.LNumber:
			if int(k) > f.maxPos || int(k) < 1 || lua.LNumber(int(k)) != k {
				f.L.RaiseError("%s: unexpected value at position %s", f.what, k.String())
			}
		default:
			f.L.RaiseError("%s: unexpected key of type %s", f.what, k.Type())
		}
	})
}
