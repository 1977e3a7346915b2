// Package console is the plain line-by-line UI of a ceremony (`--plain`): for
// serial consoles, screen readers and pipes. It prints what the room must
// see and reads one answer per line. Shares and other secrets are read with
// echo off when the input is a terminal.
//
// At any prompt, "!" records an exception and "!quit" leaves the ceremony
// (it asks why, and the reason is recorded). When a split refuses the share
// a holder typed back, "!sheet" shows them their sheet again.
package console

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/visible"
)

// Console implements room.UI on a reader and a writer.
type Console struct {
	in  *bufio.Reader
	fd  int
	tty bool
	out io.Writer
	// outTTY: the output is a terminal, the only place a share sheet goes.
	outTTY bool
	intr   chan struct{} // Interrupt's, taken by the prompt waiting
	last   string        // the step last announced
	// pending delivers the line being read, which outlives a prompt that
	// ctx ended.
	pending chan answer
}

// New returns a console reading answers from in and writing to out. When in
// is a terminal, secrets are read with echo off and share sheets are
// cleared from the screen.
func New(in io.Reader, out io.Writer) *Console {
	c := &Console{in: bufio.NewReader(in), out: out, fd: -1}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.fd, c.tty = int(f.Fd()), true
	}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.outTTY = true
	}
	c.intr = make(chan struct{}, 1)
	return c
}

// AtTerminal reports whether a person types into the console at a
// terminal, who can be asked why a ceremony is interrupted.
func (c *Console) AtTerminal() bool { return c.tty }

// Interrupt makes the prompt waiting for the room, or the next one, ask why
// the ceremony is left and leave it with that reason on the record.
func (c *Console) Interrupt() {
	select {
	case c.intr <- struct{}{}:
	default:
	}
}

// ErrSheetNotShown is a share sheet the console will not print: its output
// is not a terminal, so the words would land in a file or a log.
var ErrSheetNotShown = errors.New("the share sheet is not shown: the console's output is not a terminal, and a sheet must never reach a file or a log; run the ceremony with its output on the room's screen")

var _ room.UI = (*Console)(nil)

// printf writes to the console; every text it is given is shown with its
// control characters made visible, so that a name or a typed value cannot
// move the cursor or reorder the line. The format is the console's own.
func (c *Console) printf(format string, a ...any) {
	for i, v := range a {
		if s, ok := v.(string); ok {
			a[i] = visible.Text(s)
		}
	}
	fmt.Fprintf(c.out, format, a...)
}

// answer is one line read, or why none could be.
type answer struct {
	line []byte
	err  error
}

// read reads one answer. "!" and "!quit" work at every prompt. It returns
// when ctx ends even while waiting for a line (an interrupt, a SIGTERM); the
// line still being read is then taken by the next prompt, and a terminal
// left with echo off is given its echo back.
func (c *Console) read(ctx context.Context, prompt string) (string, error) {
	line, err := c.readBytes(ctx, prompt, false)
	return string(line), err
}

// readBytes is read for an answer that may be secret: it is returned in the
// buffer it was read into, trimmed, for the caller to wipe, and a secret
// answer is read with echo off when the input is a terminal.
func (c *Console) readBytes(ctx context.Context, prompt string, secret bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.printf("%s", prompt)
	var restore *term.State
	if c.pending == nil {
		ch := make(chan answer, 1)
		c.pending = ch
		if secret && c.tty {
			restore, _ = term.GetState(c.fd)
			go func() {
				b, err := term.ReadPassword(c.fd)
				ch <- answer{b, err}
			}()
		} else {
			go func() {
				line, err := c.in.ReadBytes('\n')
				if err == io.EOF && len(line) > 0 {
					err = nil
				}
				ch <- answer{line, err}
			}()
		}
	}
	var a answer
	select {
	case a = <-c.pending:
		c.pending = nil
	case <-ctx.Done():
		if restore != nil {
			term.Restore(c.fd, restore)
		}
		c.printf("\n")
		return nil, ctx.Err()
	case <-c.intr:
		// Ctrl-C with a person at the keyboard: the ceremony is left as
		// with !quit, and the reason goes on the record.
		if restore != nil {
			term.Restore(c.fd, restore)
		}
		c.printf("\nInterrupted. ")
		why, err := c.read(ctx, "Why is the ceremony being left? ")
		if err != nil {
			return nil, err
		}
		return nil, &room.QuitError{Reason: "interrupted: " + why}
	}
	if secret && c.tty {
		c.printf("\n")
	}
	if a.err == io.EOF {
		clear(a.line)
		return nil, &room.QuitError{Reason: "the console's input ended"}
	}
	if a.err != nil {
		clear(a.line)
		return nil, a.err
	}
	line := bytes.TrimSpace(a.line)
	switch string(line) {
	case "!":
		return nil, room.ErrException
	case "!quit":
		why, err := c.read(ctx, "Why is the ceremony being left? ")
		if err != nil {
			return nil, err
		}
		return nil, &room.QuitError{Reason: why}
	}
	return line, nil
}

