package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/tooltest"
	"github.com/ceremony-dev/ceremony/transcript"
)

// TestFullDisk rehearses the demo with the file size limit (RLIMIT_FSIZE,
// through prlimit) set so that one write after another fails as on a full
// disk: while the bundle is created, and at many points of the transcript,
// checkpoints included. Each time the command must fail and report the
// write error naming the bundle's own file, and leave either no bundle at
// all or one that verifies as a valid prefix and that resume, with the
// disk freed, takes to its end.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearses the demo a dozen times")
	}
	prlimit := tooltest.Need(t, "prlimit", "util-linux")
	bin := buildBinary(t)
	script, err := filepath.Abs(filepath.Join("..", "..", "ceremonies", "demo.lua"))
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{600, 2000, 5000, 9000, 13000, 17000, 21000, 24000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			dir := t.TempDir()
			bundle := filepath.Join(dir, "bundle")
			env := append(os.Environ(), "CEREMONY_AUTO_SHEETS="+bundle+".sheets")
			cmd := exec.Command(prlimit, fmt.Sprintf("--fsize=%d", limit), bin, "rehearse", script, "--auto", "--out", bundle)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err == nil {
				t.Fatalf("the rehearsal ended well with files limited to %d bytes", limit)
			}
			msg := stderr.String()
			if !strings.Contains(msg, "file too large") {
				t.Fatalf("the write error is not reported:\n%s", msg)
			}
			if fileExists(bundle) && strings.Contains(msg, ".creating") {
				t.Fatalf("the error names the bundle's staging directory:\n%s", msg)
			}
			if !fileExists(bundle) {
				if leftovers, _ := filepath.Glob(filepath.Join(dir, ".bundle*")); len(leftovers) > 0 {
					t.Fatalf("a failed creation left %v", leftovers)
				}
				return
			}
			checkValidPrefix(t, bundle, limit)
			resume := exec.Command(bin, "resume", bundle, "--auto")
			resume.Env = env
			if out, err := resume.CombinedOutput(); err != nil {
				t.Fatalf("resume after the disk was freed: %v\n%s\nfirst run:\n%s", err, out, msg)
			}
			if rep, err := transcript.Verify(bundle, transcript.VerifyOptions{}); rep == nil || rep.Verdict != transcript.Complete {
				t.Fatalf("resumed bundle: %v", err)
			}
			checkStepsOnce(t, script, bundle)
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
