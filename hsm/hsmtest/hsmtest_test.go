package hsmtest_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm"
	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
)

// recorder stands in for a test so that Module's skip or failure can be
// observed rather than suffered.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

func missing(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hsmtest.Module(r)
	}()
	<-done
	return r
}

func TestMissingSoftHSM(t *testing.T) {
	t.Setenv("SOFTHSM2_MODULE", "/nonexistent/libsofthsm2.so")
	t.Setenv("CEREMONY_REQUIRE_SOFTHSM", "")
	r := missing(t)
	if r.failed != "" || !strings.Contains(r.skipped, "apt-get install softhsm2") {
		t.Fatalf("without the requirement: skipped %q, failed %q; want a skip saying how to install", r.skipped, r.failed)
	}
	t.Setenv("CEREMONY_REQUIRE_SOFTHSM", "1")
	r = missing(t)
	if r.skipped != "" || !strings.Contains(r.failed, "apt-get install softhsm2") {
		t.Fatalf("with CEREMONY_REQUIRE_SOFTHSM=1: skipped %q, failed %q; want a failure", r.skipped, r.failed)
	}
}

func TestNewToken(t *testing.T) {
	tok := hsmtest.New(t, "helper")
	if os.Getenv("SOFTHSM2_CONF") != tok.Conf || tok.Env() != "SOFTHSM2_CONF="+tok.Conf {
		t.Fatalf("SOFTHSM2_CONF not pointed at %s", tok.Conf)
	}
	s, err := hsm.OpenURI(tok.URI(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(tok.UserSecret, false); err != nil {
		t.Fatalf("the helper's user secret does not open its token: %v", err)
	}
	if d := s.Describe(); d["label"] != "helper" {
		t.Fatalf("label %q", d["label"])
	}
}