func (c *Console) Begin(r room.Ceremony) {
	mode := "LIVE"
	if r.Rehearsal {
		mode = "REHEARSAL"
	}
	c.printf("== %s %s == %s ==\n", r.Name, r.Version, mode)
	for i, a := range r.Acts {
		c.printf("Act %d: %s\n", i+1, a.Title)
		for _, s := range a.Steps {
			c.printf("  %s  [%s] %s\n", s.Number, s.Role, firstLine(s.Text))
		}
	}
	c.printf("Bundle: %s\nAt any prompt: ! records an exception, !quit leaves the ceremony.\n\n", r.Bundle)
}

func (c *Console) Progress(s room.Status) {
	if s.Actor == nil || s.Act < 0 || s.Step < 0 {
		return
	}
	key := fmt.Sprintf("%d.%d/%s", s.Act, s.Step, s.Actor.ID)
	if key == c.last {
		return
	}
	c.last = key
	c.printf("-- %s acts", s.Actor.Name)
	for _, w := range s.Witnesses {
		c.printf(", %s witnesses", w.Name)
	}
	c.printf(" -- %d events, head %s --\n", s.Events, strings.Join(s.HeadWords, " "))
}

func (c *Console) Choose(ctx context.Context, ch room.Choice) (int, error) {
	c.printf("%s\n", ch.Title)
	for i, o := range ch.Options {
		c.printf("  %d) %s\n", i+1, o)
	}
	for {
		line, err := c.read(ctx, "Number: ")
		if err != nil {
			return 0, err
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(ch.Options) {
			return n - 1, nil
		}
		c.printf("Type a number from 1 to %d.\n", len(ch.Options))
	}
}

func (c *Console) Confirm(ctx context.Context, cf room.Confirmation) error {
	c.printf("\nStep %s (%s): %s\n", cf.Step.Number, cf.Step.RoleTitle, cf.Step.Text)
	if len(cf.Shows) > 0 {
		c.printf("What is confirmed:\n")
		for _, f := range cf.Shows {
			c.printf("  %s:\n", f.Label)
			for _, l := range strings.Split(f.Value, "\n") {
				c.printf("    %s\n", l)
			}
		}
	}
	if err := c.initials(ctx, cf, cf.Actor, "to confirm this was done"); err != nil {
		return err
	}
	for _, w := range cf.Witnesses {
		if err := c.initials(ctx, cf, w, "to confirm you witnessed it"); err != nil {
			return err
		}
	}
	return nil
}

func (c *Console) initials(ctx context.Context, cf room.Confirmation, p room.Participant, why string) error {
	prompt := fmt.Sprintf("%s, type your initials %s: ", p.Name, why)
	if p.Remote {
		prompt = fmt.Sprintf("%s (by phone), %s: %s, type the initials they give: ", p.Name, why, cf.Keyboard.Name)
	}
	for {
		line, err := c.read(ctx, prompt)
		if err != nil {
			return err
		}
		if err := cf.CheckInitials(p, line); err != nil {
			c.printf("%v\n", err)
			continue
		}
		return nil
	}
}

func (c *Console) Value(ctx context.Context, v room.ValueRequest) ([]byte, error) {
	for {
		prompt := v.Label
		if v.Help != "" {
			prompt += " (" + v.Help + ")"
		}
		b, err := c.readBytes(ctx, prompt+": ", v.Secret)
		if err != nil {
			return nil, err
		}
		if v.Validate != nil {
			if err := v.Validate(b); err != nil {
				clear(b)
				c.printf("%v\n", err)
				continue
			}
		}
		return b, nil
	}
}

func (c *Console) Share(ctx context.Context, s room.ShareEntry) error {
	echo := "echo is off"
	if !c.tty {
		echo = "the input is not a terminal, so it is not hidden"
	}
	c.printf("\n%s: enter your share of %s (%d of %d): %d words, on one line or several (%s).\n",
		s.Holder.Name, s.Label, s.K, s.M, s.Words, echo)
	refused := false
	for {
		words, err := c.shareWords(ctx, s, refused && s.Reshow)
		if err != nil {
			return err
		}
		if err := s.Submit(words); err != nil {
			refused = true
			again := "Enter the whole share again"
			if s.Reshow {
				again += ", or type !sheet to see your sheet again and correct your copy"
			}
			c.printf("Share refused: %v. %s.\n", err, again)
			continue
		}
		c.printf("Share accepted.\n")
		return nil
	}
}

// shareWords reads words until the share is complete, checking each as it
// comes; a bad word is reported by position and the entry goes on from it.
// With reshow, "!sheet" as the first line asks for the holder's sheet again.
func (c *Console) shareWords(ctx context.Context, s room.ShareEntry, reshow bool) ([]string, error) {
	words := make([]string, 0, s.Words)
	for len(words) < s.Words {
		line, err := c.readBytes(ctx, fmt.Sprintf("words %d-: ", len(words)+1), true)
		if err != nil {
			clear(words)
			return nil, err
		}
		if reshow && len(words) == 0 && string(line) == "!sheet" {
			return nil, room.ErrShowSheet
		}
		for _, typed := range bytes.Fields(line) {
			if len(words) == s.Words {
				break
			}
			w, err := s.Word(len(words), typed)
			if err != nil {
				c.printf("Word %d: %v. Go on from word %d.\n", len(words)+1, err, len(words)+1)
				break
			}
			words = append(words, w)
		}
		clear(line)
	}
	return words, nil
}

func (c *Console) Compare(ctx context.Context, cm room.Comparison) error {
	c.printf("\nOut-of-band check of %s with %s.\n", cm.Label, cm.Remote.Name)
	if cm.Blind {
		c.printf("The hash is not shown: %s reads it from their own copy first, and the tool compares.\n", cm.Remote.Name)
	} else {
		c.showHash("SHA-256", cm.Hex, cm.Words, -1)
	}
	for {
		line, err := c.read(ctx, fmt.Sprintf("Type what %s reads from their copy (hex or words): ", cm.Remote.Name))
		if err != nil {
			return err
		}
		at, err := cm.Check(line)
		switch {
		case err == nil:
			c.printf("The read-back matches.\n")
			if cm.Blind {
				c.showHash("SHA-256", cm.Hex, cm.Words, -1)
			}
			return nil
		case at < 0:
			c.printf("%v. Read it back again.\n", err)
			continue
		}
		c.printf("MISMATCH at %d: %v. The mismatch is recorded and the step halts.\n", at+1, err)
		fields := strings.Fields(strings.ToLower(line))
		if isHexText(line) {
			heard := strings.ReplaceAll(strings.Join(fields, ""), ":", "")
			c.printf("SHA-256 of %s:\n", cm.Label)
			c.hexRows(cm.Hex, at)
			c.printf("Read back by %s:\n", cm.Remote.Name)
			c.hexRows(heard, at)
		} else {
			c.printf("PGP words of %s:\n", cm.Label)
			c.wordRows(cm.Words, at)
			c.printf("Read back by %s:\n", cm.Remote.Name)
			c.wordRows(fields, at)
		}
		if _, rerr := c.read(ctx, "Press Enter to record the exception (trying again is offered first). "); rerr != nil {
			return rerr
		}
		return err
	}
}

// showHash prints a hash in hex and in words.
func (c *Console) showHash(title, hex string, words []string, at int) {
	c.printf("%s:\n", title)
	c.hexRows(hex, at)
	c.printf("PGP words:\n")
	c.wordRows(words, at)
}

// hexRows prints hex in rows of four groups, the group holding digit at
// (when >= 0) in brackets, since a plain console has no highlight.
func (c *Console) hexRows(hex string, at int) {
	var row []string
	for i := 0; i < len(hex); i += 4 {
		g := hex[i:min(i+4, len(hex))]
		if at >= i && at < i+4 {
			g = "[" + g + "]"
		}
		if row = append(row, g); len(row) == 4 || i+4 >= len(hex) {
			c.printf("  %s\n", strings.Join(row, " "))
			row = nil
		}
	}
}

func (c *Console) wordRows(words []string, at int) {
	for i := 0; i < len(words); i += 8 {
		row := append([]string(nil), words[i:min(i+8, len(words))]...)
		if at >= i && at < i+8 {
			row[at-i] = "[" + row[at-i] + "]"
		}
		c.printf("  %s\n", strings.Join(row, " "))
	}
}

func isHexText(s string) bool {
	for _, r := range strings.ToLower(s) {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r == ' ' || r == ':') {
			return false
		}
	}
	return true
}

