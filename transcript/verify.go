package transcript

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"
	"golang.org/x/mod/sumdb/note"
)

// Verdict is Verify's answer.
type Verdict string

const (
	// Complete: a valid transcript that reached ceremony.end and a final
	// checkpoint covering every event.
	Complete Verdict = "complete"
	// Incomplete: a valid prefix that never reached its final checkpoint,
	// as a crash or an unfinished ceremony leaves it.
	Incomplete Verdict = "incomplete"
	// Torn: a valid prefix followed by a last line without a newline.
	Torn Verdict = "torn"
	// Invalid: something is wrong; Report.Err names the first bad line.
	Invalid Verdict = "invalid"
)

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// Cosigners are the note verifier keys of parties expected to cosign
	// checkpoints (witnesses, an HSM key). Their signatures are checked;
	// signatures by keys in neither this list nor the transcript are
	// reported as unverified.
	Cosigners []note.Verifier

	// allowUnrecorded lets Resume find artifact files a crash left
	// without their event, instead of calling the bundle invalid.
	allowUnrecorded bool
}

// Report is what Verify found.
type Report struct {
	Verdict Verdict `json:"verdict"`
	Err     error   `json:"-"`
	Problem string  `json:"problem,omitempty"` // Err's message
	Line    uint64  `json:"line,omitempty"`    // the first bad line, when one is to blame

	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Version   string `json:"version,omitempty"`
	Rehearsal bool   `json:"rehearsal"`
	// Bundle is true when the bundle's files were checked along with the
	// transcript (Verify was given a directory).
	Bundle bool `json:"bundle"`

	Events uint64 `json:"events"` // valid events read
	// Types counts the valid events by type.
	Types       map[string]uint64 `json:"types"`
	Head        string            `json:"head"`  // hex SHA-256 of the last valid line
	Ended       bool              `json:"ended"` // ceremony.end was recorded
	Checkpoints int               `json:"checkpoints"`
	SessionKeys []SessionKey      `json:"session_keys"`
	Final       *CheckpointInfo   `json:"final_checkpoint,omitempty"`
	Artifacts   []Artifact        `json:"artifacts"`
	Torn        *TornError        `json:"torn,omitempty"`
	// Unrecorded lists artifact files no event records (Resume only).
	Unrecorded []string `json:"-"`
	// finalUnfiled: the transcript ends with its final checkpoint, and the
	// checkpoint file does not carry it (a crash before it was replaced).
	finalUnfiled bool
}

// SessionKey is a session public key announced in the transcript: the
// first in ceremony.begin, one more per resume.
type SessionKey struct {
	Line uint64 `json:"line"`
	Key  string `json:"key"` // note verifier key
}

// CheckpointInfo describes the checkpoint that covers the most events: the
// bundle's checkpoint file, or for a lone transcript its last checkpoint
// event.
type CheckpointInfo struct {
	Line       uint64   `json:"line,omitempty"` // 0 for the checkpoint file
	Count      uint64   `json:"count"`
	Head       string   `json:"head"`
	Signers    []Signer `json:"signers"`
	Unverified []Signer `json:"unverified,omitempty"`
	Note       string   `json:"note"`
}

// Signer is one signature on a checkpoint note.
type Signer struct {
	Name    string `json:"name"`
	KeyHash string `json:"key_hash"` // 8 hex digits, as in a note verifier key
	Session bool   `json:"session,omitempty"`
}

