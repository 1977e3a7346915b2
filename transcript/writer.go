package transcript

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ceremony-dev/ceremony/durable"
	"golang.org/x/mod/sumdb/note"
)

// Names of the files in a bundle.
const (
	TranscriptFile = "transcript.jsonl"
	CheckpointFile = "checkpoint"
	ScriptFile     = "script.lua"
	ConfigFile     = "config.toml"
	ArtifactsDir   = "artifacts"
	ModulesDir     = "modules"
	InputsDir      = "inputs"
)

var (
	// ErrClosed is returned by a Writer used after Close or after a write
	// failed (the file's tail is then unknown; Resume repairs it).
	ErrClosed = errors.New("transcript writer is closed")
	// ErrEnded is returned when appending anything but a checkpoint after
	// ceremony.end, and by Resume on a bundle that is complete.
	ErrEnded = errors.New("ceremony has already ended")
)

// Header is what Create records in ceremony.begin.
type Header struct {
	ID      string // ceremony id; origin of checkpoints is "ceremony/<ID>"
	Name    string
	Version string
	Script  []byte // written to script.lua; SHA-256 recorded in ceremony.begin
	Config  []byte // written to config.toml; SHA-256 recorded in ceremony.begin
	// Modules are the files the script required, by plain file name
	// ("lib.lua"): written to modules/, each SHA-256 recorded in
	// ceremony.begin, so that the bundle alone can be resumed and audited.
	Modules map[string][]byte
	// Inputs are the ceremony's input files as read once at its start, by
	// the names the script declares: written to inputs/, each SHA-256
	// recorded in ceremony.begin. Every primitive uses these bytes.
	Inputs    map[string][]byte
	Rehearsal bool // every event of a rehearsal bundle is marked; Verify reports it
	// Data holds extra fields for ceremony.begin (binary hash, roster ...).
	// It may not use the keys the package writes itself.
	Data map[string]any
}

// Option configures Create and Resume.
type Option func(*config)

type config struct {
	clock func() time.Time
	rand  io.Reader
}

// WithClock sets the clock events are stamped with (tests and golden files
// use a fixed one). Times that would go backwards are held at the last
// event's time, so the transcript's times never decrease.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithRand sets where session key seeds come from. Only examples and tests
// should pass anything but the default, crypto/rand.
func WithRand(r io.Reader) Option { return func(c *config) { c.rand = r } }

