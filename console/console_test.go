package console_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/console"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

const script = `
ceremony { name = "Console", version = "1",
  roles = { CA = role "Administrator", IW = role "Witness", RP = role { "Remote", remote = true } },
  inputs = { f = file "A file" } }
act "One" {
  step { by = "CA", witness = "IW", "Record the bag.", on_failure = { "retry", "skip" },
         run = function() record { "Bag", pattern = "^%u%u%d+$" } end },
  step { by = "CA", witness = "RP", "Read the hash.", on_failure = "retry",
         run = function() verify_out_of_band { input "f", with = "RP" } end },
  step { by = "CA", witness = "IW", "A plain step." },
}
`

// TestConsoleCeremony drives a short ceremony through the console as the
// room would type it: a value refused by its pattern, an exception raised
// with "!", a bare "yes" and then a wrong read-back refused, initials.
func TestConsoleCeremony(t *testing.T) {
	s, err := scripts.LoadSource(context.Background(), []byte(script), scripts.Options{Name: "console.lua"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	content := []byte("the file\n")
	d := steps.DigestOf(content)
	wrong := append([]string(nil), d.Words...)
	wrong[3] = d.Words[5]
	input := strings.Join([]string{
		"ab1",          // 1.1: refused by the pattern
		"!",            // an exception instead
		"a bag number", // expected
		"",             // happened: asked until it is said
		"the bag is torn",
		"2",                                // decision: skip
		"1",                                // approved by the first offered
		"yes",                              // 1.2: not a read-back at all
		strings.Join(wrong, " "),           // a read-back that differs: the step halts
		"",                                 // seen: on to the exception
		"the hash read back", "", "1", "1", // exception: retry
		d.Hex,      // 1.2 again: the right hash
		"AA", "cc", // initials of actor and remote witness
		"AA", "x", "BB", // 1.3: a wrong witness initial, then the right one
	}, "\n") + "\n"
	var out bytes.Buffer
	ui := console.New(strings.NewReader(input), &out)
	bundle := filepath.Join(t.TempDir(), "b")
	w, err := transcript.Create(bundle, transcript.Header{ID: "console", Name: "Console", Script: []byte(script), Rehearsal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	env := runner.Env{UI: ui, Bundle: bundle, Rehearsal: true,
		Roster: []room.Participant{{ID: "ann", Name: "Ann Archer", Roles: []string{"CA"}},
			{ID: "ben", Name: "Ben Brook", Roles: []string{"IW"}}, {ID: "cy", Name: "Cy Cole", Roles: []string{"RP"}}},
		Input: func(string) ([]byte, error) { return content, nil }}
	if err := runner.New(s, w, nil, env).Run(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"== Console 1 == REHEARSAL ==",
		`"ab1" is not exactly 2 capital letters, then one or more digits`,
		"Read back by Cy Cole:",
		"[" + d.Words[3] + "]", "[" + strings.ToLower(d.Words[5]) + "]", // the difference, marked in both
		"Exception at step 1.1",
		"neither the hash in hex nor in PGP words",
		"MISMATCH at 4",
		"The read-back matches.",
		"those are not the initials of Ben Brook",
		"The ceremony is COMPLETE",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the console did not say %q:\n%s", want, out.String())
		}
	}
	var types []string
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, e.Type+" "+e.Step)
	}
	want := "ceremony.begin  step.begin 1.1 exception 1.1 step.end 1.1 step.begin 1.2 oob.mismatch 1.2 exception 1.2 " +
		"step.begin 1.2 oob.confirmed 1.2 step.end 1.2 step.begin 1.3 step.end 1.3 checkpoint  ceremony.end  checkpoint "
	if got := strings.TrimSpace(strings.Join(types, " ")); got != strings.TrimSpace(want) {
		t.Fatalf("recorded\n%s\nwant\n%s", got, want)
	}
}

func TestConsoleShareEntry(t *testing.T) {
	submitted := 0
	entry := room.ShareEntry{
		Holder: room.Participant{ID: "cid", Name: "Cid Cole"}, Label: "user PIN", K: 1, M: 2, Words: 3,
		Word: func(i int, typed []byte) (string, error) {
			if string(typed) == "bad" {
				return "", errors.New("not a word of the list")
			}
			return string(typed), nil
		},
		Complete: func(int, []byte) []string { return nil },
		Submit: func(words []string) error {
			submitted++
			if submitted == 1 {
				return errors.New("the checksum does not match")
			}
			if strings.Join(words, " ") != "one two three" {
				return errors.New("wrong words")
			}
			return nil
		},
	}
	var out bytes.Buffer
	ui := console.New(strings.NewReader("one bad\ntwo three\none two three\n"), &out)
	if err := ui.Share(context.Background(), entry); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Word 2: not a word of the list", "Share refused: the checksum does not match", "Share accepted."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "three") {
		t.Errorf("the console echoed share words:\n%s", out.String())
	}
}

