package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// TestCombineAtATerminalDoesNotEcho types two shares into a real terminal:
// the holders' names are echoed, the words never are.
func TestCombineAtATerminalDoesNotEcho(t *testing.T) {
	dir := t.TempDir()
	record := dir + "/record.json"
	if err := durable.Create(record, []byte(`{"format": 1, "set_id": "9f0b60e9bd6e", "label": "example PIN", "m": 2, "n": 3,
  "secret_bytes": 16, "commitment": "f0f53cfa8f6931294744e37661809f808fb0586f1b1759cf555efc7cc4c499a4",
  "fingerprints": ["7c2b39b7bdf9ae55", "a3d9ab6e85b586ab", "88d7cf0ef51d4eee"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()

	echoed := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx)
		echoed <- b
	}()
	var stdout bytes.Buffer
	stderr := &sharePrompts{}
	code := make(chan int)
	go func() {
		code <- run([]string{"shares", "combine", "--record", record}, stdio{tty, &stdout, stderr})
	}()
	lines := []string{
		"alice",
		"absurd opulent alone fortitude treadmill quantity goldfish aftermath acme adviser assume",
		"congregate stopwatch bookseller adult detergent minnow recover slingshot crucifix suspense",
		"cannonball ammo inventive tiger component robust sociable upset sardonic drumbeat underfoot village",
		"carol",
		"absurd opulent alone fortitude treadmill quantity goldfish aftermath acme aggregate assume Pandora",
		"glitter Wilmington goggles businessman mural armistice tapeworm pharmacy sawdust armistice alone",
		"Galveston crackdown proximate keyboard article breakup designing chopper tolerance shamrock",
	}
	for i, l := range lines {
		// As a person does: wait for the prompt and, before typing words,
		// for the terminal to stop ttyEchoes.
		words := l != "alice" && l != "carol"
		waitForPrompt(t, func() bool {
			return stderr.prompts() > i && (!words || !ttyEchoes(t, tty))
		})
		if _, err := ptmx.Write([]byte(l + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", c, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("combine did not finish; stderr:\n%s", stderr)
	}
	if !ttyEchoes(t, tty) {
		t.Error("echo was left off")
	}
	tty.Close()
	out := string(<-echoed)
	if !strings.Contains(out, "alice") || !strings.Contains(out, "carol") {
		t.Errorf("holder names were not echoed: %q", out)
	}
	for _, w := range []string{"opulent", "shamrock", "Pandora", "village"} {
		if strings.Contains(out, w) || strings.Contains(stdout.String()+stderr.String(), w) {
			t.Errorf("share word %q appeared on the terminal or in the output", w)
		}
	}
	if !strings.HasPrefix(stdout.String(), "ok: 2 shares combine") {
		t.Errorf("stdout %q", stdout.String())
	}
}

// sharePrompts collects stderr and counts prompts: writes that end in ": ".
type sharePrompts struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int
}

func (p *sharePrompts) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if bytes.HasSuffix(b, []byte(": ")) {
		p.n++
	}
	return p.b.Write(b)
}

func (p *sharePrompts) prompts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *sharePrompts) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}

func ttyEchoes(t *testing.T, tty *os.File) bool {
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

func waitForPrompt(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the prompt never came")
		}
		time.Sleep(time.Millisecond)
	}
}
