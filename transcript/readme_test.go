package transcript_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/transcript"
)

// shellBlock returns the first ```sh block after the text after in the
// document doc (relative to the repository root), exactly as printed.
func shellBlock(t *testing.T, doc, after string) string {
	t.Helper()
	text := string(mustRead(t, filepath.Join("..", doc)))
	_, section, ok := strings.Cut(text, after)
	if !ok {
		t.Fatalf("%s has no %q", doc, after)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatalf("%s has no ```sh block after %q", doc, after)
	}
	code, _, ok := strings.Cut(block, "```\n")
	if !ok {
		t.Fatalf("%s: the ```sh block after %q is not closed", doc, after)
	}
	return code
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs it", tool)
			}
			t.Skipf("\n\n*** SKIPPING %s: %s is not installed (CI installs it) ***\n\n", t.Name(), tool)
		}
	}
}

func runIn(dir, code string) (string, error) {
	cmd := exec.Command("bash", "-c", code)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestReadmeHandCheck runs the README's jq/sha256sum loop on a genuine
// bundle and on tampered ones: the loop an auditor copies must say intact
// exactly when the chain is.
func TestReadmeHandCheck(t *testing.T) {
	needTools(t, "bash", "jq", "sha256sum", "sed", "tr", "cut")
	loop := shellBlock(t, "README.md", "\n## Checking a transcript by hand\n")
	run := func(dir string) (string, error) { return runIn(dir, loop) }

	dir := buildBundle(t, testHeader())
	rep, err := verify(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(dir)
	if want := fmt.Sprintf("chain intact: %d events, head %s\n", rep.Events, rep.Head); err != nil || out != want {
		t.Fatalf("genuine bundle: %v\n got %q\nwant %q", err, out, want)
	}

	orig := mustRead(t, transcriptPath(dir))
	lines := splitLines(orig)
	for _, tc := range []struct {
		name, want string
		edit       func() []byte
	}{
		{"changed answer", "line 4: chain broken\n", func() []byte {
			return bytes.Replace(orig, []byte("AB12345678"), []byte("AB12345679"), 1)
		}},
		{"deleted line", "line 3: chain broken\n", func() []byte {
			return bytes.Join(append(append([][]byte{}, lines[:2]...), lines[3:]...), nil)
		}},
		{"changed last line", "checkpoint does not cover the 8 events\n", func() []byte {
			return bytes.Replace(orig, []byte(`"actor":"","data":{"count":7`), []byte(`"actor":"X","data":{"count":7`), 1)
		}},
		{"truncated", "checkpoint does not cover the 7 events\n", func() []byte {
			return bytes.Join(lines[:7], nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.edit()
			if bytes.Equal(b, orig) {
				t.Fatal("the edit changed nothing")
			}
			mustWrite(t, transcriptPath(dir), b)
			defer mustWrite(t, transcriptPath(dir), orig)
			out, err := run(dir)
			if err == nil || out != tc.want {
				t.Fatalf("%v, output %q; want failure with %q", err, out, tc.want)
			}
		})
	}
}

// TestAuditingSignatureCheck runs the OpenSSL check of the checkpoint
// signature that docs/auditing.md gives, on a genuine bundle (also one
// resumed after a crash, whose checkpoint is signed by the second session
// key) and on tampered ones.
func TestAuditingSignatureCheck(t *testing.T) {
	needTools(t, "bash", "jq", "awk", "base64", "grep", "cut", "tail", "openssl")
	code := shellBlock(t, "docs/auditing.md", "With OpenSSL 3")
	const ok = "Signature Verified Successfully\n"

	dir := buildBundle(t, testHeader())
	if out, err := runIn(dir, code); err != nil || out != ok {
		t.Fatalf("genuine bundle: %v\n%s", err, out)
	}

	resumed := interrupted(t)
	w, _, err := transcript.Resume(resumed)
	if err != nil {
		t.Fatal(err)
	}
	finish(t, w)
	if out, err := runIn(resumed, code); err != nil || out != ok {
		t.Fatalf("resumed bundle: %v\n%s", err, out)
	}

	path := filepath.Join(dir, transcript.CheckpointFile)
	orig := mustRead(t, path)
	lines := strings.Split(string(orig), "\n")
	// Each edit changes one line of the checkpoint file.
	flip := func(s string, i int) string { return s[:i] + string("10"[s[i]&1]) + s[i+1:] }
	for name, edit := range map[string]struct {
		line   int
		change func(string) string
	}{
		"count":     {1, func(string) string { return "7" }},
		"head":      {2, func(s string) string { return flip(s, 0) }},
		"signature": {4, func(s string) string { return flip(s, 30) }},
	} {
		t.Run(name, func(t *testing.T) {
			l := append([]string{}, lines...)
			l[edit.line] = edit.change(l[edit.line])
			changed := strings.Join(l, "\n")
			if changed == string(orig) {
				t.Fatal("the edit changed nothing")
			}
			mustWrite(t, path, []byte(changed))
			defer mustWrite(t, path, orig)
			if out, err := runIn(dir, code); err == nil || strings.Contains(out, ok) {
				t.Fatalf("tampered %s verified: %s", name, out)
			}
		})
	}
}
