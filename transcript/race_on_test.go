//go:build race

package transcript_test

// raceEnabled lets the exhaustive tamper tests thin out under the race
// detector, which slows them tenfold and has nothing to find in them.
const raceEnabled = true
