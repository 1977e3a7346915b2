package transcript

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
)

// ReadEvents streams the events of a transcript (a bundle directory or a
// transcript.jsonl) for replay, one line at a time. It checks that each
// line is canonical but not the chain or the signatures: that is Verify's
// job, and Resume runs it first. A read stops at the first error it
// yields; a torn last line yields a *TornError.
func ReadEvents(path string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			path = filepath.Join(path, TranscriptFile)
		}
		f, err := os.Open(path)
		if err != nil {
			yield(Event{}, err)
			return
		}
		defer f.Close()
		r := newLineReader(f)
		var offset int64
		for n := uint64(1); ; n++ {
			line, err := r.next()
			switch {
			case errors.Is(err, errLineTooLong):
				yield(Event{}, &EncodingError{Line: n, Reason: err.Error()})
				return
			case err == io.EOF:
				if len(line) > 0 {
					yield(Event{}, &TornError{Line: n, Offset: offset, Size: len(line)})
				}
				return
			case err != nil:
				yield(Event{}, err)
				return
			}
			raw, err := parseLine(line[:len(line)-1], nil)
			if err != nil {
				yield(Event{}, &EncodingError{Line: n, Reason: err.Error()})
				return
			}
			e, err := raw.event()
			if err != nil {
				yield(Event{}, &EncodingError{Line: n, Reason: err.Error()})
				return
			}
			if !yield(e, nil) {
				return
			}
			offset += int64(len(line))
		}
	}
}

// lineReader reads lines of up to MaxLine bytes with a small buffer for
// the common short line, so verifying many small bundles stays cheap.
type lineReader struct {
	r    *bufio.Reader
	long []byte
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLine)

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line with its '\n', or what is left before EOF
// together with io.EOF. The slice is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	line, err := l.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	l.long = append(l.long[:0], line...)
	for {
		line, err = l.r.ReadSlice('\n')
		if len(l.long)+len(line) > MaxLine {
			return nil, errLineTooLong
		}
		l.long = append(l.long, line...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return l.long, err
		}
	}
}
