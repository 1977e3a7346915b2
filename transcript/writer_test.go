package transcript_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ceremony-dev/ceremony/transcript"
)

// fixedClock returns a clock that starts at a fixed instant and advances by
// one second per call, so tests and goldens are reproducible.
func fixedClock() func() time.Time {
	t := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// seed is a deterministic stand-in for crypto/rand.
type seed byte

func (s seed) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s) + byte(i)
	}
	return len(p), nil
}

func testHeader() transcript.Header {
	return transcript.Header{
		ID: "test-2026", Name: "Test ceremony", Version: "1",
		Script: []byte("-- script\n"), Config: []byte("# config\n"),
		Data: map[string]any{"binary_sha256": strings.Repeat("ab", 32)},
	}
}

func create(t *testing.T, h transcript.Header) (*transcript.Writer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := transcript.Create(dir, h, transcript.WithClock(fixedClock()), transcript.WithRand(seed(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, dir
}

// readLines returns the transcript's lines without their newlines and
// checks, independently of the package, that each prev is the SHA-256 of
// the line before.
func readLines(t *testing.T, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, transcript.TranscriptFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("transcript does not end with a newline")
	}
	lines := bytes.Split(b[:len(b)-1], []byte("\n"))
	prev := strings.Repeat("0", 64)
	for i, l := range lines {
		var e transcript.Event
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if e.Seq != uint64(i) || e.Prev != prev {
			t.Fatalf("line %d: seq %d prev %s, want seq %d prev %s", i+1, e.Seq, e.Prev, i, prev)
		}
		sum := sha256.Sum256(l)
		prev = hex.EncodeToString(sum[:])
	}
	return lines
}

func TestCreateWritesBundle(t *testing.T) {
	h := testHeader()
	w, dir := create(t, h)
	for name, want := range map[string][]byte{transcript.ScriptFile: h.Script, transcript.ConfigFile: h.Config} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, transcript.ArtifactsDir)); err != nil || !fi.IsDir() {
		t.Errorf("artifacts directory missing: %v", err)
	}
	n, head := w.Head()
	lines := readLines(t, dir)
	if n != 1 || len(lines) != 1 || head != sha256.Sum256(lines[0]) {
		t.Fatalf("Head() = %d, %x; transcript has %d lines", n, head, len(lines))
	}
	var begin struct {
		Type string
		Data map[string]string
	}
	if err := json.Unmarshal(lines[0], &begin); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"format": transcript.Format, "id": h.ID, "name": h.Name, "version": h.Version,
		"script_sha256": hexSum(h.Script), "config_sha256": hexSum(h.Config),
		"binary_sha256": strings.Repeat("ab", 32),
	}
	for k, v := range want {
		if begin.Data[k] != v {
			t.Errorf("ceremony.begin %s = %q, want %q", k, begin.Data[k], v)
		}
	}
	if begin.Type != transcript.TypeBegin || !strings.HasPrefix(begin.Data["session_key"], "ceremony/test-2026+") {
		t.Errorf("first event: type %q, session key %q", begin.Type, begin.Data["session_key"])
	}
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestCreateNeverOverwrites(t *testing.T) {
	dir := t.TempDir() // exists already
	marker := filepath.Join(dir, "keep")
	if err := os.WriteFile(marker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := transcript.Create(dir, testHeader())
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create on an existing directory: %v, want fs.ErrExist", err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("existing directory was touched: %v", err)
	}
}

func TestCreateRejectsBadHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*transcript.Header)
	}{
		{"empty id", func(h *transcript.Header) { h.ID = "" }},
		{"id with slash", func(h *transcript.Header) { h.ID = "a/b" }},
		{"id with space", func(h *transcript.Header) { h.ID = "a b" }},
		{"data overriding session key", func(h *transcript.Header) { h.Data = map[string]any{"session_key": "x"} }},
		{"data overriding script hash", func(h *transcript.Header) { h.Data = map[string]any{"script_sha256": "x"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := testHeader()
			tc.edit(&h)
			dir := filepath.Join(t.TempDir(), "bundle")
			if _, err := transcript.Create(dir, h); err == nil {
				t.Fatal("Create accepted the header")
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused Create left %s behind", dir)
			}
		})
	}
}

