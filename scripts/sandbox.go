package scripts

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ceremony-dev/ceremony/durable"
	lua "github.com/yuin/gopher-lua"
)

// Limits a script runs under unless Options says otherwise.
const (
	DefaultTimeLimit   = time.Second
	DefaultMemoryLimit = 64 << 20
	// maxString caps what string.rep may build in one call; ceremony scripts
	// deal in instructions and labels, not megabytes.
	maxString = 1 << 20
	// maxSource caps the size of a script or module file. Parsing and
	// compiling run before any time limit can watch them, and gopher-lua's
	// compiler takes time that grows with the square of a file's distinct
	// constants: at this size the worst case (a file of nothing but
	// distinct numbers, BenchmarkLoadWorstCase) loads in about half a
	// second here, a ceremony script is a few kilobytes, and 64 KiB is ten
	// times the demo with all its comments.
	maxSource = 64 << 10
	// grace is how long a stopped call may take to notice before it is
	// abandoned: Go code inside a library function cannot be interrupted.
	grace = 400 * time.Millisecond
)

var (
	// ErrTimeLimit: a call into Lua used more than its time limit (time spent
	// waiting for the room inside a primitive does not count).
	ErrTimeLimit = errors.New("script ran past its time limit")
	// ErrMemoryLimit: the heap grew more than the memory limit during a call.
	ErrMemoryLimit = errors.New("script went past its memory limit")
	// ErrAbandoned: a stopped call did not return; the script can no longer run.
	ErrAbandoned = errors.New("script did not stop when told to and was abandoned")
)

// Error is a problem in a script, located by file and line.
type Error struct {
	File string
	Line int
	Msg  string
	Err  error // the cause, when there is one: a limit, or a host's error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// newState builds a Lua state with only base, table, string and math, minus
// everything that reaches the world, loads code, or is non-deterministic.
func newState(at *atomic.Value) *lua.LState {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:  true,
		CallStackSize: 200,
		// The registry grows as a script needs it: a ceremony needs little,
		// and every load declares the script three times.
		RegistrySize:     1024,
		RegistryMaxSize:  1024 * 64,
		RegistryGrowStep: 1024,
	})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	for _, name := range []string{
		"collectgarbage", "dofile", "getfenv", "setfenv", "load", "loadfile",
		"loadstring", "module", "require", "newproxy", "_printregs", "print",
		"_GOPHER_LUA_VERSION",
	} {
		g.RawSetString(name, lua.LNil)
	}
	bounded(L, at)
	str := L.GetGlobal("string").(*lua.LTable)
	str.RawSetString("dump", lua.LNil)
	str.RawSetString("__index", lua.LNil)
	math := L.GetGlobal("math").(*lua.LTable)
	math.RawSetString("random", lua.LNil)
	math.RawSetString("randomseed", lua.LNil)
	unavailable(L, g, "", "io", "os", "debug", "package", "coroutine", "collectgarbage",
		"dofile", "getfenv", "setfenv", "load", "loadfile", "loadstring", "module",
		"newproxy", "print")
	unavailable(L, str, "string.", "dump")
	unavailable(L, math, "math.", "random", "randomseed")
	raise := g.RawGetString("error").(*lua.LFunction).GFunction
	g.RawSetString("error", L.NewFunction(func(L *lua.LState) int {
		// Only strings carry the file and line an error must name.
		if v := L.Get(1); v.Type() != lua.LTString && v.Type() != lua.LTNumber {
			L.Replace(1, lua.LString("error called with a "+v.Type().String()+" instead of a message"))
		}
		return raise(L)
	}))
	// Strings get a metatable of their own that getmetatable cannot reach, so
	// a script cannot swap the methods every string shares.
	mt := L.NewTable()
	mt.RawSetString("__index", str)
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(lua.LString(""), mt)
	return L
}

