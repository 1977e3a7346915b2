package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
)

func init() {
	register(&command{
		name:    "check",
		summary: "find every problem in a ceremony script, with file and line",
		run:     runCheck,
	})
}

func runCheck(args []string, s stdio) int {
	flags := newFlags(s, "check SCRIPT [--config FILE]",
		`Loads a ceremony script in its sandbox and reports every problem at once,
one per line as file:line: message: unknown roles, inputs used but not
declared, duplicate step numbers, share sets used before they are split,
empty acts, steps no one else can witness. It warns of a step whose calls
depend on the values its primitives return. With --config, also holds the
script against the roster: roles it cannot fill, split_secret holders it
does not have, people holding roles the script keeps apart.
Exit status: 0 no problems, 1 problems, 2 could not run.`,
		"ceremony check ceremonies/demo.lua --config ksk-2026-q4.toml")
	config := flags.String("config", "", "ceremony configuration (TOML) whose roster to check against")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	script, roster, code := loadScriptArg(flags, pos, *config, s)
	if code >= 0 {
		return code
	}
	defer script.Close()
	plan := script.Plan()
	for _, w := range scripts.Warnings(plan) {
		fmt.Fprintln(s.out, w)
	}
	problems := scripts.Check(plan, roster)
	for _, p := range problems {
		fmt.Fprintln(s.out, p)
	}
	if len(problems) > 0 {
		errorf(s.err, "%d %s in %s", len(problems), plural(len(problems), "problem", "problems"), pos[0])
		return exitFailed
	}
	steps := 0
	for _, a := range plan.Acts {
		steps += len(a.Steps)
	}
	fmt.Fprintf(s.out, "%s: no problems (%d %s, %d %s)\n", pos[0], len(plan.Acts), plural(len(plan.Acts), "act", "acts"), steps, plural(steps, "step", "steps"))
	return exitOK
}

// loadScriptArg loads the one script check or print is given, and the
// roster of config if there is one. It returns -1 to go on, or the exit
// code.
func loadScriptArg(flags *flag.FlagSet, pos []string, config string, s stdio) (*scripts.Script, *scripts.Roster, int) {
	if len(pos) != 1 {
		errorf(s.err, "%s needs exactly one script", strings.Fields(flags.Name())[0])
		hintf(s.err, "ceremony %s", flags.Name())
		return nil, nil, exitUsage
	}
	cfg, code := loadConfig(config, s)
	if code >= 0 {
		return nil, nil, code
	}
	var opts scripts.Options
	var roster *scripts.Roster
	if cfg != nil {
		opts.Params, roster = cfg.ScriptParams(), cfg.ScriptRoster()
	}
	script, code := loadScript(pos[0], opts, s)
	if code >= 0 {
		return nil, nil, code
	}
	return script, roster, -1
}

// loadConfig reads the configuration file for its roster and parameters;
// no file, no configuration.
func loadConfig(path string, s stdio) (*runner.Config, int) {
	if path == "" {
		return nil, -1
	}
	b, err := durable.ReadFile(path, maxSmallFile)
	if err != nil {
		errorf(s.err, "%v", err)
		return nil, exitUsage
	}
	cfg, err := runner.ParseConfig(b)
	if err != nil {
		errorf(s.err, "%s: %v", path, err)
		return nil, exitUsage
	}
	return cfg, -1
}

// loadScript loads a script for check and print. A script that does not
// load is a problem in it (exit 1, located at its line); a file that cannot
// be read is a usage error.
func loadScript(path string, opts scripts.Options, s stdio) (*scripts.Script, int) {
	script, err := scripts.Load(context.Background(), path, opts)
	if err == nil {
		return script, -1
	}
	var e *scripts.Error
	if errors.As(err, &e) {
		fmt.Fprintln(s.out, e)
		errorf(s.err, "%s does not load", path)
		return nil, exitFailed
	}
	errorf(s.err, "%v", err)
	return nil, exitUsage
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
