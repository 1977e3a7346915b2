// Package tooltest finds the outside tools that tests check our output
// with (openssl, ssh-keygen, sshd, age ...). Where one is missing a test is
// skipped with a line on stderr naming the Debian package to install, so
// that the skip is seen even without -v; under CI, which installs them all,
// a missing tool fails the test instead.
package tooltest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of command, or skips or fails t naming the Debian
// package that holds it.
func Need(t testing.TB, command, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(command)
	if err != nil {
		Missing(t, "%s not found: apt-get install %s", command, debianPackage)
	}
	return path
}

// Missing skips t, saying why on stderr, where the machine lacks what the
// test needs, and fails it under CI, where nothing may be missing.
func Missing(t testing.TB, format string, a ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, a...)
	}
	fmt.Fprintf(os.Stderr, "SKIP %s: "+format+"\n", append([]any{t.Name()}, a...)...)
	t.Skipf(format, a...)
}

// OpenAge decrypts an age file with an identity file, using the stock age
// tool, as the recipient of what the ceremony sealed would.
func OpenAge(t testing.TB, identity, path string) []byte {
	t.Helper()
	out, err := exec.Command(Need(t, "age", "age"), "-d", "-i", identity, path).Output()
	if err != nil {
		t.Fatalf("age -d %s: %v", path, err)
	}
	return out
}
