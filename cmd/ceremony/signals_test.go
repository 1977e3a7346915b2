package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/creack/pty"
)

// SIGINT and SIGTERM end a ceremony waiting for the room within a second,
// leaving a valid prefix that resume takes up.
func TestSignalsEndARunAtOnce(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			bundle := filepath.Join(t.TempDir(), "b")
			cmd := exec.Command(bin, "demo", "--plain", "--out", bundle)
			stdin, err := cmd.StdinPipe() // open, and never written: the console waits
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for countLines(bundle) < 2 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			sent := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 5 s after %v:\n%s", sig, out.String())
			}
			if took := time.Since(sent); took > time.Second {
				t.Errorf("ended %v after %v; want within a second", took, sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitAborted {
				t.Errorf("exit %d after %v, want %d:\n%s", code, sig, exitAborted, out.String())
			}
			checkValidPrefix(t, bundle, countLines(bundle))
			if !strings.Contains(out.String(), "ceremony resume") {
				t.Errorf("no hint to resume:\n%s", out.String())
			}
		})
	}
}

// Commands that handle a share switch core dumps off, so that a crash
// leaves no copy of a share on disk: shares combine, waiting for the first
// share, has a core limit of zero.
func TestSharesCombineHasNoCoreDumps(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "shares", "split", "--label", "t", "-m", "2", "-n", "3", "--out-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("split: %v\n%s", err, out)
	}
	// The child inherits a core limit that allows dumps, so that only the
	// command itself can have switched them off.
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil || old.Max == 0 {
		tooltest.Missing(t, "core dumps cannot be allowed here (hard limit 0, or %v)", err)
	}
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: old.Max, Max: old.Max})
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &now); err != nil || now.Cur == 0 {
		t.Fatalf("could not allow core dumps for the child: %v", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_CORE, &old)
	cmd := exec.Command(bin, "shares", "combine", "--record", filepath.Join(dir, "record.json"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	limits := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "limits")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(limits)
		if err != nil {
			tooltest.Missing(t, "no %s here: %v", limits, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			// The soft limit is the one a dump is held to.
			if f := strings.Fields(line); strings.HasPrefix(line, "Max core file size") && len(f) >= 5 && f[4] == "0" {
				return
			}
		}
	}
	b, _ := os.ReadFile(limits)
	t.Fatalf("core dumps are not off while shares combine runs:\n%s", b)
}

// At a terminal, Ctrl-C in the plain console asks why the ceremony is left
// and records the reason, as !quit does; resume goes on from there.
func TestCtrlCAtThePlainConsoleAsksWhy(t *testing.T) {
	bin := buildBinary(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		tooltest.Missing(t, "no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	bundle := filepath.Join(t.TempDir(), "b")
	cmd := exec.Command(bin, "demo", "--plain", "--out", bundle)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var screen strings.Builder
	var mu sync.Mutex
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(screen.String(), s)
	}
	wait := func(s string) {
		for deadline := time.Now().Add(20 * time.Second); !seen(s); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("%q never appeared:\n%s", s, screen.String())
			}
		}
	}
	wait("type your initials")
	ptmx.Write([]byte{3}) // Ctrl-C, as the terminal delivers it: SIGINT to the ceremony
	wait("Why is the ceremony being left? ")
	ptmx.Write([]byte("the fire alarm went off\n"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("did not end:\n%s", screen.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitAborted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitAborted, screen.String())
	}
	var paused bool
	for e, err := range transcript.ReadEvents(bundle) {
		if err != nil {
			t.Fatal(err)
		}
		paused = paused || e.Type == "ceremony.paused" && strings.Contains(string(e.Data), "interrupted: the fire alarm went off")
	}
	if !paused {
		t.Fatal("the reason is not on the record")
	}
}
