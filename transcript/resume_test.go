package transcript_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ceremony-dev/ceremony/transcript"
)

// interrupted records the start of a ceremony and "crashes": the writer is
// closed without ceremony.end, as a killed process leaves it.
func interrupted(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := transcript.Create(dir, testHeader(), transcript.WithClock(fixedClock()), transcript.WithRand(seed(1)))
	if err != nil {
		t.Fatal(err)
	}
	w.Append("step.begin", "1.1", "CA", nil)
	w.Checkpoint()
	w.Append("prompt.answer", "1.1", "CA", map[string]string{"value": "AB12345678"})
	w.Close()
	return dir
}

func finish(t *testing.T, w *transcript.Writer) {
	t.Helper()
	if _, err := w.Append(transcript.TypeEnd, "", "CA", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestResumeAfterCrash(t *testing.T) {
	dir := interrupted(t)
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Incomplete {
		t.Fatalf("interrupted bundle: verdict %s", rep.Verdict)
	}
	w, events, err := transcript.Resume(dir, transcript.WithClock(fixedClock()), transcript.WithRand(seed(3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 || events[2].Type != transcript.TypeCheckpoint || events[3].Type != "prompt.answer" {
		t.Fatalf("replayed events: %+v", events)
	}
	finish(t, w)
	rep, err := verify(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.SessionKeys) != 2 || rep.SessionKeys[1].Line != 5 || rep.SessionKeys[0].Key == rep.SessionKeys[1].Key {
		t.Fatalf("session keys %+v", rep.SessionKeys)
	}
	if len(rep.Final.Signers) != 1 || !rep.Final.Signers[0].Session {
		t.Fatalf("final checkpoint signers %+v", rep.Final.Signers)
	}
}

func TestResumeCutsTornLine(t *testing.T) {
	dir := interrupted(t)
	path := transcriptPath(dir)
	before := mustRead(t, path)
	torn := []byte(`{"seq":4,"time":"2026-04-01T09:00:`)
	mustWrite(t, path, append(bytes.Clone(before), torn...))
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Torn || rep.Torn.Offset != int64(len(before)) {
		t.Fatalf("torn bundle: verdict %s, %+v", rep.Verdict, rep.Torn)
	}
	w, events, err := transcript.Resume(dir, transcript.WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 {
		t.Fatalf("%d events replayed, want 4", len(events))
	}
	finish(t, w)
	if _, err := verify(t, dir); err != nil {
		t.Fatal(err)
	}
	after := mustRead(t, path)
	if !bytes.HasPrefix(after, before) {
		t.Fatal("resume changed the valid prefix")
	}
	var resume struct {
		Type string
		Data struct {
			Torn struct {
				Offset int64
				Size   int
				SHA256 string
			}
		}
	}
	json.Unmarshal(splitLines(after)[4], &resume)
	if resume.Type != transcript.TypeResume || resume.Data.Torn.Offset != int64(len(before)) ||
		resume.Data.Torn.Size != len(torn) || resume.Data.Torn.SHA256 != hexSum(torn) {
		t.Fatalf("resume event does not record the cut: %s", splitLines(after)[4])
	}
}

func TestResumeRecordsOrphanArtifact(t *testing.T) {
	dir := interrupted(t)
	// A crash between writing an artifact and recording it.
	mustWrite(t, filepath.Join(dir, "artifacts", "ksk.pub"), []byte("key"))
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Invalid {
		t.Fatalf("verdict %s; an unrecorded artifact must not pass", rep.Verdict)
	}
	w, _, err := transcript.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	finish(t, w)
	rep, err := verify(t, dir)
	if err != nil || len(rep.Artifacts) != 1 || rep.Artifacts[0].Name != "ksk.pub" || rep.Artifacts[0].SHA256 != hexSum([]byte("key")) {
		t.Fatalf("%v; artifacts %+v", err, rep.Artifacts)
	}
}

func TestResumeAfterEndBeforeFinalCheckpoint(t *testing.T) {
	dir := interrupted(t)
	w, _, err := transcript.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Append(transcript.TypeEnd, "", "CA", nil)
	w.Close()
	if rep, _ := verify(t, dir); rep.Verdict != transcript.Incomplete {
		t.Fatalf("ended without checkpoint: verdict %s", rep.Verdict)
	}
	w, _, err = transcript.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append("step.begin", "9", "CA", nil); !errors.Is(err, transcript.ErrEnded) {
		t.Fatalf("append after a resumed end: %v", err)
	}
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := verify(t, dir); err != nil {
		t.Fatal(err)
	}
}

func TestResumeRefuses(t *testing.T) {
	complete := buildBundle(t, testHeader())
	if _, _, err := transcript.Resume(complete); !errors.Is(err, transcript.ErrEnded) {
		t.Errorf("complete bundle: %v, want ErrEnded", err)
	}
	broken := interrupted(t)
	replaceInLine(t, broken, 1, `"step":"1.1"`, `"step":"1.2"`, 1)
	var chain *transcript.ChainError
	if _, _, err := transcript.Resume(broken); !errors.As(err, &chain) {
		t.Errorf("tampered bundle: %v, want ChainError", err)
	}
	if _, _, err := transcript.Resume(transcriptPath(complete)); err == nil {
		t.Error("resuming a lone transcript file succeeded")
	}
	if _, _, err := transcript.Resume(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing bundle: %v", err)
	}
}
