package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/transcript"
)

// interrupter stops the run once the transcript holds a given number of
// events, as a power cut would between two of them.
type interrupter struct {
	*auto.Auto
	at     uint64
	cancel context.CancelFunc
}

func (i *interrupter) Progress(s room.Status) {
	if s.Events >= i.at {
		i.cancel()
	}
}

func TestResumeAfterInterruption(t *testing.T) {
	full := newRehearsal(t)
	if err := full.start(context.Background(), &auto.Auto{}); err != nil {
		t.Fatal(err)
	}
	total := full.verify().Events
	// Points spread over the whole ceremony: inside the first act, in the
	// middle of each split, in share entry, around key generation and
	// signing, and in the sign-off.
	for _, at := range []uint64{9, 22, 36, 43, 53, 61, total - 5} {
		t.Run("", func(t *testing.T) {
			h := newRehearsal(t)
			auto := &auto.Auto{SheetFile: filepath.Join(t.TempDir(), "sheets.json")}
			ctx, cancel := context.WithCancel(context.Background())
			err := h.start(ctx, &interrupter{Auto: auto, at: at, cancel: cancel})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted at %d: %v", at, err)
			}
			if rep := h.verify(); rep.Verdict == transcript.Invalid {
				t.Fatalf("after interruption at %d: %v", at, rep.Err)
			}
			if err := h.resume(context.Background(), auto); err != nil {
				t.Fatalf("resume after %d: %v", at, err)
			}
			rep := h.verify()
			if rep.Verdict != transcript.Complete {
				t.Fatalf("resumed bundle: %s: %v", rep.Verdict, rep.Err)
			}
			checkStepsOnce(t, h)
		})
	}
}

// checkStepsOnce checks that every step of the plan ended exactly once, in
// order: none lost, none done twice.
func checkStepsOnce(t *testing.T, h *rehearsal) {
	t.Helper()
	var want []string
	for _, a := range h.script().Plan().Acts {
		for _, s := range a.Steps {
			want = append(want, s.Number)
		}
	}
	var got []string
	for e, err := range transcript.ReadEvents(filepath.Join(h.bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "step.end" {
			got = append(got, e.Step)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps ended: %v, want %v", got, want)
	}
}

func TestResumeRefusesAnotherScript(t *testing.T) {
	h := newRehearsal(t)
	ctx, cancel := context.WithCancel(context.Background())
	h.start(ctx, &interrupter{Auto: &auto.Auto{}, at: 10, cancel: cancel})
	// The same ceremony with its first two steps swapped.
	h.src = bytes.Replace(h.src, []byte("run = function() clock {} end"), []byte("run = function() machine {} end"), 1)
	err := h.resume(context.Background(), &auto.Auto{})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("does not follow the script")) {
		t.Fatalf("resume with a changed script: %v", err)
	}
}

func TestNoSecretInBundle(t *testing.T) {
	h := newRehearsal(t)
	auto := &auto.Auto{}
	if err := h.start(context.Background(), auto); err != nil {
		t.Fatal(err)
	}
	var needles [][]byte
	for _, s := range h.logins {
		// The secret, raw and in hex; a PIN is the hex cut to the token's
		// length, so its first 16 digits are looked for on their own.
		needles = append(needles, s, []byte(hexOf(s)[:16]))
	}
	sheets := auto.Sheets()
	if len(sheets) == 0 || len(h.logins) == 0 {
		t.Fatal("the rehearsal showed no sheet or logged in with no secret: the test would prove nothing")
	}
	for _, words := range sheets {
		// Any run of four consecutive share words would give part of a share away.
		for i := 0; i+4 <= len(words); i++ {
			needles = append(needles, []byte(join(words[i:i+4])))
		}
	}
	for _, dir := range []string{h.bundle, h.tokenDir} {
		filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lower := bytes.ToLower(b)
			for _, n := range needles {
				if bytes.Contains(lower, bytes.ToLower(n)) {
					t.Errorf("%s contains a secret or share words", path)
				}
			}
			return nil
		})
	}
}

func TestOutOfBandMismatchHaltsTheStep(t *testing.T) {
	h := newRehearsal(t)
	if err := h.start(context.Background(), &auto.Auto{Misread: 1}); err != nil {
		t.Fatal(err)
	}
	var seq []string
	for e, err := range transcript.ReadEvents(filepath.Join(h.bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Step == "3.3" {
			seq = append(seq, e.Type)
		}
		if e.Type == "exception" && e.Step == "3.3" {
			var d map[string]string
			json.Unmarshal(e.Data, &d)
			if d["decision"] != "retry" || d["raised"] != "failure" || d["happened"] == "" {
				t.Errorf("exception recorded: %v", d)
			}
		}
	}
	want := []string{"step.begin", "oob.mismatch", "exception", "step.begin", "oob.confirmed", "step.end"}
	if join(seq) != join(want) {
		t.Fatalf("step 3.3 recorded %v, want %v", seq, want)
	}
	if rep := h.verify(); rep.Verdict != transcript.Complete {
		t.Fatal(rep.Err)
	}
}
