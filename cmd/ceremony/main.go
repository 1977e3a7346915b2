// Command ceremony runs cryptographic key ceremonies from Lua scripts and
// verifies the transcripts they leave behind.
//
// Each subcommand lives in its own file and registers itself in init, so that
// the wiring for one capability can be read in one place.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0
	exitFailed  = 1 // the thing checked is wrong: invalid transcript, bad share, lint problems
	exitUsage   = 2 // could not run: usage error, unreadable input
	exitAborted = 3 // a ceremony stopped on an operator's decision
)

// stdio carries the streams a command may use, so tests can drive commands
// without touching the process's own.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

type command struct {
	name    string
	summary string // one line for the command list
	// run parses its own flags; args excludes the command name.
	run func(args []string, s stdio) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("ceremony: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr}))
}

func run(args []string, s stdio) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, s)
			}
		}
		usage(s.out)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		errorf(s.err, "unknown command %q", args[0])
		hintf(s.err, "run 'ceremony help' for the list of commands")
		return exitUsage
	}
	return c.run(args[1:], s)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `ceremony runs cryptographic key ceremonies and verifies their transcripts.

Usage:
  ceremony <command> [flags] [arguments]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run 'ceremony <command> --help' for a command's flags and an example.
`)
}

// errorf and hintf print the two kinds of message every command uses:
// lowercase, prefixed, one line each.
func errorf(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "ceremony: error: %s\n", strings.TrimSpace(fmt.Sprintf(format, a...)))
}

func hintf(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "ceremony: hint: %s\n", strings.TrimSpace(fmt.Sprintf(format, a...)))
}
