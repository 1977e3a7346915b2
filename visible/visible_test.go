package visible_test

import (
	"testing"

	"github.com/ceremony-dev/ceremony/visible"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, str, text string }{
		{"Alice Abbott", "Alice Abbott", "Alice Abbott"},
		{"Carol\nShare: 1 aardvark", `Carol\nShare: 1 aardvark`, "Carol\nShare: 1 aardvark"},
		{"\x1b[2Jgone", `\x1b[2Jgone`, `\x1b[2Jgone`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`, `evil\u202egnp.exe`},
		{"Zoë Ünal", "Zoë Ünal", "Zoë Ünal"},
		{"a\u0085b\x7f", `a\x85b\x7f`, `a\x85b\x7f`},
	} {
		if got := visible.String(tc.in); got != tc.str {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.str)
		}
		if got := visible.Text(tc.in); got != tc.text {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.text)
		}
	}
	if visible.Check("ok\nline", true) != nil || visible.Check("no\nline", false) == nil || visible.Check("x\u2066y", true) == nil {
		t.Error("Check")
	}
}

func FuzzString(f *testing.F) {
	f.Add("Alice\x1b[31m\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		if err := visible.Check(visible.String(s), false); err != nil {
			t.Fatalf("String(%q) still holds a hidden character: %v", s, err)
		}
		if err := visible.Check(visible.Text(s), true); err != nil {
			t.Fatalf("Text(%q) still holds a hidden character: %v", s, err)
		}
	})
}
