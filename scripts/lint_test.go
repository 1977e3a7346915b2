package scripts_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/scripts"
)

var (
	wantRE   = regexp.MustCompile(`^(\d+) (.*)$`)
	rosterRE = regexp.MustCompile(`(?m)^-- roster: (.*)$`)
	setsRE   = regexp.MustCompile(`(?m)^-- sets: (.*)$`)
)

// lintProblems loads a script and checks it as `ceremony check` does: a
// script that does not load is one problem, at the line the error names.
func lintProblems(t *testing.T, path string, roster *scripts.Roster) []scripts.Problem {
	t.Helper()
	s, err := scripts.Load(context.Background(), path, scripts.Options{})
	if err != nil {
		var e *scripts.Error
		if !errors.As(err, &e) {
			t.Fatalf("load error is not a *scripts.Error: %v", err)
		}
		return []scripts.Problem{{File: e.File, Line: e.Line, Message: e.Msg}}
	}
	defer s.Close()
	return scripts.Check(s.Plan(), roster)
}

// TestLintCorpus loads each script in testdata/lint and expects exactly the
// problems its `-- want: LINE text` comments announce; `-- roster:` and
// `-- sets:` comments describe the configuration to check against.
func TestLintCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/lint/*.lua")
	if err != nil || len(files) < 10 {
		t.Fatalf("lint corpus missing: %v %v", files, err)
	}
	// The example that uses every primitive is the corpus's clean case.
	files = append(files, "testdata/example.lua")
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			type want struct {
				line int
				text string
			}
			var wants []want
			for _, line := range strings.Split(string(src), "\n") {
				for _, part := range strings.Split(line, "-- want: ")[1:] {
					m := wantRE.FindStringSubmatch(strings.TrimSpace(part))
					if m == nil {
						t.Fatalf("malformed want comment: %q", part)
					}
					n, _ := strconv.Atoi(m[1])
					wants = append(wants, want{n, m[2]})
				}
			}
			var roster *scripts.Roster
			if m := rosterRE.FindStringSubmatch(string(src)); m != nil {
				roster = &scripts.Roster{}
				for _, p := range strings.Fields(m[1]) {
					id, roles, _ := strings.Cut(p, "=")
					roster.Participants = append(roster.Participants, scripts.Participant{ID: id, Roles: strings.Split(roles, ",")})
				}
			}
			if m := setsRE.FindStringSubmatch(string(src)); m != nil {
				if roster == nil {
					roster = &scripts.Roster{}
				}
				roster.Sets = strings.Fields(m[1])
			}
			got := lintProblems(t, path, roster)
			matched := make([]bool, len(got))
			for _, w := range wants {
				found := false
				for i, p := range got {
					if !matched[i] && p.Line == w.line && strings.Contains(p.Message, w.text) {
						matched[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing problem at line %d containing %q", w.line, w.text)
				}
			}
			for i, p := range got {
				if p.File != path {
					t.Errorf("problem names file %q, want %q", p.File, path)
				}
				if !matched[i] {
					t.Errorf("unexpected problem: %s", p)
				}
			}
		})
	}
}
