package scripts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
)

// FuzzLoad feeds arbitrary bytes to the loader. Whatever the input, loading
// returns a plan or an *Error naming the script, never panics or escapes; a
// plan that loads can be checked and printed.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"testdata/*.lua", "testdata/lint/*.lua", "testdata/sandbox/*.lua"} {
		files, _ := filepath.Glob(glob)
		for _, path := range files {
			src, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			// A backtracking pattern is abandoned, not stopped: its goroutine
			// burns a core for seconds, and the fuzzer would breed thousands.
			if bytes.Contains(src, []byte("in a pattern match")) {
				continue
			}
			f.Add(src)
		}
	}
	f.Add([]byte(trivialScript))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := scripts.LoadSource(context.Background(), src, scripts.Options{
			Name: "fuzz.lua", TimeLimit: 50 * time.Millisecond, MemoryLimit: 32 << 20,
		})
		if err != nil {
			var e *scripts.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not a *scripts.Error: %v", err)
			}
			if e.File != "fuzz.lua" {
				t.Fatalf("error names %q, not the script: %v", e.File, err)
			}
			return
		}
		defer s.Close()
		scripts.Check(s.Plan(), &scripts.Roster{Participants: []scripts.Participant{{ID: "a", Roles: []string{"CA"}}}})
		for _, format := range []string{"md", "html"} {
			if err := scripts.WritePaper(&bytes.Buffer{}, s.Plan(), scripts.Paper{Format: format}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
