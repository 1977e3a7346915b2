package transcript_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// handCheck returns the shell loop README.md gives under "Checking a
// transcript by hand", exactly as printed there.
func handCheck(t *testing.T) string {
	t.Helper()
	readme := string(mustRead(t, filepath.Join("..", "README.md")))
	_, section, ok := strings.Cut(readme, "\n## Checking a transcript by hand\n")
	if !ok {
		t.Fatal(`README.md has no section "Checking a transcript by hand"`)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("the section has no ```sh block")
	}
	loop, _, ok := strings.Cut(block, "```\n")
	if !ok {
		t.Fatal("the ```sh block is not closed")
	}
	return loop
}

// TestReadmeHandCheck runs the README's jq/sha256sum loop on a genuine
// bundle and on tampered ones: the loop an auditor copies must say intact
// exactly when the chain is.
func TestReadmeHandCheck(t *testing.T) {
	for _, tool := range []string{"bash", "jq", "sha256sum", "sed", "tr", "cut"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("\n\n*** SKIPPING the README hand-check test: %s is not installed (apt-get install jq coreutils; CI installs it) ***\n\n", tool)
		}
	}
	loop := handCheck(t)
	run := func(dir string) (string, error) {
		cmd := exec.Command("bash", "-c", loop)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

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
