package transcript

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A bundle holds regular files only, each under one name: a symbolic link
// could point at a file that changes after the check, a hard link is a file
// that can be changed through another name, and a FIFO or device would make
// a check hang or read for ever.
var (
	errNotRegular = errors.New("is not a regular file")
	errLinked     = errors.New("has other names (a hard link)")
)

// openRegular opens a file of the bundle for reading, refusing anything but
// a regular file with one name. It does not follow a symbolic link, and it
// opens a FIFO without waiting for a writer, so that the refusal is quick.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, errNotRegular
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = errNotRegular
	case links(fi) > 1:
		err = errLinked
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// checkListing refuses a file or directory in the bundle that the
// transcript does not account for: recorded says, for each directory, the
// names its files must have.
func (v *verifier) checkListing(recorded map[string]map[string]bool) error {
	entries, err := os.ReadDir(v.dir)
	if err != nil {
		return &FileError{Name: ".", Err: err}
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == TranscriptFile || name == CheckpointFile || name == ScriptFile || name == ConfigFile:
			continue
		case isReplaceTemp(name):
			// A crash while the checkpoint was being replaced: the file
			// is the old one or the new one, and Resume (or the next
			// cosignature) removes what it left.
			v.leftover = name
			continue
		case e.IsDir() && (recorded[name] != nil || name == ArtifactsDir):
			if err := v.checkDir(name, recorded[name]); err != nil {
				return err
			}
			continue
		}
		return &FileError{Name: name}
	}
	return nil
}

func (v *verifier) checkDir(dir string, want map[string]bool) error {
	entries, err := os.ReadDir(filepath.Join(v.dir, dir))
	if err != nil {
		return &FileError{Name: dir, Err: err}
	}
	for _, e := range entries {
		if want[e.Name()] {
			continue
		}
		if dir == ArtifactsDir && v.opts.allowUnrecorded && e.Type().IsRegular() && validArtifactName(e.Name()) {
			v.rep.Unrecorded = append(v.rep.Unrecorded, e.Name())
			continue
		}
		return &FileError{Name: dir + "/" + e.Name()}
	}
	return nil
}

// isReplaceTemp reports a temporary file durable.Replace leaves when a crash
// interrupts it.
func isReplaceTemp(name string) bool {
	return strings.HasPrefix(name, "."+CheckpointFile+"-")
}
