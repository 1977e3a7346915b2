package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ceremony-dev/ceremony/tooltest"
)

// TestDemoInTheTerminalUI runs `ceremony demo` in a real terminal (a tmux
// pane of 80x24) and plays the room: it reads the screen as people do, copies
// each share sheet as its holder would, types shares, initials and the
// read-back, and closes the end screen. `ceremony verify` must then accept
// the bundle.
func TestDemoInTheTerminalUI(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a whole ceremony")
	}
	tooltest.Need(t, "tmux", "tmux")
	bin := buildBinary(t)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	room := &pane{t: t, socket: fmt.Sprintf("ceremony-e2e-%d", os.Getpid()), exit: filepath.Join(dir, "exit")}
	t.Cleanup(func() { room.tmux("kill-server") })
	// The shell records the exit code; the pane stays so the end can be read.
	room.tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", "room",
		fmt.Sprintf("%s demo --out %s; echo $? > %s; sleep 600", bin, bundle, room.exit))

	sheets := map[string][]string{} // label + holder -> words copied from the sheet
	seen := map[string]int{}        // screens the room went through
	for steps := 0; ; steps++ {
		if steps > 400 {
			t.Fatalf("the demo did not end after %d actions; the screen:\n%s", steps, room.screen())
		}
		scr := room.settled()
		if code, ok := room.exited(); ok {
			if code != "0" {
				t.Fatalf("ceremony demo exited %s; the screen:\n%s", code, scr)
			}
			break
		}
		switch {
		case strings.Contains(scr, "press enter to show your sheet"):
			room.keys("Enter")
		case strings.Contains(scr, "once you have your sheet"):
			holder := find(t, scr, `Share sheet for (.+)`)
			label := find(t, scr, `\n(.+): share \d+ of \d+`)
			sheets[label+"/"+holder] = sheetWords(scr)
			seen["sheet"]++
			room.keys("Enter")
		case strings.Contains(scr, "checking the share…"):
			// Still the share-entry screen: typing the share again would
			// count a share twice. Wait, and take the next screen as new.
			room.last = ""
			time.Sleep(100 * time.Millisecond)
		case strings.Contains(scr, "Share entry ·"):
			seen["share"]++
			holder := find(t, scr, `Share entry · (.+?) ·`)
			label := find(t, scr, `Set "(.+?)"`)
			words, ok := sheets[label+"/"+holder]
			if !ok {
				t.Fatalf("%s has no sheet of %s; the screen:\n%s", holder, label, scr)
			}
			room.typed(strings.Join(words, " ") + " ")
			// Below the header, whose head words may be any PGP words.
			_, body, _ := strings.Cut(room.screen(), "────\n")
			for _, w := range strings.Fields(body) {
				if slices.Contains(words, w) {
					t.Fatalf("the share's word %q is on the screen:\n%s", w, body)
				}
			}
		case strings.Contains(scr, "Compare out of band"):
			seen["compare"]++
			room.typed(compareHex(scr))
			room.keys("Enter")
		case strings.Contains(scr, "type your initials"):
			room.typed(initials(find(t, scr, `([A-Z][\w'-]+(?: [A-Z][\w'-]+)*), type your initials`)))
			room.keys("Enter")
		case strings.Contains(scr, "Press enter to close"):
			seen["end"]++
			if !strings.Contains(scr, "The ceremony is complete") {
				t.Fatalf("the end screen does not say the ceremony is complete:\n%s", scr)
			}
			room.keys("Enter")
		case strings.Contains(scr, "press enter to confirm"),
			strings.Contains(scr, "enter choose"):
			room.keys("Enter")
		case strings.Contains(scr, "Token bag"):
			room.typed("AB12345678")
			room.keys("Enter")
		case strings.Contains(scr, "Working…"):
			time.Sleep(100 * time.Millisecond)
		default:
			t.Fatalf("a screen the room does not know what to do with:\n%s", scr)
		}
	}
	// The demo splits two secrets 2 of 3: six sheets, two shares typed back
	// for each, two typed to activate the token and two to check the SO set.
	if want := map[string]int{"sheet": 6, "share": 8, "compare": 1, "end": 1}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("the room went through %v, want %v", seen, want)
	}
	// The alternate screen leaves no sheet in the terminal's scrollback.
	all := room.history()
	for key, words := range sheets {
		if strings.Contains(all, "1 "+words[0]) && strings.Contains(all, "2 "+words[1]) {
			t.Errorf("the sheet of %s is left in the terminal:\n%s", key, all)
		}
	}
	out, err := exec.Command(bin, "verify", bundle).CombinedOutput()
	if err != nil {
		t.Fatalf("ceremony verify: %v\n%s", err, out)
	}
}

// pane is one tmux pane with its own server, so the test touches no one
// else's sessions.
type pane struct {
	t      *testing.T
	socket string
	exit   string
	last   string
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil && args[0] != "kill-server" {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (p *pane) screen() string { return p.tmux("capture-pane", "-p", "-t", "room") }

// history is the terminal's scrollback and screen.
func (p *pane) history() string {
	return p.tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t", "room")
}

// settled waits until the screen has changed since the last action and then
// stopped changing. The first line, with its ticking clock, is left out.
func (p *pane) settled() string {
	p.t.Helper()
	body := func(s string) string {
		_, rest, _ := strings.Cut(s, "\n")
		return rest
	}
	deadline := time.Now().Add(20 * time.Second)
	prev := ""
	for {
		time.Sleep(150 * time.Millisecond)
		scr := p.screen()
		if _, ok := p.exited(); ok {
			return scr
		}
		b := body(scr)
		if b != p.last && b == prev {
			p.last = b
			return scr
		}
		if time.Now().After(deadline) {
			if b == p.last && strings.Contains(scr, "Working…") {
				p.last = ""
				return scr
			}
			p.t.Fatalf("the screen did not move on; it shows:\n%s", scr)
		}
		prev = b
	}
}

func (p *pane) exited() (string, bool) {
	b, err := os.ReadFile(p.exit)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func (p *pane) keys(keys ...string) { p.tmux(append([]string{"send-keys", "-t", "room"}, keys...)...) }

// typed types text literally, as a person at the keyboard does.
func (p *pane) typed(s string) { p.tmux("send-keys", "-t", "room", "-l", s) }

func find(t *testing.T, scr, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("%q is not on the screen:\n%s", pattern, scr)
	}
	return strings.TrimSpace(m[1])
}

var numbered = regexp.MustCompile(`(?m)(?:^|  )(\d+) ([A-Za-z]+)\b`)

// sheetWords copies the numbered words off a share sheet, in order.
func sheetWords(scr string) []string {
	var words []string
	for _, m := range numbered.FindAllStringSubmatch(scr, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		if n == len(words)+1 {
			words = append(words, m[2])
		}
	}
	return words
}

// compareHex reads the hash's hex groups off the comparison screen, as the
// remote party would read them from their copy.
func compareHex(scr string) string {
	_, after, _ := strings.Cut(scr, "SHA-256")
	var groups []string
	for _, line := range strings.Split(after, "\n")[1:] {
		f := strings.Fields(strings.TrimLeft(line, " │"))
		if len(f) == 0 || len(f[0]) != 4 {
			break
		}
		groups = append(groups, f...)
	}
	return strings.Join(groups, " ")
}

func initials(name string) string {
	var b strings.Builder
	for _, f := range strings.Fields(name) {
		b.WriteRune(unicode.ToUpper([]rune(f)[0]))
	}
	return b.String()
}
