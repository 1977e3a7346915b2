package main

import (
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/ceremony-dev/ceremony/transcript"
)

// TestDemoInTheTerminalUI runs `ceremony demo` in a real terminal (a tmux
// pane of 80x24) and plays the room: it reads the screen as people do, copies
// each share sheet as its holder would, miscopies one and fixes it from the
// sheet shown again, types shares, everyone's initials (a remote party's by
// the one at the keyboard) and the read-back from the remote party's own
// copy, and closes the end screen. `ceremony verify` must then accept the
// bundle, whose transcript has a share typed back for every sheet.
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
	miscopy := ""                   // the holder who miscopied their sheet, once they have
	start := time.Now()
	for steps := 0; ; steps++ {
		if steps > 500 {
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
		case strings.Contains(scr, "onto your sheet"):
			holder := strings.TrimSuffix(find(t, scr, `Share sheet for (.+)`), ", again")
			label := find(t, scr, `\n(?:.*│ )?(.+): share \d+ of \d+`)
			for _, want := range []string{"Set id ", "fingerprint ", "any 2 recover"} {
				if !strings.Contains(scr, want) {
					t.Fatalf("the sheet does not carry %q:\n%s", want, scr)
				}
			}
			sheets[label+"/"+holder] = sheetWords(scr)
			seen["sheet"]++
			room.keys("Enter")
		case strings.Contains(scr, "checking the share…"):
			// Still the share-entry screen: typing the share again would
			// count a share twice. Wait, and take the next screen as new.
			room.last = ""
			time.Sleep(100 * time.Millisecond)
		case strings.Contains(scr, "see your sheet again"):
			seen["reshow"]++
			room.keys("C-r")
		case strings.Contains(scr, "Share entry ·"):
			seen["share"]++
			holder := find(t, scr, `Share entry · (.+?) ·`)
			label := find(t, scr, `Set "(.+?)"`)
			words, ok := sheets[label+"/"+holder]
			if !ok {
				t.Fatalf("%s has no sheet of %s; the screen:\n%s", holder, label, scr)
			}
			if miscopy == "" && strings.Contains(label, "user") {
				// Two words swapped on the copy: each is a word of the
				// list at its place, and the share does not check.
				miscopy = holder
				words = slices.Clone(words)
				words[0], words[2] = words[2], words[0]
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
			if strings.Contains(scr, "SHA-256") {
				t.Fatalf("the hash is on the screen before it was read back:\n%s", scr)
			}
			room.typed(inputHex(t, bundle))
			room.keys("Enter")
		case strings.Contains(scr, "gives by"):
			seen["by phone"]++
			room.typed(initials(find(t, scr, `\[ \] (.+?) \([^)]*\) (?:confirms|witnesses), by phone`)))
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
		case strings.Contains(scr, "enter choose"):
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
	t.Logf("the demo took %s typed through tmux", time.Since(start).Round(100*time.Millisecond))
	// The demo splits two secrets 2 of 3: six sheets and one shown again,
	// every share typed back (one twice, miscopied first), two typed to
	// activate the token and two to check the SO set.
	if want := map[string]int{"sheet": 7, "reshow": 1, "share": 11, "compare": 1, "by phone": 2, "end": 1}; fmt.Sprint(seen) != fmt.Sprint(want) {
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
	count := map[string]int{}
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		count[e.Type]++
	}
	if count["sheet.shown"] != 6 || count["share.verified"] != count["sheet.shown"] || count["sheet.reshown"] != 1 {
		t.Errorf("the transcript has %d sheet.shown, %d share.verified, %d sheet.reshown; want 6, as many, 1",
			count["sheet.shown"], count["share.verified"], count["sheet.reshown"])
	}
}

// inputHex is the SHA-256 of the bundle's one input, as the remote party
// reads it from their own copy.
func inputHex(t *testing.T, bundle string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(bundle, transcript.InputsDir, "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("the bundle's inputs: %v, %v", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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

func initials(name string) string {
	var b strings.Builder
	for _, f := range strings.Fields(name) {
		b.WriteRune(unicode.ToUpper([]rune(f)[0]))
	}
	return b.String()
}
