package scripts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
)

const trivialScript = `ceremony { name = "trivial", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" { step { by = "CA", witness = "IW", "Nothing much." } }
`

// bigScript is a ceremony of acts of 10 steps each, every step with a
// function that calls two primitives, as a long real ceremony would.
func bigScript(steps int) []byte {
	var b strings.Builder
	b.WriteString(`ceremony { name = "big", version = "1",
  roles = { CA = role "Administrator", IW = role "Witness", CO = role { "Officer", min = 3 } },
  separate = { { "CA", "IW" } }, inputs = { ksr = file { "KSR", max = "1MiB" } } }
act "Split" { step { by = "CA", witness = "IW", "Split.", run = function() split_secret { set = "s", holders = "CO", m = 2, n = 3 } end } }
`)
	for a := 0; a < steps/10; a++ {
		fmt.Fprintf(&b, "act \"Act %d\" {\n", a)
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&b, `  step { by = "CA", witness = "IW", "Step %d of act %d.", on_failure = { "retry", "skip" },
         run = function()
           local v = record { "value %d", pattern = "^%%d+$" }
           confirm { "Value " .. v .. " written on the form." }
           if %d %% 5 == 0 then collect_shares { set = "s" } end
         end },
`, i, a, i, i)
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

func loadAndCheck(b *testing.B, src []byte) {
	s, err := scripts.LoadSource(context.Background(), src, scripts.Options{Name: "bench.lua"})
	if err != nil {
		b.Fatal(err)
	}
	if p := scripts.Check(s.Plan(), nil); len(p) > 0 {
		b.Fatal(p)
	}
	s.Close()
}

// BenchmarkLoadCheck500 loads (including the dry run of every step's
// function) and checks a 500-step script, and reports its cost relative to
// a one-step script measured in the same run.
func BenchmarkLoadCheck500(b *testing.B) {
	// The baseline is timed by hand: a nested testing.Benchmark would wait on
	// the lock this benchmark holds. b.Loop resets the timer after it.
	trivial := []byte(trivialScript)
	n, start := 0, time.Now()
	for ; n < 20 || time.Since(start) < 200*time.Millisecond; n++ {
		loadAndCheck(b, trivial)
	}
	base := float64(time.Since(start).Nanoseconds()) / float64(n)
	big := bigScript(500)
	b.ReportAllocs()
	for b.Loop() {
		loadAndCheck(b, big)
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(base, "trivial-ns/op")
	b.ReportMetric(perOp/base, "x-trivial")
	b.ReportMetric(perOp/501, "ns/step")
}

// BenchmarkLoadWorstCase loads the slowest script of the largest size a
// script may have: nothing but distinct number constants, which the
// compiler compares one with another.
func BenchmarkLoadWorstCase(b *testing.B) {
	var src strings.Builder
	src.WriteString("ceremony { name = \"Big\", roles = { CA = role \"Administrator\" } }\nact \"One\" { step { by = \"CA\", \"Do it.\" } }\nlocal t = {")
	for i := 0; src.Len() < 64<<10-16; i++ {
		fmt.Fprintf(&src, "%d,", i)
	}
	src.WriteString("}\n")
	for b.Loop() {
		s, err := scripts.LoadSource(context.Background(), []byte(src.String()), scripts.Options{Name: "big.lua"})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