// Artifact is an artifact recorded in the transcript.
type Artifact struct {
	Line   uint64 `json:"line"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Verify checks a bundle directory, or a lone transcript.jsonl, reading the
// transcript once in constant memory (a few batches of lines, each at most
// MaxLine long), hashing one batch while it checks the one before.
//
// It returns a nil Report only when it could not run (an unreadable path);
// otherwise the Report holds the verdict and, unless it is Complete, the
// same error as the one returned: one of the types in this package, such as
// *ChainError, *TornError or *IncompleteError.
func Verify(path string, opts VerifyOptions) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	v := &verifier{opts: opts, rep: &Report{SessionKeys: []SessionKey{}, Artifacts: []Artifact{}}, listed: map[string]map[string]bool{}}
	if fi.IsDir() {
		v.dir = path
		v.rep.Bundle = true
		path = filepath.Join(path, TranscriptFile)
		if err := v.readCheckpointFile(); err != nil {
			return nil, err
		}
	}
	f, err := durable.OpenStrict(path)
	if err != nil {
		return nil, &FileError{Name: filepath.Base(path), Err: err}
	}
	defer f.Close()
	if err := v.run(f); err != nil {
		return nil, err
	}
	rep := v.rep
	rep.Head = hex.EncodeToString(v.prev[:])
	rep.Verdict = classify(rep.Err)
	if rep.Err != nil {
		rep.Problem = rep.Err.Error()
		rep.Line = errLine(rep.Err)
	}
	return rep, rep.Err
}

type verifier struct {
	opts VerifyOptions
	dir  string // bundle directory; "" for a lone transcript
	rep  *Report

	origin         string
	keys           []note.Verifier // session keys announced so far
	seq            uint64
	prev           [32]byte
	prevHex        [64]byte
	prevTime       [len(timeLayout)]byte
	lastCheckpoint bool            // the last valid line is a checkpoint
	finalSigned    bool            // a checkpoint follows ceremony.end
	lastNote       string          // the note of the last checkpoint event
	recorded       map[string]bool // artifact names
	// listed holds, for each directory of the bundle, the names of the
	// files the transcript accounts for.
	listed map[string]map[string]bool
	// leftover is a temporary file an interrupted checkpoint replacement
	// left in the bundle.
	leftover string

	file      *fileCheckpoint
	cosigners []note.Verifier
}

// fileCheckpoint is the bundle's checkpoint file, parsed before the
// transcript is read and checked when the stream reaches its count.
type fileCheckpoint struct {
	raw    []byte
	origin string
	count  uint64
	head   string
	err    error // a malformed file, reported once the origin is known
}

func (v *verifier) readCheckpointFile() error {
	f, err := durable.OpenStrict(filepath.Join(v.dir, CheckpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &FileError{Name: CheckpointFile, Err: err}
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return err
	}
	fc := &fileCheckpoint{raw: raw}
	v.file = fc
	text, _, ok := bytes.Cut(raw, []byte("\n\n"))
	lines := strings.Split(string(text), "\n")
	if !ok || len(lines) < 3 {
		fc.err = &CheckpointError{Reason: "is not a signed note of origin, count and head"}
		return nil
	}
	fc.origin, fc.head = lines[0], lines[2]
	if fc.count, err = strconv.ParseUint(lines[1], 10, 64); err != nil || fc.count == 0 {
		fc.err = &CheckpointError{Reason: fmt.Sprintf("count %q is not a positive number", lines[1])}
	}
	return nil
}

func (v *verifier) run(f *os.File) error {
	stop := make(chan struct{})
	defer close(stop)
	full, free := hashedLines(f, stop)
	var offset int64
	for b := range full {
		start := 0
		for i, end := range b.ends {
			line := b.buf[start : end-1]
			if err := v.line(v.seq+1, line, &b.sums[i]); err != nil {
				v.rep.Err = err
				return nil
			}
			offset += int64(end - start)
			start = end
		}
		if b.last {
			n := v.seq + 1
			switch {
			case errors.Is(b.err, errLineTooLong):
				v.rep.Err = &EncodingError{Line: n, Reason: b.err.Error()}
				return nil
			case b.err != nil:
				return b.err
			case b.torn > 0:
				v.rep.Torn = &TornError{Line: n, Offset: offset, Size: b.torn}
			}
			break
		}
		free <- b
	}
	v.rep.Err = v.finish()
	return nil
}

// line checks line n, whose SHA-256 is sum.
func (v *verifier) line(n uint64, line []byte, sum *[32]byte) error {
	hex.Encode(v.prevHex[:], v.prev[:])
	ev, err := parseLine(line, v.prevHex[:])
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return &EncodingError{Line: n, Offset: se.off + 1, Reason: se.reason}
		}
		return &EncodingError{Line: n, Reason: err.Error()}
	}
	if ev.seq != v.seq {
		return &SeqError{Line: n, Want: v.seq, Got: ev.seq}
	}
	if !bytes.Equal(ev.prev, v.prevHex[:]) {
		return &ChainError{Line: n, Want: string(v.prevHex[:]), Got: string(ev.prev)}
	}
	if n > 1 {
		if bytes.Compare(ev.time, v.prevTime[:]) < 0 {
			return &TimeError{Line: n, Prev: string(v.prevTime[:]), Got: string(ev.time)}
		}
		if ev.rehearsal != v.rep.Rehearsal {
			return &StructureError{Line: n, Reason: "rehearsal mark differs from the first line's"}
		}
	}
	if v.rep.Ended && string(ev.typ) != TypeCheckpoint && string(ev.typ) != TypeResume {
		return &StructureError{Line: n, Reason: fmt.Sprintf("%s event after ceremony.end", ev.typ)}
	}
	// A resume may follow ceremony.end only to sign the final checkpoint a
	// crash left unsigned: once it is signed, the ceremony is over, and a
	// new session key there could sign anything.
	if v.finalSigned && string(ev.typ) == TypeResume {
		return &StructureError{Line: n, Reason: "resume after the ceremony's final checkpoint"}
	}
	if (n == 1) != (string(ev.typ) == TypeBegin) {
		return &StructureError{Line: n, Reason: "ceremony.begin must be the first event and only the first"}
	}
	switch string(ev.typ) {
	case TypeBegin:
		err = v.begin(n, &ev)
	case TypeCheckpoint:
		err = v.checkpoint(n, &ev)
	case TypeResume:
		err = v.resume(n, &ev)
	case TypeArtifact:
		err = v.artifact(n, &ev)
	case TypeEnd:
		v.rep.Ended = true
	}
	if err != nil {
		return err
	}
	v.lastCheckpoint = string(ev.typ) == TypeCheckpoint
	v.finalSigned = v.finalSigned || v.rep.Ended && v.lastCheckpoint
	v.prev = *sum
	copy(v.prevTime[:], ev.time)
	v.seq++
	v.rep.Events = v.seq
	if v.rep.Types == nil {
		v.rep.Types = map[string]uint64{}
	}
	v.rep.Types[string(ev.typ)]++
	if v.file != nil && v.file.err == nil && v.file.count == v.seq {
		return v.checkFile(n)
	}
	return nil
}

func (v *verifier) begin(n uint64, ev *rawEvent) error {
	var b beginData
	if err := json.Unmarshal(ev.data, &b); err != nil {
		return &StructureError{Line: n, Reason: "ceremony.begin data: " + err.Error()}
	}
	if err := exactKeys(n, ev.data, beginKeys); err != nil {
		return err
	}
	if b.Format != Format {
		return &StructureError{Line: n, Reason: fmt.Sprintf("format %q is not %q", b.Format, Format)}
	}
	if !validID(b.ID) {
		return &StructureError{Line: n, Reason: fmt.Sprintf("ceremony id %q is not valid", b.ID)}
	}
	v.rep.ID, v.rep.Name, v.rep.Version, v.rep.Rehearsal = b.ID, b.Name, b.Version, ev.rehearsal
	v.origin = Origin(b.ID)
	if err := v.addKey(n, b.SessionKey); err != nil {
		return err
	}
	if v.file != nil && v.file.err == nil && v.file.origin != v.origin {
		return &ForeignError{Want: v.origin, Got: v.file.origin}
	}
	if v.file != nil && v.file.err != nil {
		return v.file.err
	}
	for _, c := range v.opts.Cosigners {
		if c.Name() != v.origin {
			v.cosigners = append(v.cosigners, c)
		}
	}
	if v.dir == "" {
		return nil
	}
	for _, f := range []struct{ name, want string }{{ScriptFile, b.ScriptSHA256}, {ConfigFile, b.ConfigSHA256}} {
		if err := v.checkFileHash(n, f.name, f.want, -1); err != nil {
			return err
		}
	}
	if err := v.recordedFiles(n, ModulesDir, b.Modules); err != nil {
		return err
	}
	return v.recordedFiles(n, InputsDir, b.Inputs)
}

// recordedFiles checks the files ceremony.begin records in dir (modules,
// inputs) against their hashes.
func (v *verifier) recordedFiles(n uint64, dir string, want map[string]string) error {
	names := map[string]bool{}
	for name, sum := range want {
		if !validArtifactName(name) {
			return &StructureError{Line: n, Reason: fmt.Sprintf("%s name %q is not valid", dir, name)}
		}
		if err := v.checkFileHash(n, dir+"/"+name, sum, -1); err != nil {
			return err
		}
		names[name] = true
	}
	if len(names) > 0 {
		v.listed[dir] = names
	}
	return nil
}

func (v *verifier) addKey(n uint64, vkey string) error {
	k, err := note.NewVerifier(vkey)
	if err != nil {
		return &StructureError{Line: n, Reason: fmt.Sprintf("session key %q: %v", vkey, err)}
	}
	if k.Name() != v.origin {
		return &ForeignError{Line: n, Want: v.origin, Got: k.Name()}
	}
	for _, have := range v.keys {
		if have.KeyHash() == k.KeyHash() {
			return &StructureError{Line: n, Reason: "session key announced twice"}
		}
	}
	v.keys = append(v.keys, k)
	v.rep.SessionKeys = append(v.rep.SessionKeys, SessionKey{Line: n, Key: vkey})
	return nil
}

// exactData decodes a package-written event's data into dst and checks
// that it holds nothing else.
// exactKeys refuses ceremony.begin data whose keys differ in case from the
// ones the package writes: Go's JSON matches keys regardless of case, a
// hand check with jq does not, and both must read the same record.
func exactKeys(n uint64, data []byte, own []string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return &StructureError{Line: n, Reason: "ceremony.begin data: " + err.Error()}
	}
	for k := range m {
		for _, o := range own {
			if k != o && strings.EqualFold(k, o) {
				return &StructureError{Line: n, Reason: fmt.Sprintf("ceremony.begin data has key %q where %q belongs", k, o)}
			}
		}
	}
	for _, o := range own[:7] {
		if _, ok := m[o]; !ok {
			return &StructureError{Line: n, Reason: fmt.Sprintf("ceremony.begin data has no %q", o)}
		}
	}
	return nil
}

func exactData(n uint64, ev *rawEvent, dst any) error {
	if err := json.Unmarshal(ev.data, dst); err != nil {
		return &StructureError{Line: n, Reason: fmt.Sprintf("%s data: %v", ev.typ, err)}
	}
	again, err := encodeData(dst)
	if err != nil || !bytes.Equal(again, ev.data) {
		return &StructureError{Line: n, Reason: fmt.Sprintf("%s data has fields other than the package writes", ev.typ)}
	}
	return nil
}

func (v *verifier) checkpoint(n uint64, ev *rawEvent) error {
	var cp checkpointData
	if err := exactData(n, ev, &cp); err != nil {
		return err
	}
	if cp.Count != v.seq || cp.Head != string(ev.prev) {
		return &CheckpointError{Line: n, Reason: fmt.Sprintf("claims %d events ending in %s; it follows %d ending in %s", cp.Count, cp.Head, v.seq, ev.prev)}
	}
	info, err := v.openNote(n, []byte(cp.Note), cp.Count, v.prev)
	if err != nil {
		return err
	}
	v.rep.Checkpoints++
	v.lastNote = cp.Note
	if v.dir == "" {
		v.rep.Final = info
	}
	return nil
}

// openNote verifies a checkpoint note covering count events whose last
// line hashes to head: its text must be exactly what the writer signs, and
// a session key announced before it must have signed it.
func (v *verifier) openNote(line uint64, msg []byte, count uint64, head [32]byte) (*CheckpointInfo, error) {
	want := checkpointText(v.origin, count, head, v.rep.Rehearsal)
	text, _, _ := bytes.Cut(msg, []byte("\n\n"))
	if got, _, _ := bytes.Cut(text, []byte("\n")); string(got) != v.origin {
		return nil, &ForeignError{Line: line, Want: v.origin, Got: string(got)}
	}
	if string(text)+"\n" != want {
		return nil, &CheckpointError{Line: line, Reason: fmt.Sprintf("text %q is not %q", text, want)}
	}
	known := note.VerifierList(append(append([]note.Verifier{}, v.keys...), v.cosigners...)...)
	nt, err := note.Open(msg, known)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return nil, &CheckpointError{Line: line, Reason: "is signed by no session key of this ceremony"}
		}
		return nil, &CheckpointError{Line: line, Reason: "signature does not verify", Err: err}
	}
	info := &CheckpointInfo{Line: line, Count: count, Head: hex.EncodeToString(head[:]), Note: string(msg), Signers: []Signer{}}
	session := false
	for _, s := range nt.Sigs {
		isSession := s.Name == v.origin
		session = session || isSession
		info.Signers = append(info.Signers, Signer{Name: s.Name, KeyHash: fmt.Sprintf("%08x", s.Hash), Session: isSession})
	}
	for _, s := range nt.UnverifiedSigs {
		info.Unverified = append(info.Unverified, Signer{Name: s.Name, KeyHash: fmt.Sprintf("%08x", s.Hash)})
	}
	if !session {
		return nil, &CheckpointError{Line: line, Reason: "is signed by no session key of this ceremony"}
	}
	return info, nil
}

// resumeData is the data of a resume event.
type resumeData struct {
	SessionKey string    `json:"session_key"`
	Torn       *tornData `json:"torn,omitempty"`
}

// tornData records the line a crash left without its newline, which
// Resume cut from the file.
type tornData struct {
	Offset int64  `json:"offset"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

func (v *verifier) resume(n uint64, ev *rawEvent) error {
	var r resumeData
	if err := exactData(n, ev, &r); err != nil {
		return err
	}
	return v.addKey(n, r.SessionKey)
}

func (v *verifier) artifact(n uint64, ev *rawEvent) error {
	var a artifactData
	if err := exactData(n, ev, &a); err != nil {
		return err
	}
	if !validArtifactName(a.Name) || len(a.SHA256) != 64 || !isHash([]byte(a.SHA256)) || a.Size < 0 {
		return &StructureError{Line: n, Reason: "artifact event with a malformed name, hash or size"}
	}
	if v.recorded == nil {
		v.recorded = map[string]bool{}
	}
	if v.recorded[a.Name] {
		return &StructureError{Line: n, Reason: fmt.Sprintf("artifact %s recorded twice", a.Name)}
	}
	v.recorded[a.Name] = true
	v.rep.Artifacts = append(v.rep.Artifacts, Artifact{Line: n, Name: a.Name, SHA256: a.SHA256, Size: a.Size})
	if v.dir == "" {
		return nil
	}
	return v.checkFileHash(n, ArtifactsDir+"/"+a.Name, a.SHA256, a.Size)
}

// checkFileHash compares a bundle file with its record; size < 0 means the
// record has no size.
func (v *verifier) checkFileHash(n uint64, name, want string, size int64) error {
	f, err := durable.OpenStrict(filepath.Join(v.dir, filepath.FromSlash(name)))
	if err != nil {
		return &FileError{Name: name, Line: n, Err: err}
	}
	defer f.Close()
	h := sha256.New()
	got, err := io.Copy(h, f)
	if err != nil {
		return &FileError{Name: name, Line: n, Err: err}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sum != want || (size >= 0 && got != size) {
		return &FileError{Name: name, Line: n, Want: want, Got: sum}
	}
	return nil
}

func (v *verifier) checkFile(n uint64) error {
	if v.file.head != hex.EncodeToString(v.prev[:]) {
		return &CheckpointError{Reason: fmt.Sprintf("head %s is not the hash of line %d", v.file.head, n)}
	}
	info, err := v.openNote(0, v.file.raw, v.file.count, v.prev)
	if err != nil {
		return err
	}
	v.rep.Final = info
	return nil
}

// finish decides the verdict once the stream has ended without an invalid
// line.
func (v *verifier) finish() error {
	rep := v.rep
	if v.file != nil && v.file.count > rep.Events {
		return &TruncatedError{Covered: v.file.count, Have: rep.Events}
	}
	// A transcript with nothing after ceremony.begin proves nothing; only
	// Resume takes it up, after a crash before the first step.
	if rep.Events == 0 || rep.Events == 1 && !v.opts.allowUnrecorded {
		return &StructureError{Line: rep.Events + 1, Reason: "the transcript holds no event after ceremony.begin"}
	}
	if v.dir != "" {
		v.listed[ArtifactsDir] = v.recorded
		if err := v.checkListing(v.listed); err != nil {
			return err
		}
	}
	switch {
	case rep.Torn != nil:
		return rep.Torn
	case v.leftover != "" && !v.opts.allowUnrecorded:
		return &IncompleteError{Events: rep.Events, Reason: v.leftover + " was left by a crash while a file was written; ceremony resume removes it"}
	case !rep.Ended:
		return &IncompleteError{Events: rep.Events, Reason: "no ceremony.end"}
	case !v.lastCheckpoint:
		return &IncompleteError{Events: rep.Events, Reason: "no checkpoint after ceremony.end"}
	case v.dir != "" && v.file == nil:
		rep.finalUnfiled = true
		return &FileError{Name: CheckpointFile, Err: errFinalMissing}
	case v.dir != "" && v.file.count == rep.Events-1 && v.finalSigned && v.lastCheckpoint && sameText(v.file.raw, v.lastNote):
		// The checkpoint file Resume restored from the final checkpoint
		// line, after a crash before the file was replaced: it carries the
		// same signed text, and the line it leaves out is that checkpoint.
	case v.dir != "" && v.file.count < rep.Events:
		rep.finalUnfiled = v.finalSigned && v.lastCheckpoint
		return &IncompleteError{Events: rep.Events, Reason: fmt.Sprintf("%s covers only %d events", CheckpointFile, v.file.count)}
	}
	return nil
}

// sameText reports whether a signed note file carries the text of note.
func sameText(file []byte, note string) bool {
	a, _, _ := bytes.Cut(file, []byte("\n\n"))
	b, _, _ := strings.Cut(note, "\n\n")
	return string(a) == b
}

// errFinalMissing is a finished ceremony's bundle without its checkpoint
// file: the transcript ends with its final checkpoint, and the file that
// carries the witnesses' cosignatures is gone.
var errFinalMissing = errors.New("is missing, though the transcript ends with its final checkpoint: the witnesses' cosignatures were in it")

func classify(err error) Verdict {
	var torn *TornError
	var inc *IncompleteError
	switch {
	case err == nil:
		return Complete
	case errors.As(err, &torn):
		return Torn
	case errors.As(err, &inc):
		return Incomplete
	}
	return Invalid
}
