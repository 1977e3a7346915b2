package scripts_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/scripts"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestPaperGolden prints the example script in both formats, with and
// without a roster, and compares with the golden files in testdata/paper.
func TestPaperGolden(t *testing.T) {
	s := load(t, "testdata/example.lua", scripts.Options{Name: "example.lua"})
	roster := &scripts.Roster{Participants: []scripts.Participant{
		{ID: "alice", Name: "Alice Abbott", Roles: []string{"CA"}},
		{ID: "bob", Name: "Bob Baker", Roles: []string{"IW"}},
		{ID: "carol", Roles: []string{"CO"}}, {ID: "dave", Roles: []string{"CO"}}, {ID: "erin", Roles: []string{"CO"}},
		{ID: "frank", Name: "Frank | Remote", Roles: []string{"RP"}},
	}}
	for _, c := range []struct {
		golden string
		paper  scripts.Paper
	}{
		{"example.md", scripts.Paper{SHA256: strings.Repeat("ab", 32)}},
		{"example.html", scripts.Paper{Format: "html", SHA256: strings.Repeat("ab", 32)}},
		{"example-roster.md", scripts.Paper{Roster: roster, ExceptionSheets: 1}},
		{"example-roster.html", scripts.Paper{Format: "html", Roster: roster, ExceptionSheets: 1}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := scripts.WritePaper(&b, s.Plan(), c.paper); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "paper", c.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (run with -update to see):\n%s", c.golden, b.String())
			}
		})
	}
}

// Text from the script is escaped in HTML: a script cannot put markup or
// code on the page the witnesses print.
func TestPaperHTMLEscapes(t *testing.T) {
	path := writeScript(t, `act "<b>act</b>" { step { by = "CA", witness = "IW", "<script>alert(1)</script>", run = function()
  confirm { "<img src=x onerror=alert(2)>" }
end } }`)
	s := load(t, path, scripts.Options{})
	var b bytes.Buffer
	if err := scripts.WritePaper(&b, s.Plan(), scripts.Paper{Format: "html"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img", "<b>act"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("html contains %q unescaped", bad)
		}
	}
	if !strings.Contains(b.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("step text missing or not escaped")
	}
}

func TestPaperUnknownFormat(t *testing.T) {
	s := load(t, "testdata/example.lua", scripts.Options{})
	if err := scripts.WritePaper(&bytes.Buffer{}, s.Plan(), scripts.Paper{Format: "pdf"}); err == nil {
		t.Error("format pdf accepted")
	}
}

// In Markdown, what a step does is plain text: a description's * and a
// label's <tag> are escaped, so the printed page shows them as written.
func TestPaperMarkdownEscapes(t *testing.T) {
	path := writeScript(t, `act "A" { step { by = "CA", witness = "IW", "Record.", run = function()
  record { "<serial>", pattern = "^.*%d*$", describe = "the *serial* digits" }
end } }`)
	s := load(t, path, scripts.Options{})
	var b bytes.Buffer
	if err := scripts.WritePaper(&b, s.Plan(), scripts.Paper{}); err != nil {
		t.Fatal(err)
	}
	if want := `- Record \<serial\> (the \*serial\* digits): ____________`; !strings.Contains(b.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, b.String())
	}
}
