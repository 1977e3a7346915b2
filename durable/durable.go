// Package durable writes files so that a crash never loses or tears what a
// ceremony has written: a file is on disk, synced, before the caller goes
// on. It is a leaf: the standard library only.
package durable

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Create makes path, which must not exist (outputs are never overwritten),
// with content, and syncs it. A file left part written by a failure is
// removed.
func Create(path string, content []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// CreateWhole is Create for a file that must never be seen part written,
// even after a crash or a full disk: the content is written and synced
// under a temporary name beginning with '.', then linked to path, which
// must not exist, and the temporary name removed. A failure leaves nothing
// at path; a crash at most a temporary file, which RemoveTemps clears.
func CreateWhole(path string, content []byte, mode os.FileMode) error {
	// A link, unlike a rename, never replaces what is there.
	return viaTemp(path, tempPrefix+filepath.Base(path)+"-*", content, mode, os.Link)
}

// tempPrefix begins the names of CreateWhole's temporary files.
const tempPrefix = ".whole-"

// RemoveTemps removes the temporary files CreateWhole left in dir when a
// crash interrupted it.
func RemoveTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// IsTemp reports a temporary file of CreateWhole.
func IsTemp(name string) bool { return strings.HasPrefix(name, tempPrefix) }

// Replace swaps in content for path atomically: a reader, or the process
// after a crash, sees the old file or the new one, never a mix. The
// directory is synced, so the new name survives a crash too.
func Replace(path string, content []byte, mode os.FileMode) error {
	return viaTemp(path, "."+filepath.Base(path)+"-*", content, mode, os.Rename)
}

// viaTemp writes content to a temporary file beside path, named by
// pattern, syncs it, gives it mode, puts it in place with place (a link or
// a rename), removes the temporary name and syncs the directory.
func viaTemp(path, pattern string, content []byte, mode os.FileMode, place func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = place(tmp, path)
	}
	if err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir syncs a directory, making the names created in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// LockedError is a lock another process holds; Holder is what that process
// wrote in the lock file (its pid, host and start time), if anything.
type LockedError struct {
	Path, Holder string
}

func (e *LockedError) Error() string {
	if e.Holder == "" {
		return fmt.Sprintf("%s is locked by another process", e.Path)
	}
	return fmt.Sprintf("%s is locked by %s", e.Path, e.Holder)
}

// Lock takes an exclusive lock on the file at path, creating it, or returns
// a *LockedError at once if another process holds it. The lock file names
// its holder; the lock itself ends with the process, so a crash leaves no
// stale lock, only a file that the next holder overwrites. Unlock releases
// it.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 256))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, Holder: strings.TrimSpace(string(holder))}
		}
		return nil, err
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	fmt.Fprintf(f, "process %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
