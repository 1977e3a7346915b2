package runner_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ceremony-dev/ceremony/auto"
	"github.com/ceremony-dev/ceremony/ceremonies"
	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/steps"
	"github.com/ceremony-dev/ceremony/transcript"
)

// requestContent is what the demo's "request" input holds in these tests.
var requestContent = []byte("a request the demo signs\n")

// rehearsal is one bundle of the demo ceremony, run in this process with the
// embedded token, as `ceremony rehearse --auto` runs it.
type rehearsal struct {
	t        *testing.T
	src      []byte
	bundle   string
	tokenDir string
	cfg      *runner.Config
	// logins records every secret handed to the token, so that the test can
	// look for it where it must never be.
	logins [][]byte
}

func newRehearsal(t *testing.T) *rehearsal {
	t.Helper()
	src, err := ceremonies.FS.ReadFile(ceremonies.Demo)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &rehearsal{t: t, src: src, bundle: filepath.Join(dir, "bundle"), tokenDir: filepath.Join(dir, "token")}
}

func (h *rehearsal) script() *scripts.Script {
	h.t.Helper()
	s, err := scripts.LoadSource(context.Background(), h.src, scripts.Options{Name: "demo.lua"})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(s.Close)
	return s
}

func (h *rehearsal) env(ui room.UI) runner.Env {
	return runner.Env{
		UI: ui, Roster: h.cfg.Roster(), Bundle: h.bundle, Rehearsal: true,
		OpenToken: func(string) (steps.Token, error) {
			t, err := hsm.OpenSoft(h.tokenDir)
			if err != nil {
				return nil, err
			}
			return &spyToken{SoftToken: t, h: h}, nil
		},
		InitToken: func(_ string, so, user []byte) error {
			h.logins = append(h.logins, append([]byte(nil), so...), append([]byte(nil), user...))
			t, err := hsm.OpenSoft(h.tokenDir)
			if err != nil {
				return err
			}
			defer t.Close()
			return t.InitToken(so, user, "demo")
		},
		Input: func(name string) ([]byte, error) {
			if name != "request" {
				return nil, errors.New("no such input")
			}
			return requestContent, nil
		},
	}
}

// spyToken keeps what it is logged in with.
type spyToken struct {
	*hsm.SoftToken
	h *rehearsal
}

func (s *spyToken) Login(secret []byte, allowFinalTry bool) error {
	s.h.logins = append(s.h.logins, append([]byte(nil), secret...))
	return s.SoftToken.Login(secret, allowFinalTry)
}

// start creates the bundle and runs the ceremony to its end or an error.
func (h *rehearsal) start(ctx context.Context, ui room.UI) error {
	h.t.Helper()
	s := h.script()
	cfg, err := runner.RehearsalConfig(s.Plan(), "demo-test", h.tokenDir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.cfg = cfg
	cb, err := cfg.Marshal()
	if err != nil {
		h.t.Fatal(err)
	}
	w, err := transcript.Create(h.bundle, transcript.Header{ID: cfg.ID, Name: s.Plan().Name, Version: s.Plan().Version,
		Script: h.src, Config: cb, Rehearsal: true})
	if err != nil {
		h.t.Fatal(err)
	}
	defer w.Close()
	return runner.New(s, w, nil, h.env(ui)).Run(ctx)
}

// resume goes on with the bundle after an interruption.
func (h *rehearsal) resume(ctx context.Context, ui room.UI) error {
	h.t.Helper()
	w, events, err := transcript.Resume(h.bundle)
	if err != nil {
		return err
	}
	defer w.Close()
	return runner.New(h.script(), w, events, h.env(ui)).Run(ctx)
}

func (h *rehearsal) verify() *transcript.Report {
	h.t.Helper()
	rep, err := transcript.Verify(h.bundle, transcript.VerifyOptions{})
	if rep == nil {
		h.t.Fatalf("verify could not run: %v", err)
	}
	return rep
}

func TestDemoRehearsalVerifies(t *testing.T) {
	h := newRehearsal(t)
	auto := &auto.Auto{}
	if err := h.start(context.Background(), auto); err != nil {
		t.Fatal(err)
	}
	rep := h.verify()
	if rep.Verdict != transcript.Complete || !rep.Rehearsal {
		t.Fatalf("verdict %s (rehearsal %t): %v", rep.Verdict, rep.Rehearsal, rep.Err)
	}
	if b, _ := os.ReadFile(filepath.Join(h.bundle, "transcript.jsonl")); os.Getenv("DUMP") != "" {
		t.Logf("%s", b)
	}
	if _, err := os.Stat(filepath.Join(h.bundle, "artifacts", "request.sig")); err != nil {
		t.Fatal(err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}
