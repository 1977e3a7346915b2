package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/ceremony-dev/ceremony/room"
)

// EvMachine records the facts of the ceremony machine.
const EvMachine = "machine.facts"

// Machine: host facts (OS, kernel, hostname, binary hash) for the record.
// Lua: machine {} -> table
type Machine struct{ At }

func init() {
	register(Primitive{Name: "machine", Parse: func(_ Args, at At) (Call, error) { return Machine{At: at}, nil }})
}

func (m Machine) Placeholder() any { return map[string]any{} }
func (m Machine) Brief() string    { return m.brief("") }
func (m Machine) Paper() string    { return "Record the facts of the ceremony machine" }
func (m Machine) Lint(Linter)      {}

func (m Machine) Run(_ context.Context, h Host) (any, error) {
	facts, err := once(h, m, EvMachine, func() (map[string]string, error) { return h.Machine(), nil })
	if err == nil {
		h.Prompts().Notice(room.Notice{Level: "info", Text: fmt.Sprintf("host %s, %s, binary sha256 %s", facts["hostname"], facts["kernel"], facts["binary_sha256"])})
	}
	return facts, err
}

// HostFacts describes the machine the ceremony runs on, for the record: what
// an auditor needs to tell which binary ran where. Nothing in it is secret.
func HostFacts() map[string]string {
	f := map[string]string{
		"os":   runtime.GOOS,
		"arch": runtime.GOARCH,
		"go":   runtime.Version(),
		"cpus": strconv.Itoa(runtime.NumCPU()),
	}
	if h, err := os.Hostname(); err == nil {
		f["hostname"] = h
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		f["kernel"] = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	if sum, err := executableSHA256(); err == nil {
		f["binary_sha256"] = sum
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		f["module_version"] = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				f["vcs_revision"] = s.Value
			}
		}
	}
	return f
}

// executableSHA256 hashes the running binary, so the record names exactly
// what ran.
func executableSHA256() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", err
	}
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
