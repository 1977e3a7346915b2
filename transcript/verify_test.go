package transcript_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ceremony-dev/ceremony/transcript"
)

// buildBundle records a small complete ceremony: an act with an answer and
// an artifact, an act-end checkpoint, an end and the final checkpoint.
func buildBundle(t testing.TB, h transcript.Header, opts ...transcript.Option) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	opts = append([]transcript.Option{transcript.WithClock(fixedClock()), transcript.WithRand(seed(1))}, opts...)
	w, err := transcript.Create(dir, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	steps := []func() error{
		func() error {
			_, err := w.Append("step.begin", "1.1", "CA", map[string]string{"text": "Record the HSM bag number."})
			return err
		},
		func() error {
			_, err := w.Append("prompt.answer", "1.1", "CA", map[string]string{"value": "AB12345678"})
			return err
		},
		func() error {
			_, err := w.AddArtifact("root.pem", []byte("-----BEGIN CERTIFICATE-----\n"), "1.2", "CA")
			return err
		},
		func() error { _, err := w.Checkpoint(); return err },
		func() error { _, err := w.Append("step.end", "2.1", "IW", nil); return err },
		func() error { _, err := w.Append(transcript.TypeEnd, "", "CA", nil); return err },
		func() error { _, err := w.Checkpoint(); return err },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func transcriptPath(dir string) string { return filepath.Join(dir, transcript.TranscriptFile) }

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func splitLines(b []byte) [][]byte {
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

func verify(t testing.TB, path string) (*transcript.Report, error) {
	t.Helper()
	rep, err := transcript.Verify(path, transcript.VerifyOptions{})
	if rep == nil {
		t.Fatalf("Verify could not run: %v", err)
	}
	if (err == nil) != (rep.Verdict == transcript.Complete) || rep.Err != err {
		t.Fatalf("Verify returned %v with verdict %s and report error %v", err, rep.Verdict, rep.Err)
	}
	return rep, err
}

func TestVerifyComplete(t *testing.T) {
	h := testHeader()
	dir := buildBundle(t, h)
	for _, path := range []string{dir, transcriptPath(dir)} {
		rep, err := verify(t, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		lines := splitLines(mustRead(t, transcriptPath(dir)))
		last := lines[len(lines)-1]
		if rep.Events != 8 || rep.Checkpoints != 2 || !rep.Ended || rep.ID != h.ID || rep.Name != h.Name ||
			rep.Head != hexSum(last[:len(last)-1]) || len(rep.SessionKeys) != 1 || rep.Bundle != (path == dir) {
			t.Errorf("%s: report %+v", path, rep)
		}
		if len(rep.Artifacts) != 1 || rep.Artifacts[0].Name != "root.pem" || rep.Artifacts[0].Line != 4 {
			t.Errorf("%s: artifacts %+v", path, rep.Artifacts)
		}
		f := rep.Final
		if f == nil || len(f.Signers) != 1 || !f.Signers[0].Session {
			t.Fatalf("%s: final checkpoint %+v", path, f)
		}
		// The checkpoint file covers the final checkpoint event too; a lone
		// transcript's last checkpoint covers the events before it.
		if want := map[bool]uint64{true: 8, false: 7}[path == dir]; f.Count != want {
			t.Errorf("%s: final checkpoint covers %d events, want %d", path, f.Count, want)
		}
	}
}

// Every single-byte change anywhere in the transcript of a complete bundle
// must be caught. Lines before the last are held by the next line's prev;
// the last line by the checkpoint file.
func TestVerifyDetectsEverySingleByteChange(t *testing.T) {
	dir := buildBundle(t, testHeader())
	path := transcriptPath(dir)
	orig := mustRead(t, path)
	// By default every single-bit flip, a newline and a quote at every
	// offset; CEREMONY_EXHAUSTIVE=1 tries all 255 other values (minutes).
	var values []byte
	if os.Getenv("CEREMONY_EXHAUSTIVE") != "" {
		for v := range 256 {
			values = append(values, byte(v))
		}
	} else {
		values = []byte{'\n', '"'}
	}
	checked := 0
	for i := range orig {
		bits := 8
		if raceEnabled || testing.Short() {
			bits = 1
		}
		flips := make([]byte, 0, 8+len(values))
		for bit := range bits {
			flips = append(flips, orig[i]^1<<bit)
		}
		for _, v := range append(flips, values...) {
			if orig[i] == v {
				continue
			}
			b := bytes.Clone(orig)
			b[i] = v
			mustWrite(t, path, b)
			rep, _ := verify(t, dir)
			if rep.Verdict == transcript.Complete {
				t.Fatalf("byte %d changed from %q to %q: verdict complete", i, orig[i], v)
			}
			checked++
		}
	}
	t.Logf("%d changed transcripts rejected", checked)
}

func TestVerifyDetectsLineEdits(t *testing.T) {
	dir := buildBundle(t, testHeader())
	path := transcriptPath(dir)
	orig := mustRead(t, path)
	lines := splitLines(orig)
	foreign := splitLines(mustRead(t, transcriptPath(buildBundle(t, transcript.Header{ID: "other", Script: []byte("x")}))))
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	type edit struct {
		name string
		b    []byte
	}
	var edits []edit
	for i := range lines {
		rest := lines[i+1:]
		head := lines[:i]
		edits = append(edits,
			edit{"delete", join(append(append([][]byte{}, head...), rest...)...)},
			edit{"duplicate", join(append(append(append([][]byte{}, lines[:i+1]...), lines[i]), rest...)...)},
			edit{"insert foreign", join(append(append(append([][]byte{}, head...), foreign[min(i, len(foreign)-1)]), lines[i:]...)...)},
			edit{"replace by foreign", join(append(append(append([][]byte{}, head...), foreign[min(i, len(foreign)-1)]), rest...)...)},
		)
		if i+1 < len(lines) {
			sw := append([][]byte{}, lines...)
			sw[i], sw[i+1] = sw[i+1], sw[i]
			edits = append(edits, edit{"swap with next", join(sw...)})
		}
		for _, e := range edits {
			mustWrite(t, path, e.b)
			rep, err := verify(t, dir)
			if rep.Verdict != transcript.Invalid {
				t.Errorf("line %d %s: verdict %s (%v), want invalid", i+1, e.name, rep.Verdict, err)
			}
		}
		edits = edits[:0]
	}
	// Appending a line after the final checkpoint is caught too.
	mustWrite(t, path, join(orig, lines[1]))
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Invalid {
		t.Errorf("line appended after the end: verdict %s", rep.Verdict)
	}
}

// Truncation is never complete: a lone transcript is a torn or incomplete
// prefix; a bundle's checkpoint file also says events are missing.
func TestVerifyTruncation(t *testing.T) {
	dir := buildBundle(t, testHeader())
	path := transcriptPath(dir)
	orig := mustRead(t, path)
	lone := filepath.Join(t.TempDir(), "transcript.jsonl")
	for n := range len(orig) {
		mustWrite(t, path, orig[:n])
		mustWrite(t, lone, orig[:n])
		rep, err := verify(t, lone)
		torn := n > 0 && orig[n-1] != '\n'
		switch {
		case bytes.Count(orig[:n], []byte("\n")) <= 1:
			// Nothing after ceremony.begin is never a valid prefix.
			if rep.Verdict != transcript.Invalid {
				t.Fatalf("lone transcript cut at %d, before its second line: verdict %s (%v), want invalid", n, rep.Verdict, err)
			}
		case torn && rep.Verdict != transcript.Torn:
			t.Fatalf("lone transcript cut at %d mid-line: verdict %s (%v), want torn", n, rep.Verdict, err)
		case !torn && rep.Verdict != transcript.Incomplete:
			t.Fatalf("lone transcript cut at %d on a line end: verdict %s (%v), want incomplete", n, rep.Verdict, err)
		}
		rep, err = verify(t, dir)
		var trunc *transcript.TruncatedError
		if rep.Verdict != transcript.Invalid || !errors.As(err, &trunc) {
			t.Fatalf("bundle with transcript cut at %d: verdict %s (%v), want invalid (truncated)", n, rep.Verdict, err)
		}
	}
}

func TestVerifyTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, dir string)
		check func(t *testing.T, err error)
	}{
		{"changed prev", func(t *testing.T, dir string) {
			lines := splitLines(mustRead(t, transcriptPath(dir)))
			i := bytes.Index(lines[2], []byte(`"prev":"`)) + len(`"prev":"`)
			replaceInLine(t, dir, 2, string(lines[2][i-8:i+1]), `"prev":"`+string("10"[lines[2][i]&1]), 1)
		}, func(t *testing.T, err error) {
			var e *transcript.ChainError
			if !errors.As(err, &e) || e.Line != 3 {
				t.Fatalf("%v, want ChainError on line 3", err)
			}
		}},
		{"changed seq", func(t *testing.T, dir string) {
			replaceInLine(t, dir, 2, `"seq":2`, `"seq":3`, 1)
		}, func(t *testing.T, err error) {
			var e *transcript.SeqError
			if !errors.As(err, &e) || e.Line != 3 || e.Want != 2 || e.Got != 3 {
				t.Fatalf("%v, want SeqError{Line:3 Want:2 Got:3}", err)
			}
		}},
		{"changed script", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, transcript.ScriptFile), []byte("-- another script\n"))
		}, func(t *testing.T, err error) {
			var e *transcript.FileError
			if !errors.As(err, &e) || e.Name != transcript.ScriptFile || e.Line != 1 {
				t.Fatalf("%v, want FileError for script.lua", err)
			}
		}},
		{"changed config", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, transcript.ConfigFile), []byte("# other\n"))
		}, func(t *testing.T, err error) {
			var e *transcript.FileError
			if !errors.As(err, &e) || e.Name != transcript.ConfigFile {
				t.Fatalf("%v, want FileError for config.toml", err)
			}
		}},
		{"changed artifact", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "artifacts", "root.pem"), []byte("-----BEGIN CERTIFICATE-----\r\n"))
		}, func(t *testing.T, err error) {
			var e *transcript.FileError
			if !errors.As(err, &e) || e.Name != "artifacts/root.pem" || e.Line != 4 || e.Want == e.Got {
				t.Fatalf("%v, want FileError for artifacts/root.pem on line 4", err)
			}
		}},
		{"missing artifact", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "artifacts", "root.pem"))
		}, func(t *testing.T, err error) {
			var e *transcript.FileError
			if !errors.As(err, &e) || !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%v, want FileError wrapping ErrNotExist", err)
			}
		}},
		{"unrecorded artifact", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "artifacts", "extra.pem"), []byte("x"))
		}, func(t *testing.T, err error) {
			var e *transcript.FileError
			if !errors.As(err, &e) || e.Name != "artifacts/extra.pem" || e.Line != 0 {
				t.Fatalf("%v, want FileError for the unrecorded artifacts/extra.pem", err)
			}
		}},
		{"checkpoint file of another ceremony", func(t *testing.T, dir string) {
			other := buildBundle(t, transcript.Header{ID: "other"})
			mustWrite(t, filepath.Join(dir, transcript.CheckpointFile), mustRead(t, filepath.Join(other, transcript.CheckpointFile)))
		}, func(t *testing.T, err error) {
			var e *transcript.ForeignError
			if !errors.As(err, &e) || e.Got != "ceremony/other" || e.Want != "ceremony/test-2026" {
				t.Fatalf("%v, want ForeignError", err)
			}
		}},
		{"checkpoint file of a ceremony with the same id", func(t *testing.T, dir string) {
			other := buildBundle(t, testHeader(), transcript.WithRand(seed(2)))
			mustWrite(t, filepath.Join(dir, transcript.CheckpointFile), mustRead(t, filepath.Join(other, transcript.CheckpointFile)))
		}, func(t *testing.T, err error) {
			var e *transcript.CheckpointError
			if !errors.As(err, &e) || e.Line != 0 {
				t.Fatalf("%v, want CheckpointError for the checkpoint file", err)
			}
		}},
		{"checkpoint signed by an unknown key", func(t *testing.T, dir string) {
			path := filepath.Join(dir, transcript.CheckpointFile)
			text, _, _ := bytes.Cut(mustRead(t, path), []byte("\n\n"))
			skey, _, _ := note.GenerateKey(seed(7), "ceremony/test-2026")
			s, _ := note.NewSigner(skey)
			msg, err := note.Sign(&note.Note{Text: string(text) + "\n"}, s)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, path, msg)
		}, func(t *testing.T, err error) {
			var e *transcript.CheckpointError
			if !errors.As(err, &e) || !strings.Contains(err.Error(), "no session key") {
				t.Fatalf("%v, want CheckpointError: signed by no session key", err)
			}
		}},
		{"missing checkpoint file", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, transcript.CheckpointFile))
		}, func(t *testing.T, err error) {
			// A finished ceremony's missing file is not an unfinished
			// ceremony: it is reported as exactly what it is.
			var e *transcript.FileError
			if !errors.As(err, &e) || e.Name != transcript.CheckpointFile || !strings.Contains(err.Error(), "final checkpoint") {
				t.Fatalf("%v, want the FileError of the missing checkpoint file", err)
			}
		}},
		{"non-canonical last line", func(t *testing.T, dir string) {
			replaceInLine(t, dir, 7, `"data":{`, `"data": {`, 1)
		}, func(t *testing.T, err error) {
			var e *transcript.EncodingError
			if !errors.As(err, &e) || e.Line != 8 {
				t.Fatalf("%v, want EncodingError on line 8", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := buildBundle(t, testHeader())
			tc.edit(t, dir)
			rep, err := verify(t, dir)
			if rep.Verdict == transcript.Complete {
				t.Fatal("verdict complete")
			}
			tc.check(t, err)
			if rep.Problem != err.Error() || rep.Line != lineOfErr(err) {
				t.Errorf("report problem %q line %d; error %v", rep.Problem, rep.Line, err)
			}
		})
	}
}

