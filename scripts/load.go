package scripts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/ceremony-dev/ceremony/steps"
)

// Options tune how a script is loaded and run.
type Options struct {
	// Name is how the script is called in messages and in the location of
	// each primitive call ("demo.lua:42"). Load defaults it to the path as
	// given; LoadSource requires it.
	Name string
	// ModuleDir is where require finds the script's own modules. Load
	// defaults it to the script's directory; with LoadSource and no
	// ModuleDir, require is refused.
	ModuleDir string
	// Params are the values of the script's parameters, from the
	// configuration's [params] table. Nil means there is no configuration
	// (check, print, a rehearsal): defaults stand and a required parameter
	// reads as "{name}". Otherwise unknown and missing ones are refused.
	Params map[string]any
	// Modules are the script's modules by file name ("lib.lua"), as a
	// bundle keeps them; require reads them instead of ModuleDir, so that a
	// bundle replays with the very bytes that ran.
	Modules map[string][]byte
	// TimeLimit bounds the Lua time of each call into the script (loading
	// it, or one step's function). Time spent inside a primitive, waiting
	// for the room, does not count. Zero means DefaultTimeLimit.
	TimeLimit time.Duration
	// MemoryLimit bounds how far the heap may grow during one call, in
	// bytes. Zero means DefaultMemoryLimit.
	MemoryLimit int64
}

// Script is a loaded ceremony script: its Plan, and the Lua state that runs
// its steps' functions. A Script runs one call at a time.
type Script struct {
	plan    *Plan
	name    string
	dir     string
	opts    Options
	state   *lua.LState
	mu      sync.Mutex
	fns     map[*Step]*lua.LFunction
	modules map[string]lua.LValue
	sources map[string][]byte
	broken  error
	cur     *callState
	atMatch atomic.Value // steps.At of the latest pattern match: the one an abandoned call is stuck in

	decls   []*stepDecl
	pending []pendingFn // step functions, placed once the plan stops growing
}

type pendingFn struct {
	act, step int
	fn        *lua.LFunction
}

// callState is what the primitives of one running call need.
type callState struct {
	ctx   context.Context // the caller's: primitives wait for people under it
	step  *Step           // nil while the script itself is being loaded
	host  Host
	guard *guard
	err   error // the first error a primitive's host returned; final for the step
}

type stepDecl struct {
	step Step
	fn   *lua.LFunction
	used bool
}

// Load reads the script at path, runs it in the sandbox to build its Plan,
// and runs each step's function once against a recording host to list the
// primitives it calls (Step.Calls). Errors are *Error and name file and line.
func Load(ctx context.Context, path string, opts Options) (*Script, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	if opts.Name == "" {
		opts.Name = path
	}
	if opts.ModuleDir == "" {
		opts.ModuleDir = filepath.Dir(path)
	}
	return LoadSource(ctx, src, opts)
}

// LoadSource is Load for a script already in memory, such as the copy kept
// in a ceremony's bundle.
func LoadSource(ctx context.Context, src []byte, opts Options) (*Script, error) {
	if opts.Name == "" {
		return nil, errors.New("load script: no name given")
	}
	if opts.TimeLimit <= 0 {
		opts.TimeLimit = DefaultTimeLimit
	}
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	chunk, err := parse.Parse(strings.NewReader(string(src)), opts.Name)
	if err != nil {
		return nil, syntaxError(err, opts.Name, src)
	}
	proto, err := lua.Compile(chunk, opts.Name)
	if err != nil {
		return nil, syntaxError(err, opts.Name, src)
	}
	s := &Script{name: opts.Name, dir: opts.ModuleDir, opts: opts, sources: map[string][]byte{opts.Name: src}}
	for file, b := range opts.Modules {
		s.sources[moduleChunk(opts.Name, file)] = b
	}
	if err := s.declare(ctx, proto); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.dryRun(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// The dry run fed placeholders to the step functions, and they may have
	// kept some in variables. The steps run for real in a state the dry run
	// never touched: the script's own, declared again.
	dry := s.plan
	s.state.Close()
	if err := s.declare(ctx, proto); err != nil {
		s.Close()
		return nil, err
	}
	if err := sameShape(dry, s.plan); err != nil {
		s.Close()
		return nil, &Error{File: s.name, Msg: err.Error()}
	}
	for a := range s.plan.Acts {
		for i := range s.plan.Acts[a].Steps {
			s.plan.Acts[a].Steps[i].Calls = dry.Acts[a].Steps[i].Calls
		}
	}
	return s, nil
}

// declare runs the script's main chunk in a fresh state to build its plan.
func (s *Script) declare(ctx context.Context, proto *lua.FunctionProto) error {
	s.state = newState(&s.atMatch)
	s.plan, s.decls, s.pending = nil, nil, nil
	s.fns = map[*Step]*lua.LFunction{}
	s.modules = map[string]lua.LValue{}
	s.install()
	if err := s.call(ctx, s.state.NewFunctionFromProto(proto), &callState{ctx: ctx}); err != nil {
		return err
	}
	if err := s.finish(); err != nil {
		return err
	}
	return s.params(s.opts.Params)
}

// sameShape makes sure a script declares the same steps each time it runs,
// as it must with no clock, randomness or files of its own.
func sameShape(a, b *Plan) error {
	if len(a.Acts) != len(b.Acts) {
		return fmt.Errorf("the script declared %d acts, then %d", len(a.Acts), len(b.Acts))
	}
	for i := range a.Acts {
		x, y := a.Acts[i].Steps, b.Acts[i].Steps
		if len(x) != len(y) {
			return fmt.Errorf("act %d: the script declared %d steps, then %d", i+1, len(x), len(y))
		}
		for j := range x {
			if x[j].Number != y[j].Number || x[j].Line != y[j].Line || x[j].HasRun != y[j].HasRun {
				return fmt.Errorf("step %s: the script declared it differently the second time", x[j].Number)
			}
		}
	}
	return nil
}

// Plan is what the script declares. The runner must not change it.
func (s *Script) Plan() *Plan { return s.plan }

// Sources returns the exact bytes of the script and of every module it
// required, by the names used in messages; a bundle needs them all to replay.
func (s *Script) Sources() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.sources)
}

