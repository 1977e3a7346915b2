package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "version, Go version, source revision and SHA-256 of this binary",
		run:     runVersion,
	})
}

func runVersion(args []string, s stdio) int {
	flags := newFlags(s, "version",
		`Prints what a ceremony records about the binary that ran it: the module
version, the Go version it was built with, the source revision and whether the
tree had uncommitted changes, and the SHA-256 of the executable file itself,
which an auditor compares with the binary_sha256 a transcript records.`,
		"ceremony version")
	pos, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		errorf(s.err, "unexpected argument %q", pos[0])
		return exitUsage
	}
	version, revision := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		settings := map[string]string{}
		for _, kv := range bi.Settings {
			settings[kv.Key] = kv.Value
		}
		if r := settings["vcs.revision"]; r != "" {
			revision = r
			if t := settings["vcs.time"]; t != "" {
				revision += " " + t
			}
			if settings["vcs.modified"] == "true" {
				revision += " (modified)"
			}
		}
	}
	fmt.Fprintf(s.out, "version   %s\ngo        %s %s/%s\nrevision  %s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, revision)
	path, sum, err := binarySHA256()
	if err != nil {
		errorf(s.err, "hashing the running binary: %v", err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "binary    %x  %s\n", sum, path)
	return exitOK
}

// binarySHA256 hashes the executable this process runs from.
func binarySHA256() (string, []byte, error) {
	path, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return path, nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return path, nil, err
	}
	return path, h.Sum(nil), nil
}
