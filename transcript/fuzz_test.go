package transcript_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/ceremony-dev/ceremony/transcript"
)

// FuzzVerify feeds arbitrary transcripts and checkpoint files to the
// verifier inside an otherwise genuine bundle. It must never panic, never
// call a changed bundle complete, and its report must agree with its error
// and with ReadEvents.
func FuzzVerify(f *testing.F) {
	dir := buildBundle(f, testHeader())
	orig := mustRead(f, transcriptPath(dir))
	cp := mustRead(f, filepath.Join(dir, transcript.CheckpointFile))
	cpText := cp[:bytes.Index(cp, []byte("\n\n"))+2]
	f.Add(orig, cp)
	f.Add(orig[:len(orig)/2], cp)
	f.Add(orig[:len(orig)-1], []byte{})
	f.Fuzz(func(t *testing.T, tr, cpFile []byte) {
		// Inputs run one at a time in a worker, so one bundle serves all.
		bundle := dir
		mustWrite(t, transcriptPath(bundle), tr)
		mustWrite(t, filepath.Join(bundle, transcript.CheckpointFile), cpFile)
		rep, err := transcript.Verify(bundle, transcript.VerifyOptions{})
		if rep == nil {
			t.Fatalf("could not run: %v", err)
		}
		if (err == nil) != (rep.Verdict == transcript.Complete) {
			t.Fatalf("verdict %s with error %v", rep.Verdict, err)
		}
		// Signature lines may be added (cosigning) or repeated; the text
		// and the transcript may not change.
		if rep.Verdict == transcript.Complete && (string(tr) != string(orig) || !bytes.HasPrefix(cpFile, cpText)) {
			t.Fatalf("a changed bundle verified as complete")
		}
		if rep.Verdict == transcript.Invalid && rep.Line > rep.Events+1 {
			t.Fatalf("first bad line %d after %d valid events", rep.Line, rep.Events)
		}
		var n uint64
		for _, err := range transcript.ReadEvents(bundle) {
			if err != nil {
				break
			}
			n++
		}
		if n < rep.Events {
			t.Fatalf("ReadEvents read %d events, Verify validated %d", n, rep.Events)
		}
	})
}
