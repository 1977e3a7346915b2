package main

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/ceremony-dev/ceremony/console"
	"github.com/ceremony-dev/ceremony/runner"
)

// chooseUI picks how the room is asked: --auto plays every participant (only
// in rehearsals), --plain is the line console, and otherwise the terminal
// UI when there is a terminal, else the line console.
func chooseUI(f uiFlags, rehearsal bool, s stdio) (runner.UI, error) {
	switch {
	case f.auto && f.plain:
		return nil, errors.New("--auto and --plain exclude each other")
	case f.auto && !rehearsal:
		return nil, errors.New("--auto only rehearses: a real ceremony is carried out by its participants")
	case f.auto:
		return autoUI(s)
	case !f.plain:
		if ui := terminalUI(s); ui != nil {
			return ui, nil
		}
	}
	return console.New(s.in, s.out), nil
}

// terminalUI returns the full-screen UI for the room when s is a terminal,
// or nil to fall back to the line console. The terminal UI is wired in here.
func terminalUI(s stdio) runner.UI { return nil }

// autoUI is the rehearsal player. Three environment variables tune it for
// rehearsing failures: CEREMONY_AUTO_PACE (a pause before every answer, e.g.
// 50ms), CEREMONY_AUTO_MISREAD (how many out-of-band read-backs go wrong),
// and CEREMONY_AUTO_SHEETS (a file where the players keep their share
// sheets, so that a rehearsal killed and resumed still has them).
func autoUI(s stdio) (runner.UI, error) {
	a := &runner.Auto{Log: s.out, SheetFile: os.Getenv("CEREMONY_AUTO_SHEETS")}
	if v := os.Getenv("CEREMONY_AUTO_PACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, errors.New("CEREMONY_AUTO_PACE: " + err.Error())
		}
		a.Pace = d
	}
	if v := os.Getenv("CEREMONY_AUTO_MISREAD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, errors.New("CEREMONY_AUTO_MISREAD: " + err.Error())
		}
		a.Misread = n
	}
	return a, nil
}
