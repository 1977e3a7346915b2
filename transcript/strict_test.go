package transcript_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/transcript"
)

// A bundle holds regular files with one name each, and nothing the
// transcript does not account for; anything else is invalid, and is found
// at once rather than read for ever.
func TestVerifyStrictFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		want string // in the error
	}{
		{"symlinked artifact", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "artifacts", "root.pem")
			copyTo := filepath.Join(t.TempDir(), "root.pem")
			os.Rename(p, copyTo)
			os.Symlink(copyTo, p)
		}, "artifacts/root.pem (recorded on line 4): is not a regular file"},
		{"hard-linked artifact", func(t *testing.T, dir string) {
			os.Link(filepath.Join(dir, "artifacts", "root.pem"), filepath.Join(t.TempDir(), "other"))
		}, "has other names"},
		{"artifact that is a FIFO", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "artifacts", "root.pem")
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				// FIFOs are part of every Unix this runs on.
				t.Fatal("mkfifo:", err)
			}
		}, "is not a regular file"},
		{"script linked to /dev/zero", func(t *testing.T, dir string) {
			p := filepath.Join(dir, transcript.ScriptFile)
			os.Remove(p)
			os.Symlink("/dev/zero", p)
		}, "script.lua (recorded on line 1): is not a regular file"},
		{"transcript linked elsewhere", func(t *testing.T, dir string) {
			p := filepath.Join(dir, transcript.TranscriptFile)
			moved := filepath.Join(t.TempDir(), "t.jsonl")
			os.Rename(p, moved)
			os.Symlink(moved, p)
		}, "transcript.jsonl: is not a regular file"},
		{"checkpoint linked elsewhere", func(t *testing.T, dir string) {
			p := filepath.Join(dir, transcript.CheckpointFile)
			moved := filepath.Join(t.TempDir(), "cp")
			os.Rename(p, moved)
			os.Symlink(moved, p)
		}, "checkpoint: is not a regular file"},
		{"an extra file", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "README"), []byte("x"))
		}, "README is not recorded in the transcript"},
		{"an extra directory", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "modules"), 0o755)
		}, "modules is not recorded in the transcript"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := buildBundle(t, testHeader())
			tc.edit(t, dir)
			done := make(chan struct{})
			var rep *transcript.Report
			var err error
			go func() { rep, err = transcript.Verify(dir, transcript.VerifyOptions{}); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("verify did not return")
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || (rep != nil && rep.Verdict != transcript.Invalid) {
				t.Fatalf("verify: %v (report %v), want invalid with %q", err, rep, tc.want)
			}
		})
	}
}

// Keys of ceremony.begin match exactly: "Session_key" is not session_key,
// to Go's JSON as to jq.
func TestVerifyBeginKeysExact(t *testing.T) {
	dir := buildBundle(t, testHeader())
	// Canonical order puts the capital first, which is where a forger
	// would write it.
	line := string(splitLines(mustRead(t, transcriptPath(dir)))[0])
	i := strings.Index(line, `,"session_key":"`)
	j := i + 1 + strings.Index(line[i+1:], `",`) + 1
	pair := line[i+1 : j]
	replaceInLine(t, dir, 0, line[i:j], "", 1)
	replaceInLine(t, dir, 0, `"data":{`, `"data":{"S`+pair[2:]+",", 1)
	_, err := verify(t, transcriptPath(dir))
	var se *transcript.StructureError
	if !errors.As(err, &se) || se.Line != 1 || !strings.Contains(err.Error(), `"Session_key" where "session_key" belongs`) {
		t.Fatalf("%v, want a StructureError on line 1 naming the key", err)
	}
}

