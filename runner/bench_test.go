package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/transcript"
)

// BenchmarkStepOverhead measures what the runner adds to each step on top of
// the transcript appends the step makes. Each iteration runs a ceremony of
// 100 steps, each calling confirm from Lua (three events a step), and, in
// the same iteration, makes the very same appends and checkpoints on a bare
// writer. run/append is the ratio of the two; overhead-ns/step is the
// difference per step. Sub-benchmark disk writes to the test's temporary
// directory, where each append waits for fsync; memory writes to /dev/shm,
// where it does not, which shows the runner's own cost more sharply.
func BenchmarkStepOverhead(b *testing.B) {
	b.Run("disk", func(b *testing.B) { benchStepOverhead(b, b.TempDir) })
	b.Run("memory", func(b *testing.B) {
		if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
			b.Skip("no /dev/shm")
		}
		benchStepOverhead(b, func() string {
			d, err := os.MkdirTemp("/dev/shm", "ceremony-bench-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		})
	})
}

func benchStepOverhead(b *testing.B, tempDir func() string) {
	const n = 100
	var src strings.Builder
	src.WriteString(`ceremony { name = "Bench", roles = { CA = role "Administrator", IW = role "Witness" } }` + "\nact \"All\" {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "  step { by = \"CA\", witness = \"IW\", \"Step %d.\", run = function() confirm { \"done %d\" } end },\n", i, i)
	}
	src.WriteString("}\n")
	s, err := scripts.LoadSource(context.Background(), []byte(src.String()), scripts.Options{Name: "bench.lua"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	roster := []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}}, {ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}}}
	h := transcript.Header{ID: "bench", Name: "Bench", Script: []byte(src.String())}
	var runT, appendT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := tempDir()
		w, err := transcript.Create(filepath.Join(dir, "run"), h)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		err = runner.New(s, w, nil, runner.Env{UI: &auto.Auto{}, Roster: roster, Bundle: dir}).Run(context.Background())
		runT += time.Since(start)
		w.Close()
		if err != nil {
			b.Fatal(err)
		}
		bare, err := transcript.Create(filepath.Join(dir, "bare"), h)
		if err != nil {
			b.Fatal(err)
		}
		data := map[string]any{"actor": "ann", "witnesses": []string{"ben"}, "attempt": 1}
		start = time.Now()
		for j := 0; j < n; j++ {
			bare.Append("step.begin", "1.1", "ann", data)
			bare.Append("confirm.done", "1.1", "ann", map[string]string{"text": "done"})
			bare.Append("step.end", "1.1", "ann", map[string]any{"status": "done", "confirmed": []string{"ann", "ben"}})
		}
		bare.Checkpoint()
		bare.Append(transcript.TypeEnd, "", "", map[string]bool{"complete": true})
		bare.Checkpoint()
		appendT += time.Since(start)
		bare.Close()
	}
	b.ReportMetric(float64(runT)/float64(appendT), "run/append")
	b.ReportMetric(float64(runT-appendT)/float64(b.N*n), "overhead-ns/step")
}