func (c *Console) Sheet(ctx context.Context, s room.Sheet) error {
	if !c.outTTY {
		return ErrSheetNotShown
	}
	if s.Void != "" {
		line := strings.Repeat("#", 72)
		c.printf("\n%s\n%s\n%s\n", line, s.Void, line)
	}
	c.printf("\nShare sheet for %s. Everyone but %s looks away now.\n", s.Holder.Name, s.Holder.Name)
	if s.Again {
		c.printf("%s's copy did not check: the sheet is shown again to correct it.\n", s.Holder.Name)
	}
	if _, err := c.read(ctx, "Press Enter when only "+s.Holder.Name+" can see the screen. "); err != nil {
		return err
	}
	c.printf("%s\n", s.Body)
	_, err := c.read(ctx, "Press Enter once the sheet is copied and checked; the screen is then cleared. ")
	c.clearScreen()
	return err
}

func (c *Console) clearScreen() {
	if c.tty {
		c.printf("\x1b[2J\x1b[3J\x1b[H")
		return
	}
	c.printf("\f\n---- sheet removed ----\n")
}

func (c *Console) Exception(ctx context.Context, f room.ExceptionForm) (room.ExceptionReport, error) {
	c.printf("\nException at step %s%s.\n", f.Step.Number, tries(f.Attempt))
	var rep room.ExceptionReport
	var err error
	if rep.Expected, err = c.keeping(ctx, "What was expected", f.Expected); err != nil {
		return rep, err
	}
	if rep.Happened, err = c.keeping(ctx, "What happened", f.Happened); err != nil {
		return rep, err
	}
	i, err := c.Choose(ctx, room.Choice{Title: "Decision:", Options: f.Decisions})
	if err != nil {
		return rep, err
	}
	rep.Decision = f.Decisions[i]
	names := make([]string, len(f.Approvers))
	for i, p := range f.Approvers {
		names[i] = p.Name + " (" + p.ID + ")"
	}
	if i, err = c.Choose(ctx, room.Choice{Title: "Approved by:", Options: names}); err != nil {
		return rep, err
	}
	rep.Approver = f.Approvers[i]
	return rep, nil
}

