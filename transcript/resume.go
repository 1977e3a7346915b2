package transcript

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ceremony-dev/ceremony/durable"
)

// Resume reopens the bundle of an interrupted ceremony. It verifies the
// transcript and returns a writer positioned after its valid prefix,
// together with the prefix's events for replay.
//
// A torn last line is cut from the file; the resume event that Resume
// records says where and what it cut (offset, size, SHA-256). Artifact
// files a crash left without their event are recorded after it. The
// resume event also announces a fresh session key: the key of the
// interrupted run existed only in the memory of the process that crashed,
// which is the point of it, so checkpoints from here on are signed by the
// new key and Verify accepts any session key announced earlier in the
// chain.
func Resume(dir string, opts ...Option) (*Writer, []Event, error) {
	cfg := newConfig(opts)
	if fi, err := os.Stat(dir); err != nil {
		return nil, nil, err
	} else if !fi.IsDir() {
		return nil, nil, fmt.Errorf("resume %s: not a bundle directory", dir)
	}
	rep, err := Verify(dir, VerifyOptions{allowUnrecorded: true})
	if rep == nil {
		return nil, nil, err
	}
	switch {
	case rep.Verdict == Complete:
		return nil, nil, ErrEnded
	case rep.finalUnfiled:
		// A finished ceremony stays finished, whatever became of its
		// checkpoint file: resuming it would sign past its final
		// checkpoint. The file is restored from that checkpoint's line,
		// signed by the ceremony's own key; nothing is signed anew, and
		// cosignatures the file carried are not brought back.
		if err := restoreCheckpoint(dir); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrRestored
	case rep.Verdict == Invalid:
		return nil, nil, fmt.Errorf("cannot resume an invalid transcript: %w", err)
	}
	if rep.Events == 0 {
		return nil, nil, fmt.Errorf("cannot resume: %w", err)
	}
	if err := removeReplaceTemps(dir); err != nil {
		return nil, nil, err
	}
	if err := durable.RemoveTemps(filepath.Join(dir, ArtifactsDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	path := filepath.Join(dir, TranscriptFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, err
	}
	w, events, err := resume(f, dir, rep, cfg)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return w, events, nil
}

func resume(f *os.File, dir string, rep *Report, cfg config) (*Writer, []Event, error) {
	var torn *tornData
	if t := rep.Torn; t != nil {
		cut := make([]byte, t.Size)
		if _, err := f.ReadAt(cut, t.Offset); err != nil {
			return nil, nil, fmt.Errorf("reading the torn line: %w", err)
		}
		torn = &tornData{Offset: t.Offset, Size: t.Size, SHA256: sha256Hex(cut)}
		if err := f.Truncate(t.Offset); err != nil {
			return nil, nil, err
		}
		if err := datasync(f); err != nil {
			return nil, nil, err
		}
	}
	var events []Event
	for e, err := range ReadEvents(f.Name()) {
		if err != nil {
			return nil, nil, err
		}
		events = append(events, e)
	}
	if uint64(len(events)) != rep.Events {
		return nil, nil, errors.New("the transcript changed while it was being resumed")
	}
	var head [32]byte
	if _, err := hex.Decode(head[:], []byte(rep.Head)); err != nil {
		return nil, nil, err
	}
	origin := Origin(rep.ID)
	key, err := newSessionKey(origin, cfg.rand)
	if err != nil {
		return nil, nil, err
	}
	w := &Writer{
		dir: dir, f: f, origin: origin, rehearsal: rep.Rehearsal, clock: cfg.clock, key: key,
		seq: rep.Events, head: head, last: events[len(events)-1].Time, ended: rep.Ended, sync: datasync,
	}
	raw, err := encodeData(resumeData{SessionKey: key.vkey, Torn: torn})
	if err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.appendLocked(TypeResume, "", "", raw); err != nil {
		return nil, nil, err
	}
	for _, name := range rep.Unrecorded {
		content, err := os.ReadFile(filepath.Join(dir, ArtifactsDir, name))
		if err != nil {
			return nil, nil, err
		}
		raw, err := encodeData(artifactData{Name: name, SHA256: sha256Hex(content), Size: int64(len(content))})
		if err != nil {
			return nil, nil, err
		}
		if _, err := w.appendLocked(TypeArtifact, "", "", raw); err != nil {
			return nil, nil, err
		}
	}
	return w, events, nil
}

// ErrRestored is returned by Resume for a finished ceremony whose
// checkpoint file did not carry its final checkpoint (a crash just before
// it was written, or a file deleted): Resume restored the file from the
// transcript's final checkpoint line and appended nothing.
var ErrRestored = fmt.Errorf("%w: the checkpoint file was restored from the final checkpoint", ErrEnded)

// restoreCheckpoint writes the checkpoint file from the note of the
// transcript's last line, its final checkpoint.
func restoreCheckpoint(dir string) error {
	var last Event
	for e, err := range ReadEvents(dir) {
		if err != nil {
			return err
		}
		last = e
	}
	var cp checkpointData
	if err := json.Unmarshal(last.Data, &cp); err != nil || last.Type != TypeCheckpoint {
		return fmt.Errorf("the last line is not a checkpoint: %v", err)
	}
	if err := removeReplaceTemps(dir); err != nil {
		return err
	}
	return durable.Replace(filepath.Join(dir, CheckpointFile), []byte(cp.Note), 0o644)
}

// removeReplaceTemps removes what a crash while the checkpoint file was
// being replaced left: the file itself is the old one or the new one.
func removeReplaceTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if isReplaceTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
