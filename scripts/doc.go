// Package scripts loads ceremony scripts, written in Lua, into a Plan and runs
// their steps' functions.
//
// Load (or LoadSource, for a script already in memory such as the copy in a
// bundle) runs the script once in a sandbox: its declarations (ceremony,
// role, file, act, step) build the Plan. Each step's run function is then
// run once against a recording Host, a dry run that fills Step.Calls with the
// primitives the step will call, for Check and WritePaper.
//
// At execution time the runner calls Script.RunStep. Every primitive the
// function calls (confirm, record, hsm.sign ...) becomes a steps.Request,
// located at the Lua line that called it, and is handed to the Host; the
// Host's result goes back to Lua. Because everything a step sees of the world
// comes through the Host, running a script again with recorded results
// replays it exactly: that is how a ceremony resumes after a crash and how an
// auditor checks that a transcript is what the script produces.
//
// The sandbox: only the base, table, string and math libraries, without
// anything that reaches files, the process, the clock, randomness or the
// compiler; require only for modules beside the script; every call into Lua
// under a context that stops it after its time limit (time spent inside a
// primitive, waiting for people, does not count) or when the heap grows past
// its memory limit; library functions that could build a huge string in one
// call are bounded. A call stuck inside library code after being stopped is
// abandoned and the Script refuses further calls. Errors are *Error and name
// the file and line.
//
// Check reports every problem with a plan at once, optionally against a
// Roster. WritePaper prints the annotated paper script. The script author's
// reference is docs/scripts.md.
package scripts
