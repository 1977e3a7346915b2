package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/transcript"
)

// buildBinary builds the ceremony command for tests that must kill it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ceremony")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// countLines counts the transcript's complete lines.
func countLines(bundle string) int {
	b, _ := os.ReadFile(filepath.Join(bundle, transcript.TranscriptFile))
	return bytes.Count(b, []byte{'\n'})
}

// countStepEnds counts step.end events in the valid part of the transcript.
func countStepEnds(t *testing.T, bundle string) int {
	n := 0
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			break // a torn last line
		}
		if e.Type == "step.end" {
			n++
		}
	}
	return n
}

// TestCrashSafety kills rehearsals of the demo with SIGKILL again and again,
// each time a few events further on and at a random moment between events,
// checks after every kill that the bundle is a valid prefix, resumes it, and
// lets it finish: the bundle must then be complete with every step ended
// exactly once. Bundles follow one another until 50 kills have been made.
//
// CEREMONY_SOAK=N makes it a soak test of N kill-and-resume cycles (200 for
// a release), with a second writer trying each bundle while it runs:
//
//	CEREMONY_SOAK=200 go test ./cmd/ceremony -run TestCrashSafety -timeout 1h -v
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes rehearsals 50 times")
	}
	want, bundles := 50, 5
	if n, err := strconv.Atoi(os.Getenv("CEREMONY_SOAK")); err == nil && n > 0 {
		want, bundles = n, n
	}
	bin := buildBinary(t)
	kills := 0
	for b := 0; kills < want; b++ {
		if b == bundles {
			t.Fatalf("only %d kills in %d bundles", kills, b)
		}
		k := crashUntilDone(t, bin, "demo.lua", filepath.Join(t.TempDir(), "bundle"))
		t.Logf("bundle %d: killed %d times, then complete", b+1, k)
		kills += k
	}
	t.Logf("%d kills, each bundle resumed to completion", kills)
}

// holdsLock waits until process pid holds the bundle's lock, and reports
// whether it did before it ended.
func holdsLock(bundle string, pid int) bool {
	want := fmt.Sprintf("process %d ", pid)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if b, err := os.ReadFile(bundle + ".lock"); err == nil && strings.HasPrefix(string(b), want) {
			return true
		}
	}
	return false
}

// crashUntilDone rehearses a shipped ceremony into bundle, killing and
// resuming it until it ends, and returns how many times it was killed.
func crashUntilDone(t *testing.T, bin, name, bundle string) int {
	env := append(os.Environ(), "CEREMONY_AUTO_PACE=3ms", "CEREMONY_AUTO_SHEETS="+bundle+".sheets")
	script := filepath.Join("..", "..", "ceremonies", name)
	kills, stall, ends := 0, 0, 0
	for {
		args := []string{"resume", bundle, "--auto"}
		if _, err := os.Stat(bundle); err != nil {
			args = []string{"rehearse", script, "--auto", "--out", bundle}
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if os.Getenv("CEREMONY_SOAK") != "" && holdsLock(bundle, cmd.Process.Pid) {
			// A second writer on the same bundle is refused, whatever the
			// first is doing.
			second := exec.Command(bin, "resume", bundle, "--auto")
			second.Env = env
			if out, err := second.CombinedOutput(); err == nil {
				t.Fatalf("a second writer ran on %s:\n%s", bundle, out)
			}
		}
		// A resume records two events of its own before the room goes on.
		target := countLines(bundle) + 3 + rand.IntN(2) + 6*stall
		var err error
		killed := false
	watch:
		for {
			select {
			case err = <-done:
				break watch
			case <-time.After(300 * time.Microsecond):
				if countLines(bundle) >= target {
					time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
					killed = cmd.Process.Signal(syscall.SIGKILL) == nil
					err = <-done
					break watch
				}
			}
		}
		var exit *exec.ExitError
		if !killed || !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			if err != nil {
				t.Fatalf("%v: %v\n%s%s", args, err, stderr.String(), exceptions(bundle))
			}
			break // the ceremony ended before the kill
		}
		kills++
		if checkValidPrefix(t, bundle, countLines(bundle)) == transcript.Complete {
			break // killed after the final checkpoint, on the way out
		}
		if n := countStepEnds(t, bundle); n > ends {
			ends, stall = n, 0
		} else {
			stall++
		}
	}
	rep, err := transcript.Verify(bundle, transcript.VerifyOptions{})
	if rep == nil || rep.Verdict != transcript.Complete {
		t.Fatalf("final bundle: %v", err)
	}
	checkStepsOnce(t, script, bundle)
	return kills
}

// TestCrashSafetyOfCAs kills and resumes the CA ceremonies and the one
// that keeps shares on the officers' cards as TestCrashSafety does the
// demo: their certificates, ledgers, revocation lists, enrollments and
// envelopes are made once each, whatever the moment of the kill.
func TestCrashSafetyOfCAs(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes rehearsals")
	}
	bin := buildBinary(t)
	for _, name := range []string{"ssh-ca.lua", "root-ca.lua", "officer-cards.lua", "yubikey-provision.lua"} {
		t.Run(name, func(t *testing.T) {
			kills := 0
			for b := 0; kills < 15; b++ {
				if b == 4 {
					t.Fatalf("only %d kills in %d bundles", kills, b)
				}
				kills += crashUntilDone(t, bin, name, filepath.Join(t.TempDir(), "bundle"))
			}
			t.Logf("%d kills, each bundle resumed to completion", kills)
		})
	}
}

// checkStepsOnce checks that each step of the script ended exactly once,
// in the order of the plan.
func checkStepsOnce(t *testing.T, script, bundle string) {
	t.Helper()
	sc, err := scripts.Load(context.Background(), script, scripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var want []string
	for _, a := range sc.Plan().Acts {
		for _, st := range a.Steps {
			want = append(want, st.Number)
		}
	}
	var got []string
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "step.end" {
			got = append(got, e.Step)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps ended: %v\nwant %v", got, want)
	}
}

// checkValidPrefix checks a killed bundle: its transcript must verify as a
// valid prefix (perhaps with a torn last line), and its files must match
// the transcript, except for an artifact written just before the kill and
// not yet recorded, which resume records. It returns the bundle's verdict.
func checkValidPrefix(t *testing.T, bundle string, at int) transcript.Verdict {
	t.Helper()
	rep, err := transcript.Verify(filepath.Join(bundle, transcript.TranscriptFile), transcript.VerifyOptions{})
	if rep == nil || rep.Verdict == transcript.Invalid {
		t.Fatalf("after a kill at line %d the transcript is not a valid prefix: %v", at, err)
	}
	rep, err = transcript.Verify(bundle, transcript.VerifyOptions{})
	var fe *transcript.FileError
	if rep == nil || rep.Verdict == transcript.Invalid && !(errors.As(err, &fe) && fe.Line == 0 && strings.HasPrefix(fe.Name, transcript.ArtifactsDir+"/")) {
		t.Fatalf("after a kill at line %d the bundle is not a valid prefix: %v", at, err)
	}
	return rep.Verdict
}

// exceptions lists the exceptions a bundle records, to explain a failure.
func exceptions(bundle string) string {
	var b strings.Builder
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			break
		}
		if e.Type == "exception" {
			fmt.Fprintf(&b, "exception at step %s: %s\n", e.Step, e.Data)
		}
	}
	return b.String()
}