func lineOfErr(err error) uint64 {
	var (
		c *transcript.ChainError
		s *transcript.SeqError
		e *transcript.EncodingError
		f *transcript.FileError
		k *transcript.CheckpointError
	)
	switch {
	case errors.As(err, &c):
		return c.Line
	case errors.As(err, &s):
		return s.Line
	case errors.As(err, &e):
		return e.Line
	case errors.As(err, &f):
		return f.Line
	case errors.As(err, &k):
		return k.Line
	}
	return 0
}

// replaceInLine edits line i (from 0) of a bundle's transcript.
func replaceInLine(t *testing.T, dir string, i int, old, new string, n int) {
	t.Helper()
	path := transcriptPath(dir)
	lines := splitLines(mustRead(t, path))
	if !bytes.Contains(lines[i], []byte(old)) {
		t.Fatalf("line %d has no %q: %s", i+1, old, lines[i])
	}
	lines[i] = bytes.Replace(lines[i], []byte(old), []byte(new), n)
	mustWrite(t, path, bytes.Join(lines, nil))
}

// A line can be edited and the chain re-hashed by anyone; what they cannot
// do is re-sign the checkpoints. This builds such a forgery: every line is
// canonical and chained, only the signatures give it away.
func TestVerifyRejectsRechainedForgery(t *testing.T) {
	dir := buildBundle(t, testHeader())
	path := transcriptPath(dir)
	lines := splitLines(mustRead(t, path))
	lines[2] = bytes.Replace(lines[2], []byte("AB12345678"), []byte("ZZ12345678"), 1)
	prev := sha256.Sum256(bytes.TrimSuffix(lines[2], []byte("\n")))
	for i := 3; i < len(lines); i++ {
		j := bytes.Index(lines[i], []byte(`"prev":"`)) + len(`"prev":"`)
		copy(lines[i][j:], hex.EncodeToString(prev[:]))
		prev = sha256.Sum256(bytes.TrimSuffix(lines[i], []byte("\n")))
	}
	mustWrite(t, path, bytes.Join(lines, nil))
	_, err := verify(t, transcriptPath(dir))
	var e *transcript.CheckpointError
	if !errors.As(err, &e) || e.Line != 5 {
		t.Fatalf("%v, want CheckpointError on line 5", err)
	}
}

