package scripts_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
)

var sandboxWant = regexp.MustCompile(`(?m)^-- want: (.*)$`)

// TestSandboxCorpus loads each escape or exhaustion attempt in
// testdata/sandbox and expects it refused within two seconds, with an error
// that names the file, a line, and the message in its `-- want:` comment.
// The cases run one after another: the memory limit watches the whole heap.
func TestSandboxCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/sandbox/*.lua")
	if err != nil || len(files) < 20 {
		t.Fatalf("sandbox corpus missing: %v %v", files, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m := sandboxWant.FindSubmatch(src)
			if m == nil {
				t.Fatal("no -- want: comment")
			}
			start := time.Now()
			s, err := scripts.Load(context.Background(), path, scripts.Options{})
			took := time.Since(start)
			if err == nil {
				s.Close()
				t.Fatalf("loaded without error; want %q", m[1])
			}
			if limit := refuseWithin(); took > limit {
				t.Errorf("refused after %v, want within %v", took, limit)
			}
			var e *scripts.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q is not a *scripts.Error", err)
			}
			if e.File != path || e.Line < 2 {
				t.Errorf("error %q names %s:%d, want %s and a line", err, e.File, e.Line, path)
			}
			if raceEnabled && errors.Is(err, scripts.ErrTimeLimit) {
				t.Logf("under the race detector the time limit came first: %v", err)
			} else if !strings.Contains(err.Error(), string(m[1])) {
				t.Errorf("error %q does not say %q", err, m[1])
			}
			t.Logf("%v: %v", took.Round(time.Millisecond), err)
		})
	}
}

// refuseWithin bounds how long a refusal may take: it tells a refusal from
// a hang, on a machine busy with the other tests, and is no speed target
// (the benchmarks are). The race detector slows the copying of large
// strings and the collector tenfold.
func refuseWithin() time.Duration {
	if raceEnabled {
		return 60 * time.Second
	}
	return 10 * time.Second
}
