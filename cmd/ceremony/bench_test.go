package main

import (
	"testing"

	"github.com/ceremony-dev/ceremony/transcript"
)

// BenchmarkVerifyDemo measures a plain verify of the demo bundle (format,
// files, signatures) and the conformance replay of its script on top, so
// that their ratio is measured in one run: the replay should cost under 3x.
func BenchmarkVerifyDemo(b *testing.B) {
	dir := demoBundle(b)
	b.Run("format", func(b *testing.B) {
		for b.Loop() {
			if _, err := transcript.Verify(dir, transcript.VerifyOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("replay", func(b *testing.B) {
		for b.Loop() {
			if err := conform(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