func TestVerifyRehearsal(t *testing.T) {
	h := testHeader()
	h.Rehearsal = true
	dir := buildBundle(t, h)
	rep, err := verify(t, dir)
	if err != nil || !rep.Rehearsal {
		t.Fatalf("rehearsal bundle: %v, rehearsal=%v", err, rep.Rehearsal)
	}
	// Removing the mark from one line is not a way to pass a rehearsal off
	// as real, even with the chain fixed up: here the last line.
	replaceInLine(t, dir, 7, `{"rehearsal":true,`, `{`, 1)
	if rep, _ := verify(t, transcriptPath(dir)); rep.Verdict != transcript.Invalid {
		t.Fatalf("unmarked last line: verdict %s", rep.Verdict)
	}
}

func TestVerifyCouldNotRun(t *testing.T) {
	rep, err := transcript.Verify(filepath.Join(t.TempDir(), "missing"), transcript.VerifyOptions{})
	if rep != nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing path: %v, %v", rep, err)
	}
}

func TestVerifyLineTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	mustWrite(t, path, append(bytes.Repeat([]byte("x"), transcript.MaxLine), '\n'))
	_, err := verify(t, path)
	var e *transcript.EncodingError
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("%v, want EncodingError for a long line", err)
	}
}

func TestVerifyCosigners(t *testing.T) {
	skey, vkey, _ := note.GenerateKey(seed(5), "witness-iw")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	dir := filepath.Join(t.TempDir(), "b")
	w, err := transcript.Create(dir, testHeader(), transcript.WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	w.Append(transcript.TypeEnd, "", "CA", nil)
	if _, err := w.Checkpoint(signer); err != nil {
		t.Fatal(err)
	}
	w.Close()
	rep, err := verify(t, dir)
	if err != nil || len(rep.Final.Unverified) != 1 || rep.Final.Unverified[0].Name != "witness-iw" {
		t.Fatalf("without the witness key: %v, %+v", err, rep.Final)
	}
	rep, err = transcript.Verify(dir, transcript.VerifyOptions{Cosigners: []note.Verifier{verifier}})
	if err != nil || len(rep.Final.Signers) != 2 || rep.Final.Signers[1].Name != "witness-iw" || len(rep.Final.Unverified) != 0 {
		t.Fatalf("with the witness key: %v, %+v", err, rep.Final)
	}
}

// Lines of every size up to the bound verify, among many short ones: the
// verifier reads in batches and must not lose a line at their edges.
func TestVerifyLongAndManyLines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := transcript.Create(dir, testHeader(), transcript.WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		size := i % 7
		if i%1000 == 999 {
			size = transcript.MaxLine - 400 // near the bound, with the envelope
		}
		if _, err := w.Append("step.note", "1", "CA", map[string]string{"text": strings.Repeat("x", size)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Append("step.note", "1", "CA", map[string]string{"text": strings.Repeat("x", transcript.MaxLine)}); err == nil {
		t.Fatal("a line over the bound was written")
	}
	w.Append(transcript.TypeEnd, "", "CA", nil)
	w.Checkpoint()
	w.Close()
	rep, err := verify(t, dir)
	if err != nil || rep.Events != 3003 {
		t.Fatalf("%v after %d events", err, rep.Events)
	}
}
