package main

import (
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/console"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/tui"
)

// chooseUI picks how the room is asked: --auto plays every participant (only
// in rehearsals), --plain is the line console, and otherwise the terminal
// UI when standard input and output are a terminal, else the line console.
// finish is called once the runner is done, before anything else is printed.
func chooseUI(f uiFlags, rehearsal bool, s stdio) (ui room.UI, finish func(), err error) {
	if err := f.check(rehearsal); err != nil {
		return nil, nil, err
	}
	switch {
	case f.auto:
		ui, err := autoUI(s)
		return ui, func() {}, err
	case !f.plain && isTerminal(s):
		ui, finish := terminalUI(s)
		return ui, finish, nil
	}
	return console.New(s.in, s.out), func() {}, nil
}

// check refuses UI flags that do not go together, before anything is
// created.
func (f uiFlags) check(rehearsal bool) error {
	switch {
	case f.auto && f.plain:
		return errors.New("--auto and --plain exclude each other")
	case f.auto && !rehearsal:
		return errors.New("--auto only rehearses: a real ceremony is carried out by its participants")
	}
	return nil
}

func isTerminal(s stdio) bool {
	in, ok1 := s.in.(*os.File)
	out, ok2 := s.out.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

// terminalUI puts the full-screen room UI on the terminal. finish closes it
// (after the room acknowledges the end screen) and gives the terminal back.
func terminalUI(s stdio) (room.UI, func()) {
	u := tui.New(tui.Options{Input: s.in, Output: s.out, NoColor: os.Getenv("NO_COLOR") != ""})
	done := make(chan error, 1)
	go func() { done <- u.Run() }()
	return u, func() {
		u.Close()
		if err := <-done; err != nil {
			errorf(s.err, "terminal: %v", err)
		}
	}
}

// autoUI is the rehearsal player. Three environment variables tune it for
// rehearsing failures: CEREMONY_AUTO_PACE (a pause before every answer, e.g.
// 50ms), CEREMONY_AUTO_MISREAD (how many out-of-band read-backs go wrong),
// and CEREMONY_AUTO_SHEETS (a file where the players keep their share
// sheets, so that a rehearsal killed and resumed still has them).
func autoUI(s stdio) (room.UI, error) {
	a := &auto.Auto{Log: s.out, SheetFile: os.Getenv("CEREMONY_AUTO_SHEETS")}
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
