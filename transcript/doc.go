// Package transcript writes and verifies the hash-chained, signed record of
// a ceremony. This comment is the specification of the format, version 1.
//
// # Bundle
//
// A ceremony leaves a directory, its bundle:
//
//	transcript.jsonl   one event per line
//	checkpoint         the latest signed checkpoint, a signed note
//	script.lua         the exact script that ran; its SHA-256 is in ceremony.begin
//	config.toml        the configuration, credentials excluded; its SHA-256 is in ceremony.begin
//	modules/           the modules the script required, each SHA-256 in ceremony.begin (only if any)
//	inputs/            the input files as read once at the start, each SHA-256 in ceremony.begin (only if any)
//	artifacts/         every output, each recorded by an artifact event
//
// The bundle directory must not exist before [Create], which builds it
// under the hidden name .<name>.creating beside it and renames it once
// ceremony.begin is on disk, so that no half-made bundle ever carries the
// name. An artifact is written whole under a temporary name beginning with
// ".whole-", synced, and linked to its own name; a crash may leave the
// temporary file, which makes the bundle unfinished and which [Resume]
// removes. No file in it is ever
// overwritten, except checkpoint, which is replaced atomically (write a
// temporary file ".checkpoint-*", sync, rename, sync the directory; a crash
// may leave the temporary file, which [Resume] removes).
//
// A bundle holds nothing else: every file is a regular file with a single
// name (no symbolic or hard link, no FIFO or device), and every file is one
// the transcript accounts for. A verifier refuses anything else rather than
// read it.
//
// # Lines
//
// transcript.jsonl is UTF-8. Every line ends with '\n' and is at most
// [MaxLine] bytes (1 MiB) long, newline included; the writer refuses longer
// events and the verifier stops at them, so it never holds more than one
// such line in memory. Each line is one JSON object with these keys, in
// this order and no others:
//
//	rehearsal  true, only in a rehearsal bundle, and then on every line
//	seq        0, 1, 2 ... without gaps
//	time       UTC with nine fraction digits: 2026-04-01T09:00:01.500000000Z
//	prev       lowercase hex SHA-256 of the previous line without its '\n'; 64 zeros on line 1
//	type       lowercase letters, digits, '.', '_', '-'; starts with a letter
//	step       the script's step number ("2.1") or ""
//	actor      the roster id of who acted ("CA") or ""
//	data       a JSON object
//
// A line is written in the canonical form below and a verifier accepts no
// other, so an event has exactly one line and a second spelling of the same
// event (reordered keys, a space, "\u0041" for "A", 1.0 for 1) is rejected
// rather than accepted with a different hash:
//
//   - no whitespace outside strings;
//   - object keys in data sorted by their UTF-8 bytes, each at most once;
//   - strings escape only '"' as \", '\' as \\, and control characters:
//     \b \f \n \r \t where those exist, otherwise \u00XX with lowercase hex;
//     everything else, '/' and non-ASCII included, is written as itself;
//   - integers are plain decimal digits with no leading zero and no "-0", of
//     any length; other numbers are IEEE 754 doubles written as Go's
//     encoding/json writes float64 (shortest round-trip form, exponent
//     only below 1e-6), and an integral value is always written as an
//     integer;
//   - nesting inside data is at most 64 levels deep.
//
// The writer produces the canonical form from any value encoding/json can
// marshal. The verifier checks it in one pass over the bytes, which is
// equivalent to decoding the event, encoding it again and comparing the
// bytes (a fuzz test holds the two to agreement) but allocates nothing.
//
// Times never decrease from one line to the next. The writer stamps events
// with its clock and, should the clock step back, repeats the previous time
// rather than record a decreasing one.
//
// Because prev covers the previous line's exact bytes, `sha256sum` over a
// line reproduces the next line's prev; docs/auditing.md and the README show
// the shell loop that checks the chain with jq and sha256sum alone.
//
// # Rehearsals
//
// A rehearsal bundle begins every line with {"rehearsal":true, and its
// checkpoint notes carry a fourth line, "rehearsal". The mark is part of
// every hash, so it cannot be removed from a rehearsal, nor added to a
// real ceremony, without breaking the chain and the signatures; and it is
// the first thing on every line, where anyone opening the file sees it.
// [Verify] reports it and rejects a transcript whose lines disagree.
//
// # Events with a fixed structure
//
// The package writes ceremony.begin, artifact, checkpoint and resume
// itself, and [Writer.Append] refuses them, so that their structure is
// always what [Verify] checks. Their data holds exactly the fields below;
// only ceremony.begin may hold more.
//
// ceremony.begin is line 1 and only line 1. Its data holds "format"
// ("ceremony-transcript/v1"), "id" (letters, digits, '.', '_', '-'),
// "name", "version", "script_sha256", "config_sha256", "session_key" (see
// below), "modules" and "inputs" when the bundle has them (objects mapping
// each file name to its lowercase hex SHA-256), and whatever else the caller
// records (binary hash, roster ...). Keys match exactly: a key that differs
// from one of these only in case ("Session_key") makes the line invalid, so
// that a decoder matching keys regardless of case and one that does not
// read the same record.
//
// artifact records {"name", "sha256", "size"} of artifacts/<name>, a flat
// file name that is written once and never replaced. A bundle's artifacts/
// holds exactly the recorded files.
//
// checkpoint records {"count", "head", "note"}: count is the number of
// events before it (its own seq), head the hex SHA-256 of the line before it
// (its own prev), and note the signed note over those events.
//
// resume records {"session_key", "torn"}: a new session key, and when the
// interrupted run left a torn last line, where Resume cut it: {"offset",
// "size", "sha256"} of the bytes removed.
//
// ceremony.end is written by the runner through Append. After it only
// checkpoint events may follow, and a resume only before the first of them:
// a crash between ceremony.end and the final checkpoint is resumed to sign
// it, but once it is signed the ceremony is over, and a session key
// announced after it could sign anything.
//
// # Checkpoints
//
// A checkpoint is a signed note (golang.org/x/mod/sumdb/note, the C2SP
// signed-note format) whose text is:
//
//	ceremony/<id>       the origin
//	<count>             decimal number of events covered
//	<head>              lowercase hex SHA-256 of the last covered line
//	rehearsal           only for a rehearsal
//
// The head is hex, not the base64 of C2SP tlog checkpoints, so that an
// auditor can compare it by eye with the output of sha256sum and with the
// prev fields; the head of a hash chain is not a Merkle tree root anyway.
//
// [Writer.Checkpoint] signs the events so far and records the note in a
// checkpoint event; then it signs again over every event including that
// one and puts the result in the checkpoint file. So the checkpoint file
// always covers the whole transcript, its last line included, and the
// checkpoint events keep every earlier checkpoint in the chain. Witnesses
// cosign the checkpoint file by adding signature lines to it; the text does
// not change.
//
// # Session keys
//
// Every checkpoint is signed by a session key: an Ed25519 key generated in
// memory when the ceremony starts, whose note verifier key (name
// ceremony/<id>) is recorded in ceremony.begin. Its private half never
// touches the disk, so nothing left in the room after the ceremony can sign
// another checkpoint for it. The price is that a crash loses the key:
// [Resume] generates a fresh one and announces it in a resume event, and
// [Verify] accepts a checkpoint signed by any session key announced on an
// earlier line. Each announcement is itself covered by the checkpoints
// that follow it, and [Report.SessionKeys] lists every key and the line
// that announced it, so an auditor sees each resume. Checkpoints may also
// carry cosignatures (an HSM key, witnesses); [VerifyOptions.Cosigners]
// names the keys to check them against.
//
// # Verdicts
//
// [Verify] reads the transcript once, in constant memory, and answers:
//
//   - [Complete]: every line is valid, ceremony.end is recorded, the last
//     line is a checkpoint and, for a bundle, the checkpoint file covers
//     every line;
//   - [Incomplete]: a valid prefix that has not got there, as a crash
//     leaves it (a transcript with nothing after ceremony.begin proves
//     nothing and is Invalid instead);
//   - [Torn]: a valid prefix followed by a line without its newline, as a
//     crash during a write leaves it;
//   - [Invalid]: with a typed error naming the first bad line: [*ChainError],
//     [*SeqError], [*TimeError], [*EncodingError], [*StructureError],
//     [*CheckpointError], [*ForeignError], [*FileError], [*TruncatedError].
//
// Given a bundle directory it also checks script.lua, config.toml and every
// artifact against their recorded hashes, that artifacts/ holds nothing
// unrecorded, and that the checkpoint file belongs to this ceremony, is
// signed by one of its session keys and matches the line it claims to
// cover. A checkpoint file covering more events than the transcript holds
// means events were cut after it was signed ([*TruncatedError]); a missing
// checkpoint file where the transcript ends with its final checkpoint is a
// [*FileError], not an unfinished ceremony: the witnesses' cosignatures
// were in it. [Resume] never resumes such a ceremony: it restores the file
// from the note of the final checkpoint line, which covers every event but
// that line, and Verify accepts a file that covers every line but a final
// checkpoint carrying the same signed text. So a crash between that line
// and the file's replacement loses nothing, and nothing is signed anew. Given a
// lone transcript.jsonl, it checks the chain and the checkpoint events; the
// last line, which only the checkpoint file covers, is then checked for
// form only.
//
// # Durability
//
// [Writer.Append] returns once its line is written and fdatasync'ed;
// [Create] also syncs the new directories. A writer is safe for concurrent
// use; appends are serialised.
package transcript
