package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/pgpwords"
)

func init() {
	register(&command{
		name:    "hash",
		summary: "SHA-256 of files as hex and as PGP words, for reading aloud",
		run:     runHash,
	})
}

func runHash(args []string, s stdio) int {
	flags := newFlags(s, "hash FILE... | -",
		`Prints the SHA-256 of each file (or of standard input, for -) as lowercase
hex, in the format of sha256sum, and below it as PGP words: even bytes from
the two-syllable list, odd bytes from the three-syllable list, the form IANA
reads out for KSR hashes. Two people comparing a hash over the phone read
the words; a word in the wrong column gives away a swapped or skipped one.`,
		"ceremony hash ksr.xml")
	files, code := parseArgs(flags, args)
	if code >= 0 {
		return code
	}
	if len(files) == 0 {
		errorf(s.err, "hash needs at least one file, or - for standard input")
		return exitUsage
	}
	for _, name := range files {
		sum, err := hashFile(name, s.in)
		if err != nil {
			errorf(s.err, "%v", err)
			return exitUsage
		}
		fmt.Fprintf(s.out, "%x  %s\n%s", sum, name, wordLines(sum))
	}
	return exitOK
}

func hashFile(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := durable.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return h.Sum(nil), nil
}

// wordLines writes digest as PGP words, eight to an indented line, each
// line preceded by the hex it spells so a reader can keep their place.
func wordLines(digest []byte) string {
	words := pgpwords.Encode(digest)
	var b strings.Builder
	for i := 0; i < len(words); i += 8 {
		end := min(i+8, len(words))
		fmt.Fprintf(&b, "  %-16s  %s\n", hex.EncodeToString(digest[i:end]), strings.Join(words[i:end], " "))
	}
	return b.String()
}
