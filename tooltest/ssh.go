package tooltest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// OpenSSH are the OpenSSH programs tests hold keys and certificates to.
type OpenSSH struct{ Keygen, SSH, SSHD string }

// NeedOpenSSH finds ssh-keygen, ssh and sshd, or skips or fails t.
func NeedOpenSSH(t testing.TB) OpenSSH {
	t.Helper()
	tools := OpenSSH{Keygen: Need(t, "ssh-keygen", "openssh-client"), SSH: Need(t, "ssh", "openssh-client")}
	// sshd lives in /usr/sbin, which is not on every PATH.
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			tools.SSHD = p
		}
	}
	if tools.SSHD == "" {
		tools.SSHD = Need(t, "sshd", "openssh-server")
	}
	return tools
}

// FreePort is a TCP port on 127.0.0.1 no one listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartSSHD runs sshd on 127.0.0.1 with its own configuration (the lines
// of conf, then a base that allows public keys only, from no file unless
// conf names one) until the test ends, and returns its port.
func (s OpenSSH) StartSSHD(t testing.TB, dir string, conf ...string) int {
	t.Helper()
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	port := FreePort(t)
	cfg := filepath.Join(dir, fmt.Sprintf("sshd-%d.conf", port))
	// sshd takes the first value it reads of each keyword: the test's
	// lines come first, so that they win over the base.
	body := fmt.Sprintf("%s\nPort %d\nListenAddress 127.0.0.1\nPidFile %s\nAuthorizedKeysFile none\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n",
		strings.Join(conf, "\n"), port, filepath.Join(dir, fmt.Sprintf("sshd-%d.pid", port)))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(s.SSHD, "-t", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	cmd := exec.Command(s.SSHD, "-D", "-e", "-f", cfg)
	var log bytes.Buffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd on port %d:\n%s", port, log.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %d:\n%s", port, log.String())
		}
	}
}

// Login runs a command over ssh as user to 127.0.0.1:port, trusting hosts
// through knownHosts only, with the options given (the identity, say); it
// returns what the command and ssh printed. The command prints the user
// name the server ran it as.
func (s OpenSSH) Login(port int, user, knownHosts string, env []string, opts ...string) (string, error) {
	args := append([]string{"-F", "none", "-p", fmt.Sprint(port), "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "ConnectTimeout=10"}, opts...)
	cmd := exec.Command(s.SSH, append(args, user+"@127.0.0.1", "echo", "logged-in-as-$(id -un)")...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
