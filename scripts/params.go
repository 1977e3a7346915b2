package scripts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Param is a value that changes from one ceremony to the next (a CA's
// common name, a key label, a validity), declared by the script and given by
// the configuration's [params] table:
//
//	params = { root_cn = param { "Root CA common name", default = "Example Root CA" } }
type Param struct {
	Name  string // "root_cn"
	Title string
	Type  string // "string" (the default), "integer" or "boolean"
	// Default is the value when the configuration gives none; nil makes the
	// parameter required.
	Default any
	Pattern string   // a Lua pattern a string must match
	Values  []string // the values allowed, when the script lists them
	Min     *int64   // bounds of an integer
	Max     *int64
	Line    int
	// Value is what the run uses: the configuration's, else the default.
	// Without a configuration (check, print) a required parameter has none.
	Value any
	// Configured reports a value the configuration gave.
	Configured bool
}

// ParamTypes are the types a parameter may have.
var ParamTypes = []string{"string", "integer", "boolean"}

// luaParam: param { "title", type =, default =, pattern =, values =, min =, max = }
func (s *Script) luaParam(L *lua.LState) int {
	s.topLevel(L, "param")
	f := newFields(L, 1, "param")
	p := &Param{Line: where(L).Line, Title: f.pos(1, true), Type: f.str("type", false), Pattern: f.Pattern("pattern"), Values: f.strs("values")}
	if p.Type == "" {
		p.Type = "string"
	}
	if !slices.Contains(ParamTypes, p.Type) {
		L.RaiseError("param %q: type must be one of %s, not %q", p.Title, strings.Join(ParamTypes, ", "), p.Type)
	}
	for _, k := range []struct {
		key string
		dst **int64
	}{{"min", &p.Min}, {"max", &p.Max}} {
		switch v := f.get(k.key).(type) {
		case *lua.LNilType:
		case lua.LNumber:
			n := int64(v)
			if lua.LNumber(n) != v || p.Type != "integer" {
				L.RaiseError("param %q: %s is for integers and must be a whole number", p.Title, k.key)
			}
			*k.dst = &n
		default:
			L.RaiseError("param %q: %s must be a number, not a %s", p.Title, k.key, v.Type())
		}
	}
	if (p.Pattern != "" || len(p.Values) > 0) && p.Type != "string" {
		L.RaiseError("param %q: pattern and values are for strings", p.Title)
	}
	if v := f.get("default"); v != lua.LNil {
		d, err := p.fromLua(v)
		if err != nil {
			L.RaiseError("param %q: default: %v", p.Title, err)
		}
		if err := p.check(d); err != nil {
			L.RaiseError("param %q: default: %v", p.Title, err)
		}
		p.Default = d
	}
	f.done()
	L.Push(&lua.LUserData{Value: p})
	return 1
}

// fromLua reads a default given in the script.
func (p *Param) fromLua(v lua.LValue) (any, error) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		n := int64(v)
		if lua.LNumber(n) != v {
			return nil, fmt.Errorf("%v is not a whole number", v)
		}
		return n, nil
	}
	return nil, fmt.Errorf("a %s cannot be a parameter's value", v.Type())
}

// fromConfig reads a value given in the configuration, as TOML decodes it.
func (p *Param) fromConfig(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return v, nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	}
	return nil, fmt.Errorf("a %T cannot be a parameter's value", v)
}

// check holds a value to the parameter's type and limits.
func (p *Param) check(v any) error {
	switch p.Type {
	case "string":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("must be a string, not %v", v)
		}
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("must not be empty")
		}
		if len(p.Values) > 0 && !slices.Contains(p.Values, s) {
			return fmt.Errorf("%q is not one of %s", s, strings.Join(p.Values, ", "))
		}
		if p.Pattern != "" {
			ok, err := MatchPattern(p.Pattern, s)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%q does not match the pattern %s", s, p.Pattern)
			}
		}
	case "integer":
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("must be a whole number, not %v", v)
		}
		if p.Min != nil && n < *p.Min || p.Max != nil && n > *p.Max {
			return fmt.Errorf("%d is outside %s", n, p.bounds())
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("must be true or false, not %v", v)
		}
	}
	return nil
}

func (p *Param) bounds() string {
	lo, hi := "…", "…"
	if p.Min != nil {
		lo = strconv.FormatInt(*p.Min, 10)
	}
	if p.Max != nil {
		hi = strconv.FormatInt(*p.Max, 10)
	}
	return lo + " to " + hi
}

// Shown is how the paper script and the screen write the value.
func (p *Param) Shown() string {
	if p.Value == nil {
		return "(required: set in the configuration's [params])"
	}
	return fmt.Sprint(p.Value)
}