// unavailable makes reading one of names from t an error that says the
// sandbox left it out, rather than a puzzling "attempt to call a nil value".
// The metatable is protected so a script cannot take the guard away.
func unavailable(L *lua.LState, t *lua.LTable, prefix string, names ...string) {
	gone := map[string]bool{}
	for _, n := range names {
		gone[n] = true
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		if k, ok := L.Get(2).(lua.LString); ok && gone[string(k)] {
			L.RaiseError("%s%s is not available in ceremony scripts", prefix, string(k))
		}
		L.Push(lua.LNil)
		return 1
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(t, mt)
}

// guard is the context a call into Lua runs under. The Lua VM checks Done
// before every instruction; a watchdog closes it when the parent context
// ends, when the call has used its time, or when the heap has grown past the
// memory limit. Time spent paused (inside a primitive, waiting for people)
// is not counted.
type guard struct {
	done    chan struct{}
	once    sync.Once
	err     error
	paused  atomic.Bool
	stopped time.Time // when done was closed; written before closing
}

func (g *guard) Deadline() (time.Time, bool) { return time.Time{}, false }
func (g *guard) Done() <-chan struct{}       { return g.done }
func (g *guard) Value(any) any               { return nil }
func (g *guard) Err() error {
	select {
	case <-g.done:
		return g.err
	default:
		return nil
	}
}

func (g *guard) stop(err error) {
	g.once.Do(func() {
		g.err = err
		g.stopped = time.Now()
		close(g.done)
	})
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return heapSample[0].Value.Uint64()
}

// watch runs until finished is closed. It closes abandon when the call was
// stopped but is still stuck in library code that cannot be interrupted
// after the grace period. Lua code always notices the stop at its next
// instruction, however long a single instruction (a huge concatenation on a
// loaded machine) takes, so only stuck() calls are ever abandoned.
func (g *guard) watch(parent context.Context, limit time.Duration, mem uint64, stuck func() bool, finished <-chan struct{}, abandon chan<- struct{}) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	base := heapBytes()
	trigger := base + mem
	last := time.Now()
	var used time.Duration
	// Once the caller's context ends, its Done channel stays ready: it is
	// watched no more, so that the loop does not spin on it.
	parentDone := parent.Done()
	for {
		select {
		case <-finished:
			return
		case <-parentDone:
			g.stop(context.Cause(parent))
			parentDone = nil
		case now := <-tick.C:
			if !g.paused.Load() {
				used += now.Sub(last)
			}
			last = now
			if used > limit {
				g.stop(ErrTimeLimit)
			}
			// The heap counts garbage too: past the trigger, a collection
			// tells what is live. The next collection is forced only after
			// another mem of allocation, so a script that makes garbage
			// fast is not slowed by back-to-back collections.
			if mem > 0 && heapBytes() > trigger {
				runtime.GC()
				live := heapBytes()
				if live > base+mem {
					g.stop(ErrMemoryLimit)
				}
				trigger = max(base, live) + mem
			}
		}
		select {
		case <-g.done:
			if time.Since(g.stopped) > grace && !g.paused.Load() && stuck() {
				close(abandon)
				return
			}
		default:
		}
	}
}

// errorAt matches the location gopher-lua puts in front of runtime errors.
var errorAt = regexp.MustCompile(`^(?s)(.*?):(\d+): ?(.*)$`)

// luaError turns an error from gopher-lua into an *Error naming file and line.
// cause, when not nil, is the reason the call was stopped.
func luaError(err error, file string, cause error) *Error {
	msg := err.Error()
	var api *lua.ApiError
	if errors.As(err, &api) {
		if s, ok := api.Object.(lua.LString); ok {
			msg = string(s)
		} else if api.Object != nil {
			msg = api.Object.String()
		}
	}
	e := &Error{File: file, Msg: msg, Err: cause}
	if m := errorAt.FindStringSubmatch(msg); m != nil && !strings.ContainsAny(m[1], "\n") {
		e.File = m[1]
		e.Line, _ = strconv.Atoi(m[2])
		e.Msg = m[3]
	}
	if cause != nil {
		// The VM reports the stop with the context's message; say it plainly.
		e.Msg = cause.Error()
	}
	e.Msg = strings.TrimSpace(e.Msg)
	return e
}

// readSource reads a script or module, refusing what is too large to be one.
func readSource(path string) ([]byte, error) {
	// Opened without waiting for a FIFO's writer, so that require of a
	// FIFO is refused at once rather than hang.
	f, err := durable.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxSource {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxSource)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil && fi.Size() > 0 {
		return nil, err
	}
	return b, nil
}

var moduleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// moduleChunk is how a module file beside script is named in messages.
func moduleChunk(script, file string) string {
	return filepath.ToSlash(filepath.Join(filepath.Dir(script), file))
}

// require loads a module that sits beside the script, at most once, with the
// same sandbox. Only plain names are accepted: no directories, no paths.
func (s *Script) require(L *lua.LState) int {
	name := L.CheckString(1)
	s.topLevel(L, "require")
	if s.dir == "" && s.opts.Modules == nil {
		L.RaiseError("require %q: this script was loaded without a module directory", name)
	}
	if !moduleName.MatchString(name) {
		L.RaiseError("require %q: only modules beside the script, by plain name (letters, digits, _ and -), may be loaded", name)
	}
	if v, ok := s.modules[name]; ok {
		if v == lua.LNil {
			L.RaiseError("require %q: module requires itself", name)
		}
		L.Push(v)
		return 1
	}
	file := name + ".lua"
	chunk := moduleChunk(s.name, file)
	// A script declared again reads the same bytes as the first time.
	src, ok := s.sources[chunk]
	if !ok && s.dir == "" {
		L.RaiseError("require %q: the bundle holds no module %s", name, file)
	}
	if !ok {
		var err error
		if src, err = readSource(filepath.Join(s.dir, file)); err != nil {
			L.RaiseError("require %q: %v", name, err)
		}
	}
	fn, err := L.Load(strings.NewReader(string(src)), chunk)
	if err != nil {
		var api *lua.ApiError
		if errors.As(err, &api) && api.Cause != nil {
			err = api.Cause
		}
		L.RaiseError("require %q: %v", name, syntaxError(err, chunk, src))
	}
	s.sources[chunk] = src
	s.modules[name] = lua.LNil
	L.Push(fn)
	L.Call(0, 1)
	v := L.Get(-1)
	if v == lua.LNil {
		v = lua.LTrue
	}
	s.modules[name] = v
	L.Push(v)
	return 1
}
