package scripts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
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
	// Replay is set when the script is loaded to replay a recorded
	// ceremony (verify's conformance check): the second dry run, which only
	// finds the warnings of check, is left out, and Step.Varies is unset.
	Replay bool
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

// callState is what the primitives of one running call need.
type callState struct {
	ctx   context.Context // the caller's: primitives wait for people under it
	step  *Step           // nil while the script itself is being loaded
	host  Host
	guard *guard
	err   error // the first error a primitive's host returned; final for the step
	// bound is set in a real run of a step: each call must be one its dry
	// run announced, at or after next.
	bound bool
	next  int
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
	if len(src) > maxSource {
		return nil, &Error{File: opts.Name, Msg: fmt.Sprintf("the script is larger than %d bytes", maxSource)}
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
	if err := s.dryRun(ctx, false); err != nil {
		s.Close()
		return nil, err
	}
	// The dry run fed placeholders to the step functions, and they may have
	// kept some in variables. The steps run for real in a state the dry run
	// never touched: the script's own, declared again. In between, a second
	// dry run with other placeholders finds the steps whose calls depend on
	// what their primitives return.
	dry := s.plan
	passes := []bool{true, false}
	if opts.Replay {
		passes = passes[1:]
	}
	for _, other := range passes {
		s.state.Close()
		if err := s.declare(ctx, proto); err != nil {
			s.Close()
			return nil, err
		}
		if err := sameShape(dry, s.plan); err != nil {
			s.Close()
			return nil, &Error{File: s.name, Msg: err.Error()}
		}
		if other {
			if err := s.dryRun(ctx, true); err != nil {
				s.Close()
				return nil, err
			}
			markVarying(dry, s.plan)
		}
	}
	for a := range s.plan.Acts {
		for i := range s.plan.Acts[a].Steps {
			st := &s.plan.Acts[a].Steps[i]
			st.Calls, st.Varies = dry.Acts[a].Steps[i].Calls, dry.Acts[a].Steps[i].Varies
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

// markVarying marks the steps of dry whose calls, by binding, differ in
// other, a dry run with other placeholders.
func markVarying(dry, other *Plan) {
	for a := range dry.Acts {
		for i := range dry.Acts[a].Steps {
			x, y := dry.Acts[a].Steps[i].Calls, other.Acts[a].Steps[i].Calls
			st := &dry.Acts[a].Steps[i]
			st.Varies = !slices.EqualFunc(x, y, func(p, q steps.Call) bool { return steps.Binding(p) == steps.Binding(q) })
		}
	}
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
	return s.call(ctx, fn, &callState{ctx: ctx, step: step, host: host, bound: true})
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
