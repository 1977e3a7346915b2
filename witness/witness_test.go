package witness_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/witness"
)

type seed byte

func (s seed) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s) * byte(i+1)
	}
	return len(p), nil
}

func bundle(t *testing.T, complete bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := transcript.Create(dir, transcript.Header{ID: "ksk-2026", Script: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Append("step.begin", "1", "CA", nil)
	if complete {
		w.Append(transcript.TypeEnd, "", "CA", nil)
	}
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// keys makes witness keys and a roster naming them.
func keys(t *testing.T, ids ...string) (paths []string, roster *witness.Roster) {
	t.Helper()
	dir := t.TempDir()
	var text strings.Builder
	text.WriteString("# witnesses of the KSK ceremony\n\n")
	for i, id := range ids {
		path := filepath.Join(dir, id+".key")
		vkey, err := witness.GenerateKey(seed(i+1), "witness/"+id, path)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
		text.WriteString(id + " " + vkey + "\n")
	}
	ro, err := witness.ParseRoster(strings.NewReader(text.String()))
	if err != nil {
		t.Fatal(err)
	}
	return paths, ro
}

func cosign(t *testing.T, dir, keyPath string) *transcript.Report {
	t.Helper()
	s, err := witness.LoadSigner(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := witness.Cosign(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestCosignAndQuorum(t *testing.T) {
	dir := bundle(t, true)
	paths, ro := keys(t, "alice", "bob", "carol")
	before, _ := os.ReadFile(filepath.Join(dir, transcript.CheckpointFile))
	cosign(t, dir, paths[0])
	rep := cosign(t, dir, paths[2])
	if rep.Verdict != transcript.Complete || len(rep.Final.Unverified) != 2 {
		t.Fatalf("after cosigning: %s, final %+v", rep.Verdict, rep.Final)
	}
	after, _ := os.ReadFile(filepath.Join(dir, transcript.CheckpointFile))
	if !bytes.HasPrefix(after, before) || bytes.Count(after, []byte("\n— ")) != 3 {
		t.Fatalf("cosigning must add lines after the session signature:\n%s", after)
	}

	for _, tc := range []struct {
		quorum  int
		wantErr bool
	}{{1, false}, {2, false}, {3, true}} {
		rep, res, err := witness.Check(dir, ro, tc.quorum)
		if strings.Join(res.Cosigned, ",") != "alice,carol" || strings.Join(res.Missing, ",") != "bob" {
			t.Fatalf("quorum %d: cosigned %v, missing %v", tc.quorum, res.Cosigned, res.Missing)
		}
		var qe *witness.QuorumError
		if got := errors.As(err, &qe); got != tc.wantErr || (err != nil && !got) {
			t.Fatalf("quorum %d: %v", tc.quorum, err)
		}
		if rep.Verdict != transcript.Complete || len(rep.Final.Signers) != 3 {
			t.Fatalf("quorum %d: %s, signers %+v", tc.quorum, rep.Verdict, rep.Final.Signers)
		}
	}

	// Cosigning again with the same key changes nothing.
	cosign(t, dir, paths[0])
	again, _ := os.ReadFile(filepath.Join(dir, transcript.CheckpointFile))
	if !bytes.Equal(again, after) {
		t.Fatalf("a second cosignature by alice changed the file:\n%s", again)
	}
}

func TestCorruptCosignatureIsInvalid(t *testing.T) {
	dir := bundle(t, true)
	paths, ro := keys(t, "alice")
	cosign(t, dir, paths[0])
	path := filepath.Join(dir, transcript.CheckpointFile)
	b, _ := os.ReadFile(path)
	i := bytes.LastIndex(b, []byte("\n")) - 5
	b[i] ^= 1
	os.WriteFile(path, b, 0o644)
	rep, _, err := witness.Check(dir, ro, 1)
	var ce *transcript.CheckpointError
	if rep.Verdict != transcript.Invalid || !errors.As(err, &ce) {
		t.Fatalf("corrupt cosignature: %s, %v", rep.Verdict, err)
	}
}

func TestCosignRefusesIncomplete(t *testing.T) {
	dir := bundle(t, false)
	paths, _ := keys(t, "alice")
	s, err := witness.LoadSigner(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := witness.Cosign(dir, s); !errors.Is(err, witness.ErrNotComplete) {
		t.Fatalf("cosigning an incomplete bundle: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alice.key")
	if _, err := witness.GenerateKey(seed(1), "witness/alice", path); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := witness.GenerateKey(seed(2), "witness/alice", path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("overwrote a key file: %v", err)
	}
	good, _ := os.ReadFile(path)
	for name, content := range map[string]string{
		"empty":        "",
		"public key":   strings.TrimPrefix(string(good), "PRIVATE+KEY+"),
		"wrong hash":   strings.Replace(string(good), "+KEY+witness/alice+", "+KEY+witness/alicf+", 1),
		"not base64":   string(good[:len(good)-5]) + "!!!!\n",
		"missing part": "PRIVATE+KEY+x+00000000\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := witness.LoadSigner(p); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestParseRosterRejects(t *testing.T) {
	_, vkey := func() (string, string) {
		p := filepath.Join(t.TempDir(), "k")
		v, _ := witness.GenerateKey(seed(3), "witness/x", p)
		return p, v
	}()
	for name, text := range map[string]string{
		"one field":    "alice\n",
		"bad key":      "alice notakey\n",
		"duplicate id": "alice " + vkey + "\nalice " + vkey + "\n",
		"shared key":   "alice " + vkey + "\nbob " + vkey + "\n",
	} {
		if _, err := witness.ParseRoster(strings.NewReader(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Keys from the real random source, whose base64 often holds '+', load and
// sign what the note package then verifies.
func TestRandomKeysLoad(t *testing.T) {
	dir := t.TempDir()
	for i := range 64 {
		path := filepath.Join(dir, strconv.Itoa(i))
		vkey, err := witness.GenerateKey(rand.Reader, "witness/w"+strconv.Itoa(i), path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := witness.LoadSigner(path)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: "text\n"}, s)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
}
