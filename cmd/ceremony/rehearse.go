package main

func init() {
	register(&command{
		name:    "rehearse",
		summary: "rehearse a ceremony on a practice token; every event is marked rehearsal",
		run:     runRehearse,
	})
}

func runRehearse(args []string, s stdio) int {
	fs, ui := ceremonyFlags(s, "rehearse SCRIPT --out DIR [--config FILE] [--auto|--plain]",
		"Rehearses the ceremony in SCRIPT: everything happens as in a real run, but\n"+
			"every event of the bundle DIR is marked as a rehearsal. Without --config, a\n"+
			"roster is made up (one person per role slot) and the embedded software token\n"+
			"is kept beside the bundle in DIR.token; with --config, its token is used, for\n"+
			"instance SoftHSM2 through PKCS #11. With --auto the tool plays every\n"+
			"participant; inputs without a configured path get a stand-in.",
		"ceremony rehearse ceremonies/demo.lua --auto --out rehearsal-1 && ceremony verify rehearsal-1")
	config := fs.String("config", "", "the ceremony's configuration `file` (TOML); made up when absent")
	out := fs.String("out", "", "the bundle `directory` to create; it must not exist")
	pos, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *out == "" {
		errorf(s.err, "rehearse needs SCRIPT and --out")
		hintf(s.err, "ceremony rehearse --help shows an example")
		return exitUsage
	}
	if err := ui.check(true); err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	c, code := prepare(pos[0], nil, *config, *out, true, s)
	if c == nil {
		return code
	}
	return c.start(*ui, s)
}
