package scripts

import (
	"context"
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/ceremony-dev/ceremony/steps"
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

func (f *fields) bool(key string) bool {
	switch v := f.get(key).(type) {
	case *lua.LNilType:
		return false
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

func (f *fields) Text(i int, required bool) string        { return f.pos(i, required) }
func (f *fields) String(key string, required bool) string { return f.str(key, required) }
func (f *fields) Int(key string, def int) int             { return f.int(key, def) }
func (f *fields) Bool(key string) bool                    { return f.bool(key) }
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

// inputRef is what input "name" evaluates to.
type inputRef string

func (s *Script) luaInput(L *lua.LState) int {
	name := L.CheckString(1)
	L.Push(&lua.LUserData{Value: inputRef(name)})
	return 1
}

// luaStep: step { by=, witness=, "text", on_failure=, run=, number= }
func (s *Script) luaStep(L *lua.LState) int {
	s.topLevel(L, "step")
	f := newFields(L, 1, "step")
	d := &stepDecl{step: Step{Line: where(L).Line}}
	st := &d.step
	st.Text = f.pos(1, true)
	st.By = f.str("by", true)
	st.Witnesses = f.strs("witness")
	st.Number = f.str("number", false)
	for _, v := range f.strs("on_failure") {
		switch fl := Failure(v); fl {
		case FailAbort, FailRetry, FailSkip:
			st.OnFailure = append(st.OnFailure, fl)
		default:
			L.RaiseError("step: on_failure must be \"retry\", \"skip\" or \"abort\", not %q", v)
		}
	}
	if len(st.OnFailure) == 0 {
		st.OnFailure = []Failure{FailAbort}
	}
	switch v := f.get("run").(type) {
	case *lua.LNilType:
	case *lua.LFunction:
		d.fn = v
		st.HasRun = true
	default:
		L.RaiseError("step: run must be a function, not a %s", v.Type())
	}
	f.done()
	s.decls = append(s.decls, d)
	L.Push(&lua.LUserData{Value: d})
	return 1
}

// finish checks the declarations are complete and ties each step's function
// to its place in the plan, now that the plan no longer grows.
func (s *Script) finish() error {
	if s.plan == nil || s.plan.Name == "" {
		return &Error{File: s.name, Msg: "no ceremony { name = ... } declaration"}
	}
	for _, d := range s.decls {
		if !d.used {
			return &Error{File: s.name, Line: d.step.Line, Msg: "step is not inside an act"}
		}
	}
	for _, p := range s.pending {
		s.fns[&s.plan.Acts[p.act].Steps[p.step]] = p.fn
	}
	s.pending = nil
	return nil
}

// dryRun runs every step's function against a host that records the
// requests and answers with placeholders.
func (s *Script) dryRun(ctx context.Context) error {
	for a := range s.plan.Acts {
		for i := range s.plan.Acts[a].Steps {
			st := &s.plan.Acts[a].Steps[i]
			fn, ok := s.fns[st]
			if !ok {
				continue
			}
			rec := &recorder{}
			if err := s.call(ctx, fn, &callState{ctx: ctx, step: st, host: rec}); err != nil {
				return err
			}
			st.Calls = rec.calls
		}
	}
	return nil
}

// recorder is the Host of the dry run at load time.
type recorder struct{ calls []steps.Call }

func (r *recorder) Do(_ context.Context, _ *Step, c steps.Call) (any, error) {
	r.calls = append(r.calls, c)
	return c.Placeholder(), nil
}

// toLua converts a host's result for the script.
func toLua(L *lua.LState, v any) (lua.LValue, error) {
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case string:
		return lua.LString(v), nil
	case []byte:
		return lua.LString(v), nil
	case bool:
		return lua.LBool(v), nil
	case int:
		return lua.LNumber(v), nil
	case int64:
		return lua.LNumber(v), nil
	case uint64:
		return lua.LNumber(v), nil
	case float64:
		return lua.LNumber(v), nil
	case []string:
		t := L.CreateTable(len(v), 0)
		for _, x := range v {
			t.Append(lua.LString(x))
		}
		return t, nil
	case []any:
		t := L.CreateTable(len(v), 0)
		for _, x := range v {
			lv, err := toLua(L, x)
			if err != nil {
				return nil, err
			}
			t.Append(lv)
		}
		return t, nil
	case map[string]string:
		t := L.CreateTable(0, len(v))
		for k, x := range v {
			t.RawSetString(k, lua.LString(x))
		}
		return t, nil
	case map[string]any:
		t := L.CreateTable(0, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			lv, err := toLua(L, v[k])
			if err != nil {
				return nil, err
			}
			t.RawSetString(k, lv)
		}
		return t, nil
	}
	return nil, fmt.Errorf("a result of type %T cannot be handed to the script", v)
}
