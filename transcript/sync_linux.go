package transcript

import (
	"os"
	"syscall"
)

// datasync flushes an appended line. fdatasync also flushes the file size,
// which is all of the metadata an append changes.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fdatasync(int(fd)) }); err != nil {
		return err
	}
	return serr
}
