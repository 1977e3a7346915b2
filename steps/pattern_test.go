package steps

import "testing"

func TestDescribePattern(t *testing.T) {
	for _, c := range []struct {
		pattern, want string
		ok            bool
	}{
		{"^%u%u%d%d%d%d%d%d%d%d$", "exactly 2 capital letters, then 8 digits", true},
		{"^%u%u%d+$", "exactly 2 capital letters, then one or more digits", true},
		{"^TB%-%d%d%d$", `exactly "T", then "B", then "-", then 3 digits`, true},
		{"^[A-F0-9]+$", "exactly one or more characters among A-F, 0-9", true},
		{"^%x*$", "exactly any number of hex digits", true},
		{"%d%d", "containing 2 digits", true},
		{"^v%d", `starting with "v", then a digit`, true},
		{"^[^%s]+$", "exactly one or more characters not among a space", true},
		{"^(%a%a)%d?$", "exactly 2 letters, then optionally a digit", true},
		{"^%b()$", "", false},
		{"^%f[%w]x$", "", false},
		{"^(a)%1$", "", false},
		{"", "anything", true},
	} {
		got, ok := describePattern(c.pattern)
		if got != c.want || ok != c.ok {
			t.Errorf("describePattern(%q) = %q, %t; want %q, %t", c.pattern, got, ok, c.want, c.ok)
		}
	}
}

func FuzzDescribePattern(f *testing.F) {
	for _, p := range []string{"^%u%u%d+$", "[a-", "%", "^[]]$", "[^%]", "$", "^$"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		// Any pattern a script gives is either put in words or refused,
		// never a panic.
		describePattern(p)
	})
}
