package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/scripts"
)

func init() {
	register(&command{
		name:    "print",
		summary: "the annotated paper script: steps, roles, initials and time, sign-off",
		run:     runPrint,
	})
}

func runPrint(args []string, s stdio) int {
	flags := newFlags(s, "print SCRIPT [--format md|html] [--out FILE] [--config FILE]",
		`Prints the paper script the room initials as it goes: the roles and inputs,
each act's numbered steps with who acts, who witnesses, what the step does
and empty initials and time columns, exception sheets, and the sign-off
page: a line for each participant of the roster (with --config) or for each
role's slots. The script's SHA-256 is printed on the first page so the paper
can be tied to the file that runs. HTML is for printing from a browser.
--out never overwrites an existing file.`,
		"ceremony print ceremonies/demo.lua --format html --out demo-paper.html")
	format := flags.String("format", "md", "md (Markdown) or html")
	out := flags.String("out", "", "write to this new file instead of standard output")
	config := flags.String("config", "", "ceremony configuration (TOML) whose participants sign off")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if *format != "md" && *format != "html" {
		errorf(s.err, "unknown format %q", *format)
		hintf(s.err, "use --format md or --format html")
		return exitUsage
	}
	script, roster, code := loadScriptArg(flags, pos, *config, s)
	if code >= 0 {
		return code
	}
	defer script.Close()
	sum := sha256.Sum256(script.Sources()[pos[0]])
	var b bytes.Buffer
	if err := scripts.WritePaper(&b, script.Plan(), scripts.Paper{Format: *format, Roster: roster, SHA256: hex.EncodeToString(sum[:])}); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	if problems := scripts.Check(script.Plan(), roster); len(problems) > 0 {
		hintf(s.err, "%s has %d %s; run ceremony check %s", pos[0], len(problems), plural(len(problems), "problem", "problems"), pos[0])
	}
	if *out == "" {
		s.out.Write(b.Bytes())
		return exitOK
	}
	if err := durable.Create(*out, b.Bytes(), 0o644); err != nil {
		errorf(s.err, "%v", err)
		if errors.Is(err, fs.ErrExist) {
			hintf(s.err, "nothing is overwritten; choose another --out")
		}
		return exitUsage
	}
	return exitOK
}
