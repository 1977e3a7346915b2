package durable_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/durable"
)

func TestCreateNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	if err := durable.Create(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := durable.Create(path, []byte("second"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Create: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Errorf("content %q after a refused Create", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

func TestReplaceLeavesOneFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	for _, content := range []string{"one", "two"} {
		if err := durable.Replace(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("content %q, want %q", b, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only the file", len(entries))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if err := durable.Replace(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Error("Replace in a missing directory succeeded")
	}
}

// A second holder is refused at once and told who holds the lock; once the
// first lets go, the lock can be taken again.
func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.lock")
	unlock, err := durable.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = durable.Lock(path)
	var le *durable.LockedError
	if !errors.As(err, &le) || !strings.Contains(le.Holder, fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second lock: %v, want a LockedError naming this process", err)
	}
	unlock()
	again, err := durable.Lock(path)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}