// params reads the script's params table once its main chunk has run,
// gives each parameter its value, and puts the values in the table for the
// steps' functions to read. Without a configuration (given == nil) a
// required parameter reads as a placeholder ("{name}" for a string) so that
// a dry run goes through; with one, unknown and missing parameters are refused.
func (s *Script) params(given map[string]any) error {
	L := s.state
	var decl []Param
	switch t := L.GetGlobal("params").(type) {
	case *lua.LNilType:
	case *lua.LTable:
		var bad error
		t.ForEach(func(k, v lua.LValue) {
			name, ok := k.(lua.LString)
			ud, isParam := v.(*lua.LUserData)
			var p *Param
			if isParam {
				p, isParam = ud.Value.(*Param)
			}
			switch {
			case bad != nil:
			case !ok || !identifier.MatchString(string(name)):
				bad = &Error{File: s.name, Msg: fmt.Sprintf("params: names must be identifiers such as root_cn, not %s", k.String())}
			case !isParam:
				bad = &Error{File: s.name, Msg: fmt.Sprintf("params: %s must be declared with param { \"title\" }", name)}
			case LooksLikeCredential(string(name)):
				// Its value would sit in the configuration, which refuses
				// anything named like a secret: the bundle could not be
				// replayed.
				bad = &Error{File: s.name, Line: p.Line, Msg: fmt.Sprintf("params: %s is named like a credential (a PIN, a share, a secret), which a configuration never holds: name it for what it does", name)}
			default:
				c := *p
				c.Name = string(name)
				decl = append(decl, c)
			}
		})
		if bad != nil {
			return bad
		}
	default:
		return &Error{File: s.name, Msg: "params must be a table of param { ... } declarations"}
	}
	byLine(decl, func(p Param) (int, string) { return p.Line, p.Name })
	for name := range given {
		if !slices.ContainsFunc(decl, func(p Param) bool { return p.Name == name }) {
			return &Error{File: s.name, Msg: fmt.Sprintf("the configuration sets parameter %q, which the script does not declare", name)}
		}
	}
	values := L.NewTable()
	for i := range decl {
		p := &decl[i]
		p.Value = p.Default
		if v, ok := given[p.Name]; ok {
			cv, err := p.fromConfig(v)
			if err == nil {
				err = p.check(cv)
			}
			if err != nil {
				return &Error{File: s.name, Line: p.Line, Msg: fmt.Sprintf("parameter %s: %v", p.Name, err)}
			}
			p.Value, p.Configured = cv, true
		}
		var lv lua.LValue
		switch v := p.Value.(type) {
		case nil:
			if given != nil {
				return &Error{File: s.name, Line: p.Line, Msg: fmt.Sprintf("parameter %s (%s) has no default: set it in the configuration's [params]", p.Name, p.Title)}
			}
			lv = p.placeholder()
		case string:
			lv = lua.LString(v)
		case int64:
			lv = lua.LNumber(v)
		case bool:
			lv = lua.LBool(v)
		}
		values.RawSetString(p.Name, lv)
	}
	L.SetGlobal("params", values)
	if s.plan != nil {
		s.plan.Params = decl
	}
	return nil
}

// placeholder stands for a required parameter in a dry run without a
// configuration, in the parameter's type so that script code using it runs.
func (p *Param) placeholder() lua.LValue {
	switch p.Type {
	case "integer":
		if p.Min != nil {
			return lua.LNumber(*p.Min)
		}
		return lua.LNumber(1)
	case "boolean":
		return lua.LFalse
	}
	return lua.LString("{" + p.Name + "}")
}

// ParamValues are the values a run uses, by name, as a configuration's
// [params] table would give them.
func (p *Plan) ParamValues() map[string]any {
	out := make(map[string]any, len(p.Params))
	for _, pm := range p.Params {
		if pm.Value != nil {
			out[pm.Name] = pm.Value
		}
	}
	return out
}

// credentialWords are the parts of a name that mark it as a credential.
var credentialWords = map[string]bool{
	"pin": true, "pins": true, "puk": true, "secret": true, "secrets": true, "share": true, "shares": true,
	"password": true, "passwd": true, "passphrase": true, "private": true, "privkey": true, "seed": true,
	"credential": true, "credentials": true,
}

// LooksLikeCredential reports a key or parameter name with a part (split at
// _, -, . and spaces) that names a credential: so_pin, user-PIN, secret.
func LooksLikeCredential(name string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' }) {
		if credentialWords[part] {
			return true
		}
	}
	return false
}