func TestAppendEncodesCanonically(t *testing.T) {
	w, dir := create(t, testHeader())
	data := map[string]any{"z": 1, "a": []any{"x\n\"y\"", 2.5, nil, true}, "m": map[string]int{"b": 2, "a": 1}, "u": "é<>&\u2028"}
	e, err := w.Append("prompt.answer", "2.1", "CA", data)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, dir)
	want := `{"seq":1,"time":"2026-04-01T09:00:02.000000000Z","prev":"` + hexSum(lines[0]) +
		`","type":"prompt.answer","step":"2.1","actor":"CA","data":{"a":["x\n\"y\"",2.5,null,true],"m":{"a":1,"b":2},"u":"é<>&` + "\u2028" + `","z":1}}`
	if string(lines[1]) != want {
		t.Fatalf("line 2:\n got %s\nwant %s", lines[1], want)
	}
	if e.Seq != 1 || e.Type != "prompt.answer" || string(e.Data) != `{"a":["x\n\"y\"",2.5,null,true],"m":{"a":1,"b":2},"u":"é<>&`+"\u2028"+`","z":1}` {
		t.Errorf("returned event %+v", e)
	}
}

func TestAppendRefuses(t *testing.T) {
	w, _ := create(t, testHeader())
	for _, tc := range []struct {
		typ  string
		data any
	}{
		{transcript.TypeBegin, nil},
		{transcript.TypeCheckpoint, nil},
		{transcript.TypeArtifact, nil},
		{transcript.TypeResume, nil},
		{"", nil},
		{"Step.Begin", nil},
		{"step begin", nil},
		{"step.begin", "not an object"},
		{"step.begin", []int{1}},
		{"step.begin", func() {}},
	} {
		if _, err := w.Append(tc.typ, "", "", tc.data); err == nil {
			t.Errorf("Append(%q, %v) succeeded", tc.typ, tc.data)
		}
	}
	if n, _ := w.Head(); n != 1 {
		t.Errorf("refused appends wrote events: %d", n)
	}
}

func TestAppendAfterEnd(t *testing.T) {
	w, _ := create(t, testHeader())
	if _, err := w.Append(transcript.TypeEnd, "", "CA", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append("step.begin", "1", "CA", nil); !errors.Is(err, transcript.ErrEnded) {
		t.Fatalf("append after end: %v, want ErrEnded", err)
	}
	if _, err := w.AddArtifact("late.txt", nil, "", ""); !errors.Is(err, transcript.ErrEnded) {
		t.Fatalf("artifact after end: %v, want ErrEnded", err)
	}
	if _, err := w.Checkpoint(); err != nil {
		t.Fatalf("checkpoint after end: %v", err)
	}
}

func TestTimeNeverGoesBackwards(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC),                  // begin
		time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC),                   // clock stepped back
		time.Date(2026, 1, 1, 1, 0, 11, 0, time.FixedZone("x", 3600)), // same instant as 00:00:11 UTC,
	}
	i := 0
	clock := func() time.Time { i++; return times[i-1] }
	w, err := transcript.Create(filepath.Join(t.TempDir(), "b"), testHeader(), transcript.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	e1, _ := w.Append("a", "", "", nil)
	e2, _ := w.Append("b", "", "", nil)
	if !e1.Time.Equal(times[0]) || !e2.Time.Equal(times[2]) || e2.Time.Location() != time.UTC {
		t.Fatalf("times %v, %v", e1.Time, e2.Time)
	}
}

func TestAddArtifact(t *testing.T) {
	w, dir := create(t, testHeader())
	content := []byte("-----BEGIN CERTIFICATE-----\n")
	e, err := w.AddArtifact("root.pem", content, "3.1", "CA")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, transcript.ArtifactsDir, "root.pem"))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("artifact file: %q, %v", got, err)
	}
	want := `{"name":"root.pem","sha256":"` + hexSum(content) + `","size":28}`
	if e.Type != transcript.TypeArtifact || string(e.Data) != want {
		t.Fatalf("artifact event %s %s, want data %s", e.Type, e.Data, want)
	}
	if _, err := w.AddArtifact("root.pem", []byte("other"), "3.1", "CA"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second artifact of the same name: %v, want fs.ErrExist", err)
	}
	for _, bad := range []string{"", ".hidden", "../x", "a/b", "a b", "ü"} {
		if _, err := w.AddArtifact(bad, nil, "", ""); err == nil {
			t.Errorf("AddArtifact(%q) succeeded", bad)
		}
	}
	if n, _ := w.Head(); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