// keeping asks for a text that has a prefilled value, which an empty answer
// keeps; with none, it asks until a text is given.
func (c *Console) keeping(ctx context.Context, what, def string) (string, error) {
	prompt := what + ": "
	if def != "" {
		prompt = what + " [" + def + "] (Enter keeps it): "
	}
	for {
		s, err := c.read(ctx, prompt)
		switch {
		case err != nil:
			return "", err
		case s != "":
			return s, nil
		case def != "":
			return def, nil
		}
	}
}

func (c *Console) Notice(n room.Notice) { c.printf("[%s] %s\n", n.Level, n.Text) }

func (c *Console) End(s room.Summary) {
	state := "COMPLETE"
	if !s.Complete {
		state = "NOT COMPLETE: resume it with ceremony resume " + s.Bundle
	}
	c.printf("\n== The ceremony is %s ==\n%d events in %s\nFinal head, for the paper script:\n", state, s.Events, s.Bundle)
	for i := 0; i < len(s.HeadWords); i += 8 {
		c.printf("  %s\n", strings.Join(s.HeadWords[i:min(i+8, len(s.HeadWords))], " "))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// tries says how often a step failing again has been tried, so that the
// room sees a retry loop for what it is.
func tries(attempt int) string {
	if attempt < 2 {
		return ""
	}
	return fmt.Sprintf(", tried %d times", attempt)
}
