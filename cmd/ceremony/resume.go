package main

func init() {
	register(&command{
		name:    "resume",
		summary: "go on with an interrupted ceremony from its bundle",
		run:     runResume,
	})
}

func runResume(args []string, s stdio) int {
	fs, ui := ceremonyFlags(s, "resume DIR [--plain|--auto] [--config FIXED --because TEXT --approved-by ID]",
		"Goes on with the interrupted ceremony in the bundle DIR. The script and the\n"+
			"configuration are the copies in the bundle. The script runs again from the\n"+
			"start, fed with the results the transcript recorded, and the room takes over\n"+
			"where the record ends. A torn last line is cut and the cut recorded. Steps\n"+
			"that held a secret when the run stopped (shares being entered, a split in\n"+
			"progress) run again, and the transcript says so. --auto is for rehearsals.\n\n"+
			"Where the token in the configuration was wrong (a mistyped URI, a module that\n"+
			"moved), --config gives a corrected copy: only [token] may differ. The change,\n"+
			"its reason and who approved it are recorded, the corrected file is kept in\n"+
			"the bundle, and from then on resume and verify use it.",
		"ceremony resume ksk-2026-q4\n"+
			"  ceremony resume ksk-2026-q4 --config fixed.toml --because \"token uri mistyped\" --approved-by alice")
	var fix correction
	fs.StringVar(&fix.config, "config", "", "a corrected configuration `file`, differing only in [token]")
	fs.StringVar(&fix.because, "because", "", "what was wrong with the recorded configuration (`text`)")
	fs.StringVar(&fix.approvedBy, "approved-by", "", "the roster `id` of who approves the correction")
	pos, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		errorf(s.err, "resume needs the bundle directory")
		hintf(s.err, "ceremony resume --help shows an example")
		return exitUsage
	}
	c, code := resumeRun(pos[0], fix, s)
	if c == nil {
		return code
	}
	return c.start(*ui, s)
}
