package durable

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Reading a file the ceremony was given must never hang or exhaust memory:
// a FIFO would block for ever, /dev/zero would fill the memory. So a file
// is opened without waiting for a FIFO's writer, checked to be a regular
// file, and read up to a limit.
var (
	ErrNotRegular = errors.New("is not a regular file")
	ErrLinked     = errors.New("has other names (a hard link)")
)

// Open opens path for reading, following a symbolic link, and refuses
// anything but a regular file.
func Open(path string) (*os.File, error) { return open(path, 0) }

// OpenStrict is Open for a file of a ceremony's bundle: it does not follow a
// symbolic link, and refuses a file with other names (a hard link), which
// could change through them after it was checked.
func OpenStrict(path string) (*os.File, error) { return open(path, syscall.O_NOFOLLOW) }

func open(path string, flags int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, ErrNotRegular
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = ErrNotRegular
	case flags&syscall.O_NOFOLLOW != 0 && links(fi) > 1:
		err = ErrLinked
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

// TooLargeError is a file larger than its reader allows.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.Path, e.Limit)
}

// ReadFile reads a regular file of at most limit bytes (following a
// symbolic link); errors name the path.
func ReadFile(path string, limit int64) ([]byte, error) { return read(path, limit, Open) }

// ReadStrict is ReadFile for a file of a ceremony's bundle, opened as
// OpenStrict opens it.
func ReadStrict(path string, limit int64) ([]byte, error) { return read(path, limit, OpenStrict) }

func read(path string, limit int64, open func(string) (*os.File, error)) ([]byte, error) {
	f, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		clear(b)
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return b, nil
}
