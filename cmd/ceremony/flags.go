package main

// The flag handling every subcommand shares.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// newFlags returns a FlagSet whose --help prints about, the flags and example
// to stdout.
func newFlags(s stdio, name, about, example string) *flag.FlagSet {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(s.err)
	flags.Usage = func() {
		fmt.Fprintf(s.out, "Usage: ceremony %s\n\n%s\n\nFlags:\n", name, about)
		flags.SetOutput(s.out)
		flags.PrintDefaults()
		flags.SetOutput(s.err)
		fmt.Fprintf(s.out, "\nEXAMPLE\n  %s\n", example)
	}
	return flags
}

// parseFlags returns -1 to go on, or the exit code. A bad flag is
// reported in the tool's own words, not the flag package's, and without
// the whole help.
func parseFlags(flags *flag.FlagSet, args []string) int {
	out, usage := flags.Output(), flags.Usage
	flags.SetOutput(io.Discard)
	flags.Usage = func() {}
	err := flags.Parse(args)
	flags.SetOutput(out)
	flags.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage()
		return exitOK
	case err != nil:
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
			msg = "unknown flag --" + strings.TrimPrefix(name, "-")
		}
		errorf(out, "%s", msg)
		hintf(out, "ceremony %s --help lists its flags", strings.Fields(flags.Name())[0])
		return exitUsage
	}
	return -1
}

// optionalInt is an int flag whose absence is told apart from any value.
type optionalInt struct {
	v   int
	set bool
}

func (o *optionalInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.Itoa(o.v)
}

func (o *optionalInt) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	o.v, o.set = v, true
	return nil
}

// uiFlags are the UI choices every ceremony command takes.
type uiFlags struct {
	plain, auto bool
}

// ceremonyFlags is the flag set of run, rehearse, resume and demo, with the
// UI flags they share.
func ceremonyFlags(s stdio, usage, about, example string) (*flag.FlagSet, *uiFlags) {
	fs := newFlags(s, usage, about, example)
	ui := &uiFlags{}
	fs.BoolVar(&ui.plain, "plain", false, "use the plain line console (serial consoles, screen readers, pipes)")
	if !strings.HasPrefix(usage, "run ") {
		fs.BoolVar(&ui.auto, "auto", false, "rehearse unattended: the tool plays every participant")
	}
	return fs, ui
}

// parseArgs parses flags wherever they stand among the arguments, as in
// `ceremony rehearse demo.lua --auto --out DIR`, and returns the others.
// The code is -1 to go on, or the exit code.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if code := parseFlags(fs, args); code >= 0 {
			return nil, code
		}
		if args = fs.Args(); len(args) == 0 {
			return pos, -1
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}
