package transcript

import (
	"fmt"
)

// The errors Verify reports. Each names the first line (counting from 1;
// line n holds seq n-1) or file at fault, so an auditor can look at it.

// ChainError: a line's prev is not the SHA-256 of the line before it, so a
// line before it was changed, removed, inserted or reordered.
type ChainError struct {
	Line      uint64
	Want, Got string // hex SHA-256
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("line %d: prev is %s but line %d hashes to %s: a line was changed, removed, inserted or reordered",
		e.Line, e.Got, e.Line-1, e.Want)
}

// SeqError: a line's seq is not one more than the line before.
type SeqError struct {
	Line      uint64
	Want, Got uint64
}

func (e *SeqError) Error() string {
	return fmt.Sprintf("line %d: seq is %d, want %d", e.Line, e.Got, e.Want)
}

// TimeError: a line's time is earlier than the line before.
type TimeError struct {
	Line      uint64
	Prev, Got string
}

func (e *TimeError) Error() string {
	return fmt.Sprintf("line %d: time %s is before the previous event's %s", e.Line, e.Got, e.Prev)
}

// EncodingError: a line is not the canonical encoding of an event: not
// JSON, not UTF-8, keys out of order, a second spelling of a value, too long.
type EncodingError struct {
	Line   uint64
	Offset int // byte within the line, from 1; 0 when not known
	Reason string
}

func (e *EncodingError) Error() string {
	if e.Offset > 0 {
		return fmt.Sprintf("line %d, byte %d: not the canonical encoding of an event: %s", e.Line, e.Offset, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// StructureError: the events are well-formed but not in an order the
// writer produces (ceremony.begin not first, events after ceremony.end,
// a rehearsal mark on some lines only, malformed data of a package event).
type StructureError struct {
	Line   uint64
	Reason string
}

func (e *StructureError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// CheckpointError: a checkpoint's note does not verify or does not match
// the events it claims to cover. Line is 0 for the checkpoint file.
type CheckpointError struct {
	Line   uint64
	Reason string
	Err    error
}

func (e *CheckpointError) Error() string {
	where := CheckpointFile + " file"
	if e.Line > 0 {
		where = fmt.Sprintf("line %d: checkpoint", e.Line)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s %s: %v", where, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s %s", where, e.Reason)
}

func (e *CheckpointError) Unwrap() error { return e.Err }

// ForeignError: a checkpoint or key belongs to another ceremony.
type ForeignError struct {
	Line      uint64 // 0 for the checkpoint file
	Want, Got string // origins
}

func (e *ForeignError) Error() string {
	where := CheckpointFile + " file"
	if e.Line > 0 {
		where = fmt.Sprintf("line %d", e.Line)
	}
	return fmt.Sprintf("%s belongs to %s, not to this ceremony (%s)", where, e.Got, e.Want)
}

// FileError: a bundle file does not hash to what the transcript recorded,
// is missing, or is not recorded at all.
type FileError struct {
	Name      string // path within the bundle
	Line      uint64 // the event that recorded it; 0 if none did
	Want, Got string // hex SHA-256, when both are known
	Err       error
}

func (e *FileError) Error() string {
	switch {
	case e.Err != nil && e.Line > 0:
		return fmt.Sprintf("%s (recorded on line %d): %v", e.Name, e.Line, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Name, e.Err)
	case e.Line == 0:
		return fmt.Sprintf("%s is not recorded in the transcript", e.Name)
	}
	return fmt.Sprintf("%s hashes to %s but line %d recorded %s", e.Name, e.Got, e.Line, e.Want)
}

func (e *FileError) Unwrap() error { return e.Err }

// TornError: the last line has no newline, as a crash during a write
// leaves it. Everything before it is a valid prefix.
type TornError struct {
	Line   uint64 `json:"line"`
	Offset int64  `json:"offset"` // byte offset of the torn line in the file
	Size   int    `json:"size"`
}

func (e *TornError) Error() string {
	return fmt.Sprintf("line %d is torn: %d bytes at offset %d without a newline (a write was interrupted)", e.Line, e.Size, e.Offset)
}

// IncompleteError: a valid prefix of a ceremony that has not ended with a
// final checkpoint.
type IncompleteError struct {
	Events uint64
	Reason string
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("incomplete after %d events: %s", e.Events, e.Reason)
}

// TruncatedError: the checkpoint file covers more events than the
// transcript holds, so events were removed after it was signed.
type TruncatedError struct {
	Covered, Have uint64
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("transcript truncated: %s covers %d events but the transcript holds %d", CheckpointFile, e.Covered, e.Have)
}

// Line returns the line an error from Verify names, or 0.
func errLine(err error) uint64 {
	switch e := err.(type) {
	case *ChainError:
		return e.Line
	case *SeqError:
		return e.Line
	case *TimeError:
		return e.Line
	case *EncodingError:
		return e.Line
	case *StructureError:
		return e.Line
	case *CheckpointError:
		return e.Line
	case *ForeignError:
		return e.Line
	case *FileError:
		return e.Line
	case *TornError:
		return e.Line
	}
	return 0
}