func TestCheckpointSignsNotes(t *testing.T) {
	w, dir := create(t, testHeader())
	w.Append("step.begin", "1", "CA", nil)
	skey, vkey, err := note.GenerateKey(seed(9), "witness-alice")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := note.NewSigner(skey)
	aliceV, _ := note.NewVerifier(vkey)
	e, err := w.Checkpoint(alice)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, dir)
	var begin struct {
		Data struct {
			SessionKey string `json:"session_key"`
		}
	}
	json.Unmarshal(lines[0], &begin)
	session, err := note.NewVerifier(begin.Data.SessionKey)
	if err != nil {
		t.Fatal(err)
	}
	verifiers := note.VerifierList(session, aliceV)

	var cp struct {
		Count      uint64
		Head, Note string
	}
	if err := json.Unmarshal(e.Data, &cp); err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(cp.Note), verifiers)
	if err != nil {
		t.Fatalf("checkpoint event note: %v", err)
	}
	wantText := "ceremony/test-2026\n2\n" + hexSum(lines[1]) + "\n"
	if n.Text != wantText || cp.Count != 2 || cp.Head != hexSum(lines[1]) || len(n.Sigs) != 2 {
		t.Fatalf("checkpoint event: count %d head %s text %q, %d signatures", cp.Count, cp.Head, n.Text, len(n.Sigs))
	}

	file, err := os.ReadFile(filepath.Join(dir, transcript.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	n, err = note.Open(file, verifiers)
	if err != nil {
		t.Fatalf("checkpoint file: %v", err)
	}
	count, head := w.Head()
	if want := "ceremony/test-2026\n3\n" + hex.EncodeToString(head[:]) + "\n"; n.Text != want || count != 3 || len(n.Sigs) != 2 {
		t.Fatalf("checkpoint file text %q, want %q (%d signatures)", n.Text, want, len(n.Sigs))
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".checkpoint-*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestRehearsalMarksEveryEvent(t *testing.T) {
	h := testHeader()
	h.Rehearsal = true
	w, dir := create(t, h)
	w.Append("step.begin", "1", "CA", nil)
	w.AddArtifact("a.txt", []byte("a"), "1", "CA")
	w.Checkpoint()
	for i, l := range readLines(t, dir) {
		if !bytes.HasPrefix(l, []byte(`{"rehearsal":true,"seq":`)) {
			t.Errorf("line %d is not marked as a rehearsal: %s", i+1, l)
		}
	}
	file, _ := os.ReadFile(filepath.Join(dir, transcript.CheckpointFile))
	if !bytes.Contains(file, []byte("\nrehearsal\n\n")) {
		t.Errorf("checkpoint note of a rehearsal lacks the rehearsal line:\n%s", file)
	}
}

func TestConcurrentAppends(t *testing.T) {
	w, dir := create(t, testHeader())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := w.Append("step.note", "", "CA", map[string]int{"g": g}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if lines := readLines(t, dir); len(lines) != 1+8*20 {
		t.Fatalf("%d lines, want %d", len(lines), 1+8*20)
	}
}

func TestClosedWriter(t *testing.T) {
	w, dir := create(t, testHeader())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w.Append("x", "", "", nil); !errors.Is(err, transcript.ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := w.Checkpoint(); !errors.Is(err, transcript.ErrClosed) {
		t.Fatalf("Checkpoint after Close: %v", err)
	}
	f, _ := os.Open(filepath.Join(dir, transcript.TranscriptFile))
	defer f.Close()
	if n := countLines(f); n != 1 {
		t.Fatalf("%d lines after close", n)
	}
}

func countLines(f *os.File) int {
	s := bufio.NewScanner(f)
	n := 0
	for s.Scan() {
		n++
	}
	return n
}