// A finished ceremony whose checkpoint file was deleted, or not yet
// written when it crashed, is not resumed: resuming would sign past its end
// with a new key. Resume restores the file from the final checkpoint line,
// signed by the ceremony's own key, and appends nothing.
func TestResumeRefusesFinishedWithoutCheckpointFile(t *testing.T) {
	dir := buildBundle(t, testHeader())
	os.Remove(filepath.Join(dir, transcript.CheckpointFile))
	before := mustRead(t, transcriptPath(dir))
	if _, _, err := transcript.Resume(dir); !errors.Is(err, transcript.ErrRestored) || !errors.Is(err, transcript.ErrEnded) {
		t.Fatalf("resume: %v, want ErrRestored", err)
	}
	if string(mustRead(t, transcriptPath(dir))) != string(before) {
		t.Fatal("resume changed the transcript of a finished ceremony")
	}
	rep, err := verify(t, dir)
	if err != nil || rep.Verdict != transcript.Complete || len(rep.SessionKeys) != 1 {
		t.Fatalf("after the restore: %v, %+v", err, rep)
	}
}

// Nothing after ceremony.begin is never a valid prefix, so
// --allow-incomplete cannot pass an empty ceremony.
func TestVerifyHeaderOnly(t *testing.T) {
	w, dir := create(t, testHeader())
	w.Close()
	rep, err := verify(t, dir)
	if rep.Verdict != transcript.Invalid {
		t.Fatalf("header-only bundle: verdict %s (%v), want invalid", rep.Verdict, err)
	}
	// Resume still takes it up: a crash before the first step.
	w, _, err = transcript.Resume(dir)
	if err != nil {
		t.Fatalf("resume of a header-only bundle: %v", err)
	}
	w.Close()
}

// A crash after the final checkpoint line but before the checkpoint file
// was replaced leaves the file of the act before: Resume restores the
// final one from the transcript, and the ceremony is complete, under its
// own key.
func TestResumeRestoresFinalCheckpointFile(t *testing.T) {
	w, dir := create(t, testHeader())
	w.Append("step.begin", "1.1", "CA", nil)
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	stale := mustRead(t, filepath.Join(dir, transcript.CheckpointFile))
	w.Append(transcript.TypeEnd, "", "CA", nil)
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	mustWrite(t, filepath.Join(dir, transcript.CheckpointFile), stale)
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Incomplete {
		t.Fatalf("stale checkpoint file: verdict %s", rep.Verdict)
	}
	if _, _, err := transcript.Resume(dir); !errors.Is(err, transcript.ErrRestored) {
		t.Fatalf("resume: %v, want ErrRestored", err)
	}
	rep, err := verify(t, dir)
	if err != nil || rep.Verdict != transcript.Complete || len(rep.SessionKeys) != 1 {
		t.Fatalf("after the restore: %v (%+v)", err, rep)
	}
}

// A bundle takes its name only once ceremony.begin is on disk: a Create
// that fails on the way leaves nothing under the name, and nothing hidden.
func TestCreateLeavesNothingHalfMade(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "bundle")
	h := testHeader()
	h.Modules = map[string][]byte{"../escape.lua": []byte("x")}
	if _, err := transcript.Create(dir, h); err == nil {
		t.Fatal("Create with a bad module name succeeded")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 0 {
		t.Fatalf("a failed Create left %v", entries)
	}
	w, err := transcript.Create(dir, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if entries, _ := os.ReadDir(parent); len(entries) != 1 || entries[0].Name() != "bundle" {
		t.Fatalf("after Create the parent holds %v", entries)
	}
}

// An artifact a crash interrupted is only ever a hidden temporary file:
// the bundle is an unfinished one, and Resume clears it.
func TestInterruptedArtifactWrite(t *testing.T) {
	dir := interrupted(t)
	mustWrite(t, filepath.Join(dir, transcript.ArtifactsDir, ".whole-root.pem-123"), []byte("half"))
	rep, err := verify(t, dir)
	if rep.Verdict != transcript.Incomplete || !strings.Contains(err.Error(), "ceremony resume removes it") {
		t.Fatalf("verdict %s (%v), want incomplete naming the leftover", rep.Verdict, err)
	}
	w, _, err := transcript.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, transcript.ArtifactsDir, ".whole-root.pem-123")); !os.IsNotExist(err) {
		t.Fatalf("the leftover is still there: %v", err)
	}
}
