// Package transcript writes and verifies the hash-chained, signed record of
// a ceremony.
package transcript
