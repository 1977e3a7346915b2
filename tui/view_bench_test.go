package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/room"
)

// benchScreen is a 120x40 screen in the middle of a ceremony of steps steps
// (ten acts), with a comparison on screen: the widest prompt.
func benchScreen(steps int) *model {
	u := New(Options{Width: 120, Height: 40, Clock: func() time.Time { return time.Unix(1800000000, 0) }})
	m := newModel(u)
	c := room.Ceremony{Name: "Root KSK signing", Version: "2026.4"}
	st := room.Status{Events: 4242, HeadWords: []string{"aardvark", "absurd", "accrue", "acme"}, Act: -1, Step: -1}
	n := 0
	for a := range 10 {
		act := room.ActView{Title: fmt.Sprintf("Act %d", a+1)}
		var row []room.StepState
		for s := range steps / 10 {
			act.Steps = append(act.Steps, room.StepView{
				Number: fmt.Sprintf("%d.%d", a+1, s+1), Role: "CA", Witnesses: []string{"IW"}, Does: "confirm",
				Text: "Check the **seal** of the HSM bag and read its number aloud; the witness compares it with the `log`.",
			})
			state := room.StepPending
			switch {
			case n < steps*6/10:
				state = room.StepDone
			case n == steps*6/10:
				state = room.StepCurrent
				st.Act, st.Step = a, s
			}
			row = append(row, state)
			n++
		}
		c.Acts = append(c.Acts, act)
		st.States = append(st.States, row)
	}
	m.fromRunner(beginMsg(c))
	m.fromRunner(progressMsg(st))
	words := make([]string, 32)
	for i := range words {
		words[i] = "Wilmington"
	}
	m.fromRunner(&request{prompt: newComparer(room.Comparison{
		Label: "KSR", Hex: "9c4f1a7be03d58c26e1f90ab7d35c4e8a1f60b2d93c7e45f08a6b1d2c3e4f5a6", Words: words,
		Check: func(string) (int, error) { return -1, nil },
	})})
	return m
}

// BenchmarkView renders one frame at 120x40 with a 200-step outline. It
// reports the frame's share of the 5 ms budget and its cost relative to the
// same screen with a 10-step outline, measured in the same run: the outline's
// length should not show.
func BenchmarkView(b *testing.B) {
	m := benchScreen(200)
	b.ReportAllocs()
	for b.Loop() {
		m.View()
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	// The baseline runs as many frames, after the timed loop.
	small := benchScreen(10)
	start := time.Now()
	for range b.N {
		small.View()
	}
	base := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/float64(5*time.Millisecond), "of-5ms-budget")
	b.ReportMetric(perOp/base, "x-10-step-outline")
}
