package scripts

import "github.com/yuin/gopher-lua/pm"

// MatchPattern reports whether s matches the Lua pattern p anywhere, as
// string.find does; anchor p with ^ and $ to match the whole value. It lets
// the runner check a recorded value against a script's pattern without Lua.
func MatchPattern(p, s string) (bool, error) {
	m, err := pm.Find(p, []byte(s), 0, 1)
	if err != nil {
		return false, err
	}
	return len(m) > 0, nil
}
