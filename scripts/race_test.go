//go:build race

package scripts_test

// raceEnabled: the race detector slows Lua about tenfold, so an exhaustion
// attempt may reach the time limit before the limit it aims at.
const raceEnabled = true
