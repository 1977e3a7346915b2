package scripts

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/visible"
)

// The declarations a script makes at its top level: ceremony, role, file,
// act, step and input; param is in params.go. They build the Plan.

// pendingFn is a step's function, placed once the plan stops growing.
type pendingFn struct {
	act, step int
	fn        *lua.LFunction
}

// stepDecl is what step { ... } returns, for its act to take.
type stepDecl struct {
	step Step
	fn   *lua.LFunction
	used bool
}

func (s *Script) topLevel(L *lua.LState, what string) {
	if s.cur != nil && s.cur.step != nil {
		L.RaiseError("%s can only be used at the top level of the script, not inside a step's function", what)
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// luaCeremony: ceremony { name=, version=, roles=, separate=, sets=, inputs= }
func (s *Script) luaCeremony(L *lua.LState) int {
	s.topLevel(L, "ceremony")
	if s.plan != nil {
		L.RaiseError("ceremony is declared twice (first at line %d)", s.plan.Line)
	}
	f := newFields(L, 1, "ceremony")
	p := &Plan{File: s.name, Line: where(L).Line}
	p.Name = f.str("name", true)
	p.Version = f.str("version", false)
	if t := f.table("roles"); t != nil {
		t.ForEach(func(k, v lua.LValue) {
			id, ok := k.(lua.LString)
			if !ok || !identifier.MatchString(string(id)) {
				L.RaiseError("ceremony: role names must be identifiers such as CA or CO, not %s", k.String())
			}
			var r Role
			switch v := v.(type) {
			case *lua.LUserData:
				rp, ok := v.Value.(*Role)
				if !ok {
					L.RaiseError("ceremony: role %s must be declared with role \"title\"", id)
				}
				r = *rp
			case lua.LString:
				r = Role{Title: string(v), Min: 1, Line: p.Line}
			default:
				L.RaiseError("ceremony: role %s must be declared with role \"title\"", id)
			}
			r.ID = string(id)
			p.Roles = append(p.Roles, r)
		})
	}
	byLine(p.Roles, func(r Role) (int, string) { return r.Line, r.ID })
	if t := f.table("separate"); t != nil {
		for i := 1; i <= t.Len(); i++ {
			group, ok := t.RawGetInt(i).(*lua.LTable)
			if !ok || group.Len() < 2 {
				L.RaiseError("ceremony: separate must be a list of role lists such as {\"CA\", \"IW\"}")
			}
			var ids []string
			for j := 1; j <= group.Len(); j++ {
				id, ok := group.RawGetInt(j).(lua.LString)
				if !ok {
					L.RaiseError("ceremony: separate lists role names as strings")
				}
				ids = append(ids, string(id))
			}
			p.Separate = append(p.Separate, ids)
		}
	}
	for _, set := range f.strs("sets") {
		if !identifier.MatchString(strings.ReplaceAll(set, "-", "_")) {
			L.RaiseError("ceremony: sets names share sets such as \"hsm-user\", not %q", set)
		}
		p.Sets = append(p.Sets, set)
	}
	if t := f.table("inputs"); t != nil {
		t.ForEach(func(k, v lua.LValue) {
			name, ok := k.(lua.LString)
			if !ok || !identifier.MatchString(string(name)) {
				L.RaiseError("ceremony: input names must be identifiers such as ksr, not %s", k.String())
			}
			var in *Input
			if ud, ok := v.(*lua.LUserData); ok {
				in, _ = ud.Value.(*Input)
			}
			if in == nil {
				L.RaiseError("ceremony: input %s must be declared with file { \"title\" }", name)
			}
			c := *in
			c.Name = string(name)
			p.Inputs = append(p.Inputs, c)
		})
	}
	byLine(p.Inputs, func(in Input) (int, string) { return in.Line, in.Name })
	f.done()
	// Acts declared before ceremony {} are kept.
	if s.plan != nil {
		p.Acts = s.plan.Acts
	}
	s.plan = p
	return 0
}

// luaRole: role "title" or role { "title", min=, max=, remote= }
func (s *Script) luaRole(L *lua.LState) int {
	s.topLevel(L, "role")
	r := &Role{Min: 1, Line: where(L).Line}
	if title, ok := L.Get(1).(lua.LString); ok {
		r.Title = string(title)
	} else {
		f := newFields(L, 1, "role")
		r.Title = f.pos(1, true)
		r.Min = f.int("min", 1)
		r.Max = f.int("max", 0)
		r.Remote = f.bool("remote")
		f.done()
		if r.Min < 0 || (r.Max > 0 && r.Max < r.Min) {
			L.RaiseError("role %q: min %d and max %d do not make sense together", r.Title, r.Min, r.Max)
		}
	}
	if strings.TrimSpace(r.Title) == "" {
		L.RaiseError("role: a title is required, e.g. role \"Crypto Officer\"")
	}
	L.Push(&lua.LUserData{Value: r})
	return 1
}

// DefaultMaxInput bounds an input file when the script gives no max.
const DefaultMaxInput = 16 << 20

var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// luaFile: file { "title", max = "1MiB", sha256 = "...", rehearsal = "stand-in content" | standin = "dnssec-ksr", optional = true }
func (s *Script) luaFile(L *lua.LState) int {
	s.topLevel(L, "file")
	in := &Input{Line: where(L).Line, MaxBytes: DefaultMaxInput}
	if title, ok := L.Get(1).(lua.LString); ok {
		in.Title = string(title)
	} else {
		f := newFields(L, 1, "file")
		in.Title = f.pos(1, true)
		if v := f.t.RawGetString("max"); v != lua.LNil {
			f.used["max"] = true
			n, err := parseSize(v)
			if err != nil {
				L.RaiseError("file %q: max: %v", in.Title, err)
			}
			in.MaxBytes = n
		}
		in.SHA256 = strings.ToLower(f.str("sha256", false))
		in.Rehearsal = f.raw("rehearsal", false)
		if in.StandIn = f.str("standin", false); in.StandIn != "" {
			if _, ok := steps.StandIns[in.StandIn]; !ok {
				L.RaiseError("file %q: standin %q is not one the tool makes", in.Title, in.StandIn)
			}
			if in.Rehearsal != "" {
				L.RaiseError("file %q: give rehearsal or standin, not both", in.Title)
			}
		}
		if v := f.get("optional"); v != lua.LNil {
			b, ok := v.(lua.LBool)
			if !ok {
				L.RaiseError("file %q: optional must be true or false", in.Title)
			}
			in.Optional = bool(b)
		}
		if in.SHA256 != "" && !sha256Hex.MatchString(in.SHA256) {
			L.RaiseError("file %q: sha256 must be 64 hex digits", in.Title)
		}
		f.done()
	}
	if strings.TrimSpace(in.Title) == "" {
		L.RaiseError("file: a title is required, e.g. file { \"KSR from the ZSK operator\" }")
	}
	L.Push(&lua.LUserData{Value: in})
	return 1
}

var sizeUnits = map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}

var sizeForm = regexp.MustCompile(`^\s*(\d+)\s*([A-Za-z]*)\s*$`)

func parseSize(v lua.LValue) (int64, error) {
	var n, unit int64 = 0, 1
	switch v := v.(type) {
	case lua.LNumber:
		n = int64(v)
		if lua.LNumber(n) != v {
			return 0, fmt.Errorf("%v is not a whole number of bytes", v)
		}
	case lua.LString:
		m := sizeForm.FindStringSubmatch(string(v))
		var u int64
		ok := m != nil
		if ok {
			u, ok = sizeUnits[strings.ToUpper(m[2])]
		}
		if !ok {
			return 0, fmt.Errorf("%q is not a size such as 4096, \"512KiB\" or \"1MiB\"", string(v))
		}
		var err error
		if n, err = strconv.ParseInt(m[1], 10, 64); err != nil {
			return 0, fmt.Errorf("%q is too large", string(v))
		}
		unit = u
	default:
		return 0, fmt.Errorf("a size is a number or a string such as \"1MiB\", not a %s", v.Type())
	}
	if n <= 0 || n > (1<<40)/unit {
		return 0, fmt.Errorf("size must be between 1 byte and 1TiB")
	}
	return n * unit, nil
}

// luaAct: act "title" { step {...}, ... }
func (s *Script) luaAct(L *lua.LState) int {
	s.topLevel(L, "act")
	title := L.CheckString(1)
	if err := visible.Check(title, false); err != nil {
		L.RaiseError("act: the title: %v", err)
	}
	line := where(L).Line
	L.Push(L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		if s.plan == nil {
			s.plan = &Plan{File: s.name}
		}
		a := Act{Number: len(s.plan.Acts) + 1, Title: title, Line: line}
		var fns []*lua.LFunction
		t.ForEach(func(k, v lua.LValue) {
			if _, ok := k.(lua.LNumber); !ok {
				L.RaiseError("act %q: unknown field %s (an act lists its steps)", title, k.String())
			}
		})
		for i := 1; i <= t.Len(); i++ {
			ud, ok := t.RawGetInt(i).(*lua.LUserData)
			var d *stepDecl
			if ok {
				d, ok = ud.Value.(*stepDecl)
			}
			if !ok {
				L.RaiseError("act %q: item %d is not a step { ... }", title, i)
			}
			if d.used {
				L.RaiseError("act %q: the step at line %d is used twice", title, d.step.Line)
			}
			d.used = true
			st := d.step
			if st.Number == "" {
				st.Number = strconv.Itoa(a.Number) + "." + strconv.Itoa(i)
			}
			a.Steps = append(a.Steps, st)
			fns = append(fns, d.fn)
		}
		s.plan.Acts = append(s.plan.Acts, a)
		for i, fn := range fns {
			if fn != nil {
				s.pending = append(s.pending, pendingFn{act: len(s.plan.Acts) - 1, step: i, fn: fn})
			}
		}
		return 0
	}))
	return 1
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
// With other set, the placeholders are other values of the same shape: a
// second dry run that calls other primitives shows a step whose plan
// depends on what its primitives return.
func (s *Script) dryRun(ctx context.Context, other bool) error {
	for a := range s.plan.Acts {
		for i := range s.plan.Acts[a].Steps {
			st := &s.plan.Acts[a].Steps[i]
			fn, ok := s.fns[st]
			if !ok {
				continue
			}
			rec := &recorder{other: other}
			if err := s.call(ctx, fn, &callState{ctx: ctx, step: st, host: rec}); err != nil {
				return err
			}
			st.Calls = rec.calls
		}
	}
	return nil
}

// recorder is the Host of the dry run at load time.
type recorder struct {
	calls []steps.Call
	other bool
}

func (r *recorder) Do(_ context.Context, _ *Step, c steps.Call) (any, error) {
	r.calls = append(r.calls, c)
	if r.other {
		return otherValue(c.Placeholder()), nil
	}
	return c.Placeholder(), nil
}

// otherValue is a value of v's shape that compares unequal to it.
func otherValue(v any) any {
	switch v := v.(type) {
	case string:
		return v + "~"
	case bool:
		return !v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = otherValue(x)
		}
		return out
	}
	return v
}

// byLine puts declarations read from a Lua table, whose order Lua does not
// keep, in the order of the script's lines, then by name.
func byLine[T any](xs []T, key func(T) (int, string)) {
	slices.SortFunc(xs, func(a, b T) int {
		la, na := key(a)
		lb, nb := key(b)
		return cmp.Or(cmp.Compare(la, lb), strings.Compare(na, nb))
	})
}