// Modules returns the exact bytes of every module the script required, by
// file name, as Options.Modules takes them.
func (s *Script) Modules() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]byte{}
	for name, src := range s.sources {
		if name != s.name {
			out[filepath.Base(name)] = src
		}
	}
	return out
}

// Close releases the Lua state.
func (s *Script) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken == nil && s.state != nil {
		s.state.Close()
	}
	s.state = nil
	if s.broken == nil {
		s.broken = errors.New("script is closed")
	}
}

// RunStep runs step's Lua function; every primitive it calls is handed to
// host as a steps.Request and the result returned to Lua. A step without a
// function does nothing here. An error a host returns ends the step even if
// the script catches it with pcall, and is returned wrapped in an *Error
// that names the primitive's line (errors.Is and errors.As see through it).
func (s *Script) RunStep(ctx context.Context, step *Step, host Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return s.broken
	}
	fn, ok := s.fns[step]
	if !ok {
		if step.HasRun {
			return fmt.Errorf("step %s is not a step of %s", step.Number, s.name)
		}
		return nil
	}
	return s.call(ctx, fn, &callState{ctx: ctx, step: step, host: host})
}

// call runs fn under a guard on its own goroutine, so that a call stuck in
// library code past its limits can be abandoned instead of hanging the room.
func (s *Script) call(ctx context.Context, fn *lua.LFunction, cs *callState) error {
	if s.broken != nil {
		return s.broken
	}
	g := &guard{done: make(chan struct{})}
	cs.guard = g
	s.atMatch.Store(steps.At{})
	s.cur = cs
	finished := make(chan struct{})
	abandon := make(chan struct{})
	stuck := func() bool {
		at, _ := s.atMatch.Load().(steps.At)
		return at.Line > 0
	}
	go g.watch(ctx, s.opts.TimeLimit, uint64(s.opts.MemoryLimit), stuck, finished, abandon)
	result := make(chan error, 1)
	L := s.state
	go func() {
		L.SetContext(g)
		L.Push(fn)
		result <- L.PCall(0, 0, nil)
	}()
	var err error
	select {
	case err = <-result:
		close(finished)
	case <-abandon:
		at, _ := s.atMatch.Load().(steps.At)
		s.broken = &Error{File: at.File, Line: at.Line, Msg: fmt.Sprintf("%v in a pattern match: %v", g.Err(), ErrAbandoned), Err: ErrAbandoned}
		return s.broken
	}
	s.cur = nil
	L.RemoveContext()
	if cs.err != nil {
		return cs.err
	}
	if err != nil {
		return luaError(err, s.name, g.Err())
	}
	return nil
}

func syntaxError(err error, file string, src []byte) error {
	var pe *parse.Error
	var ce *lua.CompileError
	switch {
	case errors.As(err, &pe) && pe.Pos.Line == parse.EOF:
		last := bytes.Count(bytes.TrimRight(src, " \t\r\n"), []byte("\n")) + 1
		return &Error{File: file, Line: last, Msg: "syntax error: the file ends in the middle of a statement"}
	case errors.As(err, &pe):
		return &Error{File: file, Line: pe.Pos.Line, Msg: "syntax error near " + strconv.Quote(pe.Token) + ": " + strings.TrimSpace(pe.Message)}
	case errors.As(err, &ce):
		return &Error{File: file, Line: ce.Line, Msg: ce.Message}
	}
	return &Error{File: file, Msg: err.Error()}
}

// where names the Lua line that called the running Go function.
func where(L *lua.LState) steps.At {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return steps.At{}
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return steps.At{}
		}
		if dbg.What != "G" && dbg.CurrentLine > 0 {
			return steps.At{File: dbg.Source, Line: dbg.CurrentLine}
		}
	}
}

// install puts the declaration functions and the primitives into the state.
func (s *Script) install() {
	L := s.state
	L.SetGlobal("require", L.NewFunction(s.require))
	for name, fn := range map[string]lua.LGFunction{
		"ceremony": s.luaCeremony,
		"role":     s.luaRole,
		"file":     s.luaFile,
		"act":      s.luaAct,
		"step":     s.luaStep,
		"input":    s.luaInput,
		"param":    s.luaParam,
	} {
		L.SetGlobal(name, L.NewFunction(fn))
	}
	s.installPrimitives(L)
}

func (s *Script) topLevel(L *lua.LState, what string) {
	if s.cur != nil && s.cur.step != nil {
		L.RaiseError("%s can only be used at the top level of the script, not inside a step's function", what)
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// luaCeremony: ceremony { name=, version=, roles=, separate=, inputs= }
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
	sort.Slice(p.Roles, func(i, j int) bool {
		if p.Roles[i].Line != p.Roles[j].Line {
			return p.Roles[i].Line < p.Roles[j].Line
		}
		return p.Roles[i].ID < p.Roles[j].ID
	})
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
	sort.Slice(p.Inputs, func(i, j int) bool {
		if p.Inputs[i].Line != p.Inputs[j].Line {
			return p.Inputs[i].Line < p.Inputs[j].Line
		}
		return p.Inputs[i].Name < p.Inputs[j].Name
	})
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

// luaFile: file { "title", max = "1MiB", sha256 = "..." }
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
