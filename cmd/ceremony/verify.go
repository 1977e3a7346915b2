package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/runner"
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
	flags := newFlags(s, "verify PATH [--allow-incomplete] [--json] [--format-only] [--witnesses ROSTER [--quorum N]]",
		`Checks a ceremony bundle (a directory) or a lone transcript.jsonl, offline:
every line's seq, prev hash, time and canonical encoding, every checkpoint's
signature and count, and for a bundle also script.lua, its modules, its
inputs, config.toml, every artifact and the checkpoint file against what the
transcript recorded; a bundle holds nothing else, and regular files only.

Then it replays the bundle's own script against the recorded events, with no
token and no people, as a resumed ceremony would: the events must be exactly
what the script makes of its recorded results, every step done by someone
holding its role and witnessed by others, every artifact the one the script
saves, every signature verifying under the key the ceremony generated. The
first line that is not is reported with its step.

Nothing in a bundle alone proves it came from the room: someone holding
only the bundle can write a consistent one. What ties it to the room is the
head the internal witness wrote on the paper script, and the witnesses'
cosignatures: the verdict says which of the two binds it. Witness keys come
from --witnesses, the roster the auditor trusts, or else from the bundle's
own config.toml (participants whose public_key is a witness key).

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
	formatOnly := flags.Bool("format-only", false, "check the format alone, without replaying the bundle's script: the verdict then says nothing of whether the events are what the script makes of them")
	asJSON := flags.Bool("json", false, "print the report as JSON on stdout (verdict, events, checkpoints, signers, artifacts)")
	rosterPath := flags.String("witnesses", "", "roster `file` of witness verifier keys, one \"<id> <key>\" a line")
	var quorumFlag optionalInt
	flags.Var(&quorumFlag, "quorum", "the `number` of the roster's witnesses who must cosign (by default, all of them)")
	quorum := &quorumFlag.v
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
		rep       *transcript.Report
		err       error
		witRes    *witness.Result
		roster    *witness.Roster
		quorumE   *witness.QuorumError
		fromOwnCf bool // the roster is the bundle's own configuration's
	)
	if *rosterPath != "" {
		if roster, err = readRoster(*rosterPath); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
	} else if roster = bundleRoster(pos[0]); roster != nil {
		fromOwnCf = true
	}
	if roster != nil {
		if !quorumFlag.set {
			*quorum = len(roster.Participants)
		}
		rep, witRes, err = witness.Check(pos[0], roster, *quorum)
		if errors.As(err, &quorumE) {
			err = nil
		}
		if witRes != nil {
			witRes.FromBundle = fromOwnCf
		}
	} else {
		if quorumFlag.set {
			errorf(s.err, "--quorum needs --witnesses ROSTER")
			return exitUsage
		}
		rep, err = transcript.Verify(pos[0], transcript.VerifyOptions{})
	}
	if rep == nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	cf := Conformance{}
	if !*formatOnly {
		cf = checkConformance(pos[0], rep)
	}
	if cf.Problem != "" {
		err = rep.Err
	}
	if *asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		out := struct {
			*transcript.Report
			Conformance Conformance     `json:"conformance"`
			Witnesses   *witness.Result `json:"witnesses,omitempty"`
		}{rep, cf, witRes}
		if err := enc.Encode(out); err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
	} else {
		printReport(s.out, pos[0], rep, cf, witRes)
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

func printReport(w io.Writer, path string, rep *transcript.Report, cf Conformance, wit *witness.Result) {
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
	switch {
	case cf.Checked && cf.Problem == "":
		row("conformance", "the events are what %s makes of its recorded results", transcript.ScriptFile)
	case cf.Checked:
		row("conformance", "fails: %s", cf.Problem)
	case rep.Bundle && rep.Verdict == transcript.Invalid:
		row("conformance", "not replayed: the transcript is invalid")
	case rep.Bundle:
		row("conformance", "not replayed (--format-only): nothing is said of whether the events are what the script makes")
	default:
		row("conformance", "not replayed: a lone transcript has no script (verify the bundle directory)")
	}
	row("verdict", "%s", verdictText(rep, wit))
}

func verdictText(rep *transcript.Report, wit *witness.Result) string {
	switch rep.Verdict {
	case transcript.Complete:
		return "complete and valid, " + binding(rep, wit)
	case transcript.Incomplete:
		return "valid prefix, incomplete"
	case transcript.Torn:
		return "valid prefix, torn last line"
	}
	var trunc *transcript.TruncatedError
	if errors.As(rep.Err, &trunc) {
		return "invalid: truncated"
	}
	if rep.Events == 0 {
		return "invalid: not a ceremony transcript (its first line is not a ceremony.begin event)"
	}
	if rep.Line > 0 {
		return fmt.Sprintf("invalid from line %d", rep.Line)
	}
	return "invalid"
}

// binding says what ties a complete bundle to the room: the witnesses'
// cosignatures, or nothing but the head the room wrote on the paper script.
func binding(rep *transcript.Report, wit *witness.Result) string {
	keys := ""
	if n := len(rep.SessionKeys); n > 1 {
		var lines []string
		for _, k := range rep.SessionKeys[1:] {
			lines = append(lines, strconv.FormatUint(k.Line, 10))
		}
		keys = fmt.Sprintf("; %d session keys, resumed at line %s", n, strings.Join(lines, ", "))
	}
	switch {
	case wit != nil && len(wit.Cosigned) > 0 && wit.FromBundle:
		return fmt.Sprintf("cosigned by %s with the keys of the bundle's own config.toml: hold them to the roster you trust%s",
			strings.Join(wit.Cosigned, ", "), keys)
	case wit != nil && len(wit.Cosigned) > 0:
		return fmt.Sprintf("cosigned by %s%s", strings.Join(wit.Cosigned, ", "), keys)
	}
	return fmt.Sprintf("unwitnessed: only the head on the paper script ties it to the room; compare %s%s", rep.Head[:16], keys)
}

// bundleRoster is the roster of witness keys the bundle's own configuration
// gives (participants whose public_key is a witness verifier key or an SSH
// public key), or nil.
// It binds the bundle to the witnesses only as far as the auditor trusts
// those keys: the report says where they came from.
func bundleRoster(dir string) *witness.Roster {
	b, err := durable.ReadStrict(filepath.Join(dir, transcript.ConfigFile), maxSmallFile)
	if err != nil {
		return nil
	}
	cfg, err := runner.ParseConfig(b)
	if err != nil {
		return nil
	}
	var lines strings.Builder
	for _, p := range cfg.Participants {
		line := p.ID + " " + p.PublicKey + "\n"
		if _, err := witness.ParseRoster(strings.NewReader(line)); err == nil && p.PublicKey != "" {
			lines.WriteString(line)
		}
	}
	ro, err := witness.ParseRoster(strings.NewReader(lines.String()))
	if err != nil || len(ro.Participants) == 0 {
		return nil
	}
	return ro
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