func newConfig(opts []Option) config {
	c := config{clock: time.Now, rand: rand.Reader}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Writer appends events to a bundle's transcript. It is safe for
// concurrent use; each call returns once its line is on disk.
type Writer struct {
	mu        sync.Mutex
	dir       string
	f         *os.File
	origin    string
	rehearsal bool
	clock     func() time.Time
	key       *sessionKey
	seq       uint64   // events written so far, and the seq of the next one
	head      [32]byte // SHA-256 of the last line written
	last      time.Time
	ended     bool
	err       error // sticky: after a failed write only Resume can go on
	buf       []byte
	// sync makes a line durable; always datasync, except where a benchmark
	// generates a million-event transcript to read.
	sync func(*os.File) error
}

// beginData is the part of ceremony.begin the package owns.
type beginData struct {
	Format       string `json:"format"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	ScriptSHA256 string `json:"script_sha256"`
	ConfigSHA256 string `json:"config_sha256"`
	SessionKey   string `json:"session_key"`
	// Modules maps each module file to its SHA-256; Inputs each input.
	Modules map[string]string `json:"modules,omitempty"`
	Inputs  map[string]string `json:"inputs,omitempty"`
}

// beginKeys are the keys of ceremony.begin the package writes; the first
// seven are always there.
var beginKeys = []string{"format", "id", "name", "version", "script_sha256", "config_sha256", "session_key", "modules", "inputs"}

// Create makes the bundle directory dir, which must not exist, with
// script.lua, config.toml, artifacts/ and a transcript whose first event,
// ceremony.begin, records the hashes of both files and the public half of
// a fresh session key.
func Create(dir string, h Header, opts ...Option) (w *Writer, err error) {
	cfg := newConfig(opts)
	if !validID(h.ID) {
		return nil, fmt.Errorf("ceremony id %q: use letters, digits, '.', '_' or '-'", h.ID)
	}
	for _, k := range beginKeys {
		if _, ok := h.Data[k]; ok {
			return nil, fmt.Errorf("header data may not set %q: the transcript package records it", k)
		}
	}
	// The bundle is made under a hidden name beside it and takes its name
	// only once ceremony.begin is on disk: a kill or a full disk on the
	// way leaves no half-made bundle, only a hidden directory that the
	// next Create of that name removes.
	final := dir
	if _, err := os.Lstat(final); err == nil {
		return nil, fmt.Errorf("creating bundle: %w", &os.PathError{Op: "mkdir", Path: final, Err: os.ErrExist})
	}
	dir = filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".creating")
	os.RemoveAll(dir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating bundle: %w", err)
	}
	defer func() {
		if err != nil {
			if w != nil {
				w.Close()
			}
			os.RemoveAll(dir)
		}
	}()
	if err := durable.Create(filepath.Join(dir, ScriptFile), h.Script, 0o644); err != nil {
		return nil, err
	}
	if err := durable.Create(filepath.Join(dir, ConfigFile), h.Config, 0o644); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, ArtifactsDir), 0o755); err != nil {
		return nil, err
	}
	modules, err := writeFiles(filepath.Join(dir, ModulesDir), "module", h.Modules)
	if err != nil {
		return nil, err
	}
	inputs, err := writeFiles(filepath.Join(dir, InputsDir), "input", h.Inputs)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, TranscriptFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	origin := Origin(h.ID)
	key, err := newSessionKey(origin, cfg.rand)
	if err != nil {
		f.Close()
		return nil, err
	}
	w = &Writer{dir: dir, f: f, origin: origin, rehearsal: h.Rehearsal, clock: cfg.clock, key: key, sync: datasync}
	data := make(map[string]any, len(h.Data)+len(beginKeys))
	for k, v := range h.Data {
		data[k] = v
	}
	own, err := json.Marshal(beginData{
		Format: Format, ID: h.ID, Name: h.Name, Version: h.Version,
		ScriptSHA256: sha256Hex(h.Script), ConfigSHA256: sha256Hex(h.Config),
		SessionKey: key.vkey, Modules: modules, Inputs: inputs,
	})
	if err != nil {
		return nil, err
	}
	var ownFields map[string]json.RawMessage
	if err := json.Unmarshal(own, &ownFields); err != nil {
		return nil, err
	}
	for k, v := range ownFields {
		data[k] = v
	}
	raw, err := encodeData(data)
	if err != nil {
		return nil, fmt.Errorf("header data: %w", err)
	}
	w.mu.Lock()
	_, err = w.appendLocked(TypeBegin, "", "", raw)
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{filepath.Join(dir, ArtifactsDir), dir} {
		if err := durable.SyncDir(d); err != nil {
			return nil, err
		}
	}
	// Rename would replace an empty directory made meanwhile; the caller's
	// lock on the name keeps others out, and this check keeps out the rest.
	if _, err := os.Lstat(final); err == nil {
		return nil, fmt.Errorf("creating bundle: %w", &os.PathError{Op: "mkdir", Path: final, Err: os.ErrExist})
	}
	if err := os.Rename(dir, final); err != nil {
		return nil, fmt.Errorf("creating bundle: %w", err)
	}
	dir, w.dir = final, final
	if err := durable.SyncDir(filepath.Dir(final)); err != nil {
		return nil, err
	}
	// Reopened under the bundle's own name, so that a later write error
	// names the file the operator can find; the first descriptor, which
	// writes the same file, serves if that fails.
	if f, err := os.OpenFile(filepath.Join(final, TranscriptFile), os.O_WRONLY|os.O_APPEND, 0); err == nil {
		w.f.Close()
		w.f = f
	}
	return w, nil
}

// Append records one event. It returns once the line is on disk.
// After ceremony.end only checkpoints may follow.
func (w *Writer) Append(typ, step, actor string, data any) (Event, error) {
	if !validType([]byte(typ)) {
		return Event{}, fmt.Errorf("event type %q: use lowercase letters, digits, '.', '_' or '-'", typ)
	}
	switch typ {
	case TypeBegin, TypeCheckpoint, TypeArtifact, TypeResume:
		return Event{}, fmt.Errorf("event type %q is written by the transcript package itself", typ)
	}
	raw, err := encodeData(data)
	if err != nil {
		return Event{}, fmt.Errorf("%s event data: %w", typ, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return Event{}, ErrEnded
	}
	e, err := w.appendLocked(typ, step, actor, raw)
	if err == nil && typ == TypeEnd {
		w.ended = true
	}
	return e, err
}

// artifactData is the data of an artifact event.
type artifactData struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// AddArtifact writes content to artifacts/<name>, never replacing a file,
// and records its name, SHA-256 and size in an artifact event.
func (w *Writer) AddArtifact(name string, content []byte, step, actor string) (Event, error) {
	if !validArtifactName(name) {
		return Event{}, fmt.Errorf("artifact name %q: use letters, digits, '.', '_' or '-', not starting with '.'", name)
	}
	raw, err := encodeData(artifactData{Name: name, SHA256: sha256Hex(content), Size: int64(len(content))})
	if err != nil {
		return Event{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return Event{}, ErrEnded
	}
	if w.f == nil || w.err != nil {
		return Event{}, w.closedErr()
	}
	// Written whole under a temporary name, then linked: a full disk or a
	// crash never leaves a part-written artifact under its own name.
	if err := durable.CreateWhole(filepath.Join(w.dir, ArtifactsDir, name), content, 0o644); err != nil {
		return Event{}, fmt.Errorf("artifact: %w", err)
	}
	return w.appendLocked(TypeArtifact, step, actor, raw)
}

// checkpointData is the data of a checkpoint event: a signed note over the
// events before it, with its count and head repeated for shell tools.
type checkpointData struct {
	Count uint64 `json:"count"`
	Head  string `json:"head"`
	Note  string `json:"note"`
}

// Checkpoint signs the transcript so far with the session key and any
// cosigners (an HSM or YubiKey key, a witness) and records the signed note
// in a checkpoint event. It then signs again over every event including
// that one and replaces the bundle's checkpoint file with the result, so
// the file always covers the whole transcript as of the last checkpoint.
func (w *Writer) Checkpoint(cosigners ...note.Signer) (Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil || w.err != nil {
		return Event{}, w.closedErr()
	}
	signers := append([]note.Signer{w.key}, cosigners...)
	msg, err := note.Sign(&note.Note{Text: checkpointText(w.origin, w.seq, w.head, w.rehearsal)}, signers...)
	if err != nil {
		return Event{}, fmt.Errorf("signing checkpoint: %w", err)
	}
	raw, err := encodeData(checkpointData{Count: w.seq, Head: hex.EncodeToString(w.head[:]), Note: string(msg)})
	if err != nil {
		return Event{}, err
	}
	e, err := w.appendLocked(TypeCheckpoint, "", "", raw)
	if err != nil {
		return Event{}, err
	}
	msg, err = note.Sign(&note.Note{Text: checkpointText(w.origin, w.seq, w.head, w.rehearsal)}, signers...)
	if err != nil {
		return e, fmt.Errorf("signing checkpoint: %w", err)
	}
	if err := durable.Replace(filepath.Join(w.dir, CheckpointFile), msg, 0o644); err != nil {
		return e, fmt.Errorf("writing checkpoint: %w", err)
	}
	return e, nil
}

// Head returns the number of events written and the SHA-256 of the last
// line.
func (w *Writer) Head() (events uint64, head [32]byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq, w.head
}

// Close closes the transcript and forgets the session key.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	w.key.zero()
	return err
}

func (w *Writer) closedErr() error {
	if w.err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, w.err)
	}
	return ErrClosed
}

// appendLocked writes one line; w.mu is held and data is canonical.
func (w *Writer) appendLocked(typ, step, actor string, data json.RawMessage) (Event, error) {
	if w.f == nil || w.err != nil {
		return Event{}, w.closedErr()
	}
	now := w.clock().UTC().Round(0)
	if now.Before(w.last) {
		now = w.last
	}
	// The fixed-width time format holds years 0 to 9999 only; the rest of
	// the line is canonical by construction (FuzzParseLine holds the
	// encoder and the verifier to each other).
	if y := now.Year(); y < 0 || y > 9999 {
		return Event{}, fmt.Errorf("%s event: time %v is outside the years 0 to 9999", typ, now)
	}
	e := Event{
		Rehearsal: w.rehearsal, Seq: w.seq, Time: now, Prev: hex.EncodeToString(w.head[:]),
		Type: typ, Step: step, Actor: actor, Data: data,
	}
	line, err := appendLine(w.buf[:0], &e)
	if err != nil {
		return Event{}, fmt.Errorf("%s event: %w", typ, err)
	}
	if len(line)+1 > MaxLine {
		return Event{}, fmt.Errorf("%s event: line of %d bytes exceeds the limit of %d", typ, len(line)+1, MaxLine)
	}
	line = append(line, '\n')
	w.buf = line
	if _, err := w.f.Write(line); err != nil {
		w.err = err
		return Event{}, fmt.Errorf("appending %s event: %w", typ, err)
	}
	if err := w.sync(w.f); err != nil {
		w.err = err
		return Event{}, fmt.Errorf("syncing %s event: %w", typ, err)
	}
	w.head = sha256.Sum256(line[:len(line)-1])
	w.seq++
	w.last = now
	return e, nil
}

// encodeData marshals data and brings it to canonical form; nil is {}.
func encodeData(data any) (json.RawMessage, error) {
	if data == nil {
		return json.RawMessage("{}"), nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	// encoding/json already writes maps of plain values canonically; only
	// structs, HTML-escaped strings and the like need the slow path.
	if end, err := scanValue(raw, 0, 0); err != nil || end != len(raw) {
		if raw, err = canonicalize(raw); err != nil {
			return nil, err
		}
	}
	if raw[0] != '{' {
		return nil, errors.New("data must encode as a JSON object")
	}
	return raw, nil
}

func validID(id string) bool {
	return len(id) <= 128 && validArtifactName(id)
}

// validArtifactName admits flat, portable file names.
func validArtifactName(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeFiles creates dir with the given files, and returns their hashes
// for ceremony.begin; with no files, it creates nothing.
func writeFiles(dir, what string, files map[string][]byte) (map[string]string, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	sums := make(map[string]string, len(files))
	for name, content := range files {
		if !validArtifactName(name) {
			return nil, fmt.Errorf("%s name %q: use letters, digits, '.', '_' or '-'", what, name)
		}
		if err := durable.Create(filepath.Join(dir, name), content, 0o644); err != nil {
			return nil, err
		}
		sums[name] = sha256Hex(content)
	}
	return sums, nil
}

// ReplaceCheckpoint writes a new signed note to a bundle's checkpoint file,
// atomically, so that a witness adding a cosignature can never leave a
// half-written checkpoint behind. The caller is responsible for the note
// being the bundle's checkpoint with its signatures kept.
func ReplaceCheckpoint(dir string, signed []byte) error {
	if err := removeReplaceTemps(dir); err != nil {
		return err
	}
	return durable.Replace(filepath.Join(dir, CheckpointFile), signed, 0o644)
}
