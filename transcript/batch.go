package transcript

import (
	"crypto/sha256"
	"errors"
	"io"
)

// Hashing every line is half of Verify's work and needs nothing from the
// other half, so a second goroutine reads and hashes lines in batches while
// the verifier checks the batch before. A fixed pool of batches bounds the
// memory: each holds up to batchBytes of short lines, or one long line.

const (
	batchBytes = 128 << 10
	batchLines = 1024
	batchPool  = 3
)

// batch is a run of complete lines and their hashes. The last batch of a
// stream also carries how it ended.
type batch struct {
	buf  []byte     // the lines, each ending in '\n'
	ends []int      // offset in buf after each line's '\n'
	sums [][32]byte // SHA-256 of each line without its '\n'
	torn int        // bytes after the last newline at EOF
	err  error      // errLineTooLong or a read error; nil at a clean EOF
	last bool
}

// hashedLines reads r on its own goroutine and delivers hashed batches.
// The consumer gives each batch back on free once done with it, and closes
// stop to end early.
func hashedLines(r io.Reader, stop <-chan struct{}) (full <-chan *batch, free chan<- *batch) {
	fullc := make(chan *batch, batchPool)
	freec := make(chan *batch, batchPool)
	for range batchPool {
		freec <- &batch{buf: make([]byte, 0, batchBytes)}
	}
	go func() {
		defer close(fullc)
		lr := newLineReader(r)
		for {
			var b *batch
			select {
			case b = <-freec:
			case <-stop:
				return
			}
			b.buf, b.ends, b.sums, b.torn, b.err, b.last = b.buf[:0], b.ends[:0], b.sums[:0], 0, nil, false
			for len(b.ends) < batchLines && len(b.buf) < batchBytes {
				line, err := lr.next()
				if err != nil {
					b.last = true
					if errors.Is(err, io.EOF) {
						b.torn = len(line)
					} else {
						b.err = err
					}
					break
				}
				b.buf = append(b.buf, line...)
				b.ends = append(b.ends, len(b.buf))
				b.sums = append(b.sums, sha256.Sum256(line[:len(line)-1]))
			}
			if cap(b.buf) > 4*batchBytes {
				// One very long line grew it; do not keep megabytes around.
				b.buf = append(make([]byte, 0, batchBytes), b.buf...)
			}
			select {
			case fullc <- b:
			case <-stop:
				return
			}
			if b.last {
				return
			}
		}
	}()
	return fullc, freec
}
