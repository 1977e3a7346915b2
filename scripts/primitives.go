package scripts

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"github.com/ceremony-dev/ceremony/steps"
)

// primitives maps each Lua name to how its table argument becomes a request.
// Names with the hsm. prefix live in the hsm table.
var primitives = map[string]func(f *fields, at steps.At) steps.Request{
	"confirm": func(f *fields, at steps.At) steps.Request {
		return steps.Confirm{At: at, Text: f.pos(1, true)}
	},
	"record": func(f *fields, at steps.At) steps.Request {
		r := steps.Record{At: at, Label: f.pos(1, true), Pattern: f.str("pattern", false)}
		if r.Pattern != "" {
			if err := checkPattern(r.Pattern); err != nil {
				f.L.RaiseError("record: pattern: %v", err)
			}
		}
		return r
	},
	"checklist": func(f *fields, at steps.At) steps.Request {
		c := steps.Checklist{At: at, Title: f.pos(1, true), Items: f.strs("items")}
		if len(c.Items) == 0 {
			f.L.RaiseError("checklist: items must list at least one item")
		}
		return c
	},
	"clock":   func(f *fields, at steps.At) steps.Request { return steps.Clock{At: at} },
	"machine": func(f *fields, at steps.At) steps.Request { return steps.Machine{At: at} },
	"verify_out_of_band": func(f *fields, at steps.At) steps.Request {
		f.maxPos = 1
		v := steps.VerifyOOB{At: at, Input: f.input(f.t.RawGetInt(1), "the first value"), With: f.str("with", true)}
		if v.Input == "" {
			f.L.RaiseError("verify_out_of_band: name the input first, as in verify_out_of_band { input \"ksr\", with = \"ZSKO\" }")
		}
		return v
	},
	"split_secret": func(f *fields, at steps.At) steps.Request {
		s := steps.SplitSecret{At: at, Set: f.str("set", true), Label: f.str("label", false),
			Holders: f.str("holders", true), M: f.int("m", 0), N: f.int("n", 0)}
		if s.M < 2 || s.N < s.M || s.N > 255 {
			f.L.RaiseError("split_secret: need 2 <= m <= n <= 255, got m = %d, n = %d", s.M, s.N)
		}
		return s
	},
	"collect_shares": func(f *fields, at steps.At) steps.Request {
		return steps.CollectShares{At: at, Set: f.str("set", true)}
	},
	"hsm.activate": func(f *fields, at steps.At) steps.Request {
		return steps.Activate{At: at, Token: f.str("token", false), Shares: f.str("shares", true)}
	},
	"hsm.init_token": func(f *fields, at steps.At) steps.Request {
		return steps.InitToken{At: at, Token: f.str("token", false), SOSet: f.str("so", true), UserSet: f.str("user", true)}
	},
	"hsm.generate_key": func(f *fields, at steps.At) steps.Request {
		g := steps.GenerateKey{At: at, Label: f.str("label", true), Type: f.str("type", true)}
		switch g.Type {
		case "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519":
		default:
			f.L.RaiseError("hsm.generate_key: type must be one of ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519, not %q", g.Type)
		}
		return g
	},
	"hsm.sign": func(f *fields, at steps.At) steps.Request {
		s := steps.Sign{At: at, Key: f.str("key", true), Input: f.input(f.get("input"), "input"),
			Artifact: f.str("artifact", false), Out: f.str("out", true)}
		if (s.Input == "") == (s.Artifact == "") {
			f.L.RaiseError("hsm.sign: give exactly one of input or artifact")
		}
		return s
	},
	"artifact": func(f *fields, at steps.At) steps.Request {
		return steps.Artifact{At: at, Name: f.pos(1, true), Content: f.str("content", true)}
	},
	"exception": func(f *fields, at steps.At) steps.Request {
		return steps.Exception{At: at, Expected: f.str("expected", true), Happened: f.str("happened", true),
			Decision: f.str("decision", true), Approver: f.str("approver", true)}
	},
	"signoff": func(f *fields, at steps.At) steps.Request { return steps.Signoff{At: at} },
}

// primitive makes the Lua function for one primitive: it builds the request,
// hands it to the host with the Lua clock paused, and returns the result.
func (s *Script) primitive(name string, parse func(*fields, steps.At) steps.Request) lua.LGFunction {
	return func(L *lua.LState) int {
		cs := s.cur
		if cs == nil || cs.step == nil {
			L.RaiseError("%s can only be called inside a step's run function", name)
		}
		if cs.err != nil {
			L.RaiseError("%s: the step has already failed: %v", name, cs.err)
		}
		at := where(L)
		f := newFields(L, 1, name)
		req := parse(f, at)
		f.done()
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
