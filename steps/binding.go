package steps

import (
	"fmt"
	"reflect"
	"strings"
)

// Binding is what a call does, as the plan binds it: the primitive and every
// argument that names what it acts on (a key label, an artifact, an input,
// a share set, a role), without the values only known at run time (a
// text, an artifact's content), which a field tagged `bind:"free"` holds.
// A step may call at run time only what its dry run announced with the same
// binding: what the paper script shows is all a step can do.
func Binding(c Call) string {
	var b strings.Builder
	b.WriteString(c.Loc().Name)
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() || f.Tag.Get("bind") == "free" {
			continue
		}
		fmt.Fprintf(&b, " %s=%q", f.Name, fmt.Sprint(v.Field(i).Interface()))
	}
	return b.String()
}