// TestConsoleShareEntryOffersTheSheet: during a split, once a share was
// refused, "!sheet" asks for the holder's sheet again; before, it is only
// letters that are not a word.
func TestConsoleShareEntryOffersTheSheet(t *testing.T) {
	entry := room.ShareEntry{
		Holder: room.Participant{ID: "cid", Name: "Cid Cole"}, Label: "user PIN", K: 1, M: 3, Words: 2, Reshow: true,
		Word:     func(i int, typed []byte) (string, error) { return string(typed), nil },
		Complete: func(int, []byte) []string { return nil },
		Submit:   func([]string) error { return errors.New("the check words do not match") },
	}
	var out bytes.Buffer
	ui := console.New(strings.NewReader("one two\n!sheet\n"), &out)
	if err := ui.Share(context.Background(), entry); !errors.Is(err, room.ErrShowSheet) {
		t.Fatalf("Share = %v, want room.ErrShowSheet\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "or type !sheet to see your sheet again") {
		t.Errorf("the console does not offer the sheet:\n%s", out.String())
	}
}

func TestConsoleQuitAndEOF(t *testing.T) {
	for _, tc := range []struct{ input, reason string }{
		{"!quit\nthe safe will not open\n", "the safe will not open"},
		{"", "the console's input ended"},
	} {
		ui := console.New(strings.NewReader(tc.input), &bytes.Buffer{})
		_, err := ui.Choose(context.Background(), room.Choice{Title: "who?", Options: []string{"a", "b"}})
		var q *room.QuitError
		if !errors.As(err, &q) || q.Reason != tc.reason {
			t.Errorf("input %q: got %v, want quit %q", tc.input, err, tc.reason)
		}
	}
}

func TestConsoleReturnsWhenContextEnds(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ui := console.New(r, &bytes.Buffer{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ui.Value(ctx, room.ValueRequest{Label: "Bag"})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context's end", err)
	}
	// The line typed meanwhile goes to the next prompt.
	go w.Write([]byte("AB12\n"))
	v, err := ui.Value(context.Background(), room.ValueRequest{Label: "Bag"})
	if err != nil || string(v) != "AB12" {
		t.Fatalf("next prompt got %q, %v", v, err)
	}
}

// A share sheet goes only to a terminal: piped to a file or a log, the
// console refuses to print it and says why.
func TestConsoleSheetOnlyToATerminal(t *testing.T) {
	var out bytes.Buffer
	c := console.New(strings.NewReader("\n\n"), &out)
	err := c.Sheet(context.Background(), room.Sheet{Holder: room.Participant{ID: "cid", Name: "Cid Cole"},
		Title: "share 1 of 3", Body: "1 aardvark absurd", Words: []string{"aardvark", "absurd"}})
	if !errors.Is(err, console.ErrSheetNotShown) {
		t.Fatalf("Sheet: %v, want ErrSheetNotShown", err)
	}
	if strings.Contains(out.String(), "aardvark") {
		t.Fatalf("the sheet reached the output:\n%s", out.String())
	}
}

// What the console is given to show (a name, a typed value) is shown with
// its control characters made visible, never interpreted by the terminal.
func TestConsoleShowsControlsVisibly(t *testing.T) {
	var out bytes.Buffer
	c := console.New(strings.NewReader(""), &out)
	c.Notice(room.Notice{Level: "info", Text: "bag \x1b[2J\u202eAB12"})
	if strings.ContainsAny(out.String(), "\x1b\u202e") || !strings.Contains(out.String(), `\x1b[2J\u202eAB12`) {
		t.Fatalf("shown as %q", out.String())
	}
}

// TestBlindCompare: the console prints a blind comparison's hash only once
// the read-back has been compared.
func TestBlindCompare(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	var out bytes.Buffer
	typed := "abab abab\n"
	ui := console.New(strings.NewReader(typed), &out)
	var before string
	err := ui.Compare(context.Background(), room.Comparison{Label: "KSR", Hex: hex, Words: []string{"tactics"}, Blind: true,
		Remote: room.Participant{ID: "z", Name: "Zed"},
		Check: func(s string) (int, error) {
			before = out.String()
			return -1, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(before, "abab") || strings.Contains(before, "tactics") || !strings.Contains(before, "The hash is not shown: Zed reads it from their own copy first") {
		t.Fatalf("before the read-back:\n%s", before)
	}
	if !strings.Contains(out.String(), "abab abab abab abab") {
		t.Fatalf("after the read-back the hash is not shown:\n%s", out.String())
	}
}
