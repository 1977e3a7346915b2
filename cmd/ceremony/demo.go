package main

import (
	"fmt"
	"os"
	"time"

	"github.com/ceremony-dev/ceremony/ceremonies"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "rehearse the demonstration ceremony on the embedded token",
		run:     runDemo,
	})
}

func runDemo(args []string, s stdio) int {
	fs, ui := ceremonyFlags(s, "demo [--out DIR] [--auto|--plain]",
		"Rehearses ceremonies/demo.lua, a short ceremony that uses every step\n"+
			"primitive: shares are split and entered, the embedded software token is\n"+
			"initialised and activated, a key is generated, a request is confirmed out\n"+
			"of band and signed. The bundle is written to a new directory (by default\n"+
			"ceremony-demo-<UTC time> here) that ceremony verify accepts.",
		"ceremony demo --auto --out demo-bundle && ceremony verify demo-bundle")
	out := fs.String("out", "", "the bundle `directory` to create; it must not exist")
	pos, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		errorf(s.err, "demo takes no arguments")
		return exitUsage
	}
	if *out == "" {
		*out = freshDir("ceremony-demo-" + time.Now().UTC().Format("20060102T150405Z"))
	}
	src, err := ceremonies.FS.ReadFile(ceremonies.Demo)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitFailed
	}
	if err := ui.check(true); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	c, code := prepare(ceremonies.Demo, src, "", *out, true, s)
	if c == nil {
		return code
	}
	fmt.Fprintf(s.err, "ceremony: demo bundle in %s\n", *out)
	return c.start(*ui, s)
}

// freshDir returns base, or base-2, base-3 ... whichever does not exist yet.
func freshDir(base string) string {
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dir); os.IsNotExist(err) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}
