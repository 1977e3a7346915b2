package main

import (
	"errors"
	"os"
	"syscall"
)

// errNotRegular refuses a FIFO, a device or a directory where a file is
// read: a FIFO would block the ceremony, /dev/zero would fill its memory.
var errNotRegular = errors.New("not a regular file")

// openRegular opens a file the ceremony reads (an input, a configuration,
// a script), refusing anything but a regular file. It does not wait for a
// FIFO's writer, so the refusal is immediate.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
