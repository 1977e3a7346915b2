package main

import (
	"encoding/hex"
	"strings"
	"testing"
)

// The worked example published with the PGP word list: a 20-byte key
// fingerprint and the words read for it.
func TestWordLinesPublishedExample(t *testing.T) {
	fp, err := hex.DecodeString("E58294F2E9A227486E8B061B31CC528FD7FA3F19")
	if err != nil {
		t.Fatal(err)
	}
	want := "  e58294f2e9a22748  topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator\n" +
		"  6e8b061b31cc528f  goldfish Medusa afflict bravado chatter revolver Dupont midsummer\n" +
		"  d7fa3f19          stopwatch whimsical cowbell bottomless\n"
	if got := wordLines(fp); got != want {
		t.Fatalf("wordLines:\n%s\nwant\n%s", got, want)
	}
	if n := len(strings.Fields(wordLines(make([]byte, 32)))); n != 32+4 {
		t.Fatalf("a SHA-256 is %d fields, want 32 words and 4 hex groups", n)
	}
}
