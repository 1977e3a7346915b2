package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/witness"
)

func init() {
	register(&command{
		name:    "verify",
		summary: "check a ceremony bundle or transcript: chain, signatures, files",
		run:     runVerify,
	})
}

func runVerify(args []string, s stdio) int {
	flags := newFlags(s, "verify PATH [--allow-incomplete] [--json] [--witnesses ROSTER [--quorum N]]",
		`Checks a ceremony bundle (a directory) or a lone transcript.jsonl, offline:
every line's seq, prev hash, time and canonical encoding, every checkpoint's
signature and count, and for a bundle also script.lua, config.toml, every
artifact and the checkpoint file against what the transcript recorded.

Exit status: 0 for a complete, valid ceremony; 1 for an invalid transcript
(the message names the first bad line and why) or one that never reached its
final checkpoint (incomplete, or torn by a crash during a write); 2 when the
check could not run. A lone transcript.jsonl is checked without its files:
use the bundle directory for the full check.

With --witnesses, the final checkpoint's cosignatures are checked against the
roster's keys and the report says which witnesses cosigned; fewer than
--quorum (default: all of them) is a failure.`,
		"ceremony verify ./ksk-2026-04")
	allowIncomplete := flags.Bool("allow-incomplete", false, "exit 0 for a valid prefix that is incomplete or torn (e.g. after a crash)")
	asJSON := flags.Bool("json", false, "print the report as JSON on stdout (verdict, events, checkpoints, signers, artifacts)")
	rosterPath := flags.String("witnesses", "", "roster `file` of witness verifier keys, one \"<id> <key>\" a line")
	quorum := flags.Int("quorum", -1, "how many of the roster's witnesses must cosign (default: all)")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		errorf(s.err, "verify takes one bundle directory or transcript file")
		hintf(s.err, "ceremony verify ./ksk-2026-04")
		return exitUsage
	}
	var (
		rep     *transcript.Report
		err     error
		witRes  *witness.Result
		roster  *witness.Roster
		quorumE *witness.QuorumError
	)
	if *rosterPath != "" {
		if roster, err = readRoster(*rosterPath); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		if *quorum < 0 {
			*quorum = len(roster.Participants)
		}
		rep, witRes, err = witness.Check(pos[0], roster, *quorum)
		if errors.As(err, &quorumE) {
			err = nil
		}
	} else {
		if *quorum >= 0 {
			errorf(s.err, "--quorum needs --witnesses ROSTER")
			return exitUsage
		}
		rep, err = transcript.Verify(pos[0], transcript.VerifyOptions{})
	}
	if rep == nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		out := any(rep)
		if witRes != nil {
			out = struct {
				*transcript.Report
				Witnesses *witness.Result `json:"witnesses"`
			}{rep, witRes}
		}
		if err := enc.Encode(out); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
	} else {
		printReport(s.out, pos[0], rep)
		if witRes != nil {
			for _, id := range witRes.Cosigned {
				fmt.Fprintf(s.out, "%-12s %s cosigned\n", "witness", id)
			}
			for _, id := range witRes.Missing {
				fmt.Fprintf(s.out, "%-12s %s did not cosign\n", "witness", id)
			}
		}
	}
	if rep.Verdict == transcript.Complete && quorumE != nil {
		errorf(s.err, "%v", quorumE)
		return exitFailed
	}
	switch rep.Verdict {
	case transcript.Complete:
		return exitOK
	case transcript.Incomplete, transcript.Torn:
		if *allowIncomplete {
			return exitOK
		}
		errorf(s.err, "%s: %v", rep.Verdict, err)
		hintf(s.err, "a valid prefix of an interrupted ceremony; 'ceremony resume' continues it, --allow-incomplete accepts it")
		return exitFailed
	}
	errorf(s.err, "invalid: %v", err)
	return exitFailed
}

func printReport(w io.Writer, path string, rep *transcript.Report) {
	row := func(k, format string, a ...any) { fmt.Fprintf(w, "%-12s %s\n", k, fmt.Sprintf(format, a...)) }
	what := "bundle"
	if !rep.Bundle {
		what = "transcript (bundle files not checked)"
	}
	row(what, "%s", path)
	if rep.ID != "" {
		mark := ""
		if rep.Rehearsal {
			mark = "  REHEARSAL"
		}
		row("ceremony", "%s  %q version %q%s", rep.ID, rep.Name, rep.Version, mark)
	}
	row("events", "%d valid", rep.Events)
	types := slices.Sorted(maps.Keys(rep.Types))
	for _, t := range types {
		row("", "%6d %s", rep.Types[t], t)
	}
	if head, err := hex.DecodeString(rep.Head); err == nil && rep.Events > 0 {
		row("head", "%s", rep.Head)
		for _, l := range strings.Split(strings.TrimSuffix(wordLines(head), "\n"), "\n") {
			row("", "%s", strings.TrimSpace(l))
		}
	}
	for i, k := range rep.SessionKeys {
		label := "session key"
		if i > 0 {
			label = "resumed"
		}
		row(label, "line %d: %s", k.Line, k.Key)
	}
	row("checkpoints", "%d in the transcript", rep.Checkpoints)
	if f := rep.Final; f != nil {
		where := transcript.CheckpointFile + " file"
		if f.Line > 0 {
			where = fmt.Sprintf("line %d", f.Line)
		}
		row("final", "%s covers %d events", where, f.Count)
		for _, sg := range f.Signers {
			role := "cosigner"
			if sg.Session {
				role = "session key"
			}
			row("signed by", "%s+%s (%s)", sg.Name, sg.KeyHash, role)
		}
		for _, sg := range f.Unverified {
			row("unverified", "%s+%s (key not known to this check)", sg.Name, sg.KeyHash)
		}
	}
	for _, a := range rep.Artifacts {
		row("artifact", "%s  %s  %d bytes (line %d)", a.SHA256, a.Name, a.Size, a.Line)
	}
	row("verdict", "%s", verdictText(rep))
}

func verdictText(rep *transcript.Report) string {
	switch rep.Verdict {
	case transcript.Complete:
		return "complete and valid"
	case transcript.Incomplete:
		return "valid prefix, incomplete"
	case transcript.Torn:
		return "valid prefix, torn last line"
	}
	var trunc *transcript.TruncatedError
	if errors.As(rep.Err, &trunc) {
		return "invalid: truncated"
	}
	if rep.Line > 0 {
		return fmt.Sprintf("invalid from line %d", rep.Line)
	}
	return "invalid"
}

func readRoster(path string) (*witness.Roster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ro, err := witness.ParseRoster(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ro, nil
}
