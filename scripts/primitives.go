package scripts

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"github.com/ceremony-dev/ceremony/steps"
)

// primitive makes the Lua function for one primitive: it builds the request,
// hands it to the host with the Lua clock paused, and returns the result.
func (s *Script) primitive(p steps.Primitive) lua.LGFunction {
	name := p.Name
	return func(L *lua.LState) int {
		cs := s.cur
		if cs == nil || cs.step == nil {
			L.RaiseError("%s can only be called inside a step's run function", name)
		}
		if cs.err != nil {
			L.RaiseError("%s: the step has already failed: %v", name, cs.err)
		}
		at := where(L)
		at.Name = name
		f := newFields(L, 1, name)
		req, err := p.Parse(f, at)
		if err != nil {
			L.RaiseError("%s: %v", name, err)
		}
		f.done()
		if cs.bound {
			if err := cs.announced(req); err != nil {
				cs.err = &Error{File: at.File, Line: at.Line, Msg: name + ": " + err.Error(), Err: err}
				L.RaiseError("%s: %v", name, err)
			}
		}
		cs.guard.paused.Store(true)
		res, err := cs.host.Do(cs.ctx, cs.step, req)
		cs.guard.paused.Store(false)
		if err != nil {
			cs.err = &Error{File: at.File, Line: at.Line, Msg: name + ": " + err.Error(), Err: err}
			L.RaiseError("%s: %v", name, err)
		}
		lv, err := toLua(L, res)
		if err != nil {
			L.RaiseError("%s: %v", name, err)
		}
		L.Push(lv)
		return 1
	}
}

// ErrUnannounced is a primitive call at run time that the step's dry run
// did not announce: another primitive, another key, another artifact.
var ErrUnannounced = errors.New("the step's dry run did not announce it, and what the paper script shows is all a step may do")

// announced holds a call of a running step to what its dry run announced:
// the same binding, in the same order; a call the run leaves out is passed
// over.
func (cs *callState) announced(c steps.Call) error {
	want := steps.Binding(c)
	for k := cs.next; k < len(cs.step.Calls); k++ {
		if steps.Binding(cs.step.Calls[k]) == want {
			cs.next = k + 1
			return nil
		}
	}
	return fmt.Errorf("%s: %w", want, ErrUnannounced)
}

// install puts every registered primitive into the state: a global
// function, or a field of its namespace's table.
func (s *Script) installPrimitives(L *lua.LState) {
	spaces := map[string]*lua.LTable{}
	for _, ns := range steps.Namespaces {
		spaces[ns] = L.NewTable()
		L.SetGlobal(ns, spaces[ns])
	}
	for _, p := range steps.Registry() {
		fn := L.NewFunction(s.primitive(p))
		if ns, name, ok := strings.Cut(p.Name, "."); ok {
			spaces[ns].RawSetString(name, fn)
		} else {
			L.SetGlobal(p.Name, fn)
		}
	}
}

// checkPattern refuses a Lua pattern that would fail only when the room
// types a value, hours into the ceremony.
func checkPattern(p string) error {
	_, err := pm.Find(p, nil, 0, 1)
	return err
}

// maxMatched bounds a value checked by MatchPattern: typed values are short,
// and a Lua pattern can backtrack for a long time over a long one.
const maxMatched = 4096

// MatchPattern reports whether value matches the Lua pattern, as
// string.find(value, pattern) would; a record step's value is checked with it.
func MatchPattern(pattern, value string) (bool, error) {
	if len(value) > maxMatched {
		return false, fmt.Errorf("value longer than %d bytes", maxMatched)
	}
	m, err := pm.Find(pattern, []byte(value), 0, 1)
	if err != nil {
		return false, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return len(m) > 0, nil
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
