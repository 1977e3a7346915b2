package transcript

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"
)

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
		if dir == ArtifactsDir && durable.IsTemp(e.Name()) {
			// An artifact a crash interrupted before it was whole: never
			// recorded, never under its name. Resume removes it.
			v.leftover = dir + "/" + e.Name()
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
