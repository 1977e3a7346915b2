// Package steps defines the primitives a ceremony script can call and carries
// them out. Each primitive is a Request type here; its behaviour lives in a
// file of its own.
package steps

import "strconv"

// Request is one call of a primitive by a script. Where is the script
// location of the call ("demo.lua:42"), for errors and lint.
type Request interface {
	Primitive() string
	Where() string
}

// At is embedded in every request and records where the script called it.
type At struct {
	File string
	Line int
}

func (a At) Where() string {
	if a.File == "" {
		return ""
	}
	return a.File + ":" + strconv.Itoa(a.Line)
}

// Confirm: the actor confirms they did what the text says; witnesses confirm
// with their initials. Lua: confirm { "text" }
type Confirm struct {
	At
	Text string
}

// Record: a typed value entered and recorded, checked against a Lua pattern.
// Lua: record { "HSM bag", pattern = "^[A-Z]{2}%d{8}$" } -> string
type Record struct {
	At
	Label   string
	Pattern string
}

// Checklist: each item confirmed in turn. Lua: checklist { "title", items = {...} }
type Checklist struct {
	At
	Title string
	Items []string
}

// Clock: participants confirm the UTC time shown. Lua: clock {} -> RFC 3339 string
type Clock struct{ At }

// Machine: host facts (OS, kernel, hostname, binary hash) for the record.
// Lua: machine {} -> table
type Machine struct{ At }

// VerifyOOB: the SHA-256 of an input is read back by a remote party and
// compared. Lua: verify_out_of_band { input "ksr", with = "ZSKO" }
type VerifyOOB struct {
	At
	Input string // declared input name
	With  string // role id of the party reading it back
}

// SplitSecret: generate a secret, split it m-of-n to holders of a role, show
// each holder their sheet, then verify back a threshold of shares.
// Lua: split_secret { set = "hsm-user", label = "...", holders = "CO", m = 3, n = 5 }
type SplitSecret struct {
	At
	Set     string
	Label   string
	Holders string // role id
	M, N    int
}

// CollectShares: holders enter shares of a set; the combined secret is
// checked against the set's commitment and kept for the next primitive that
// needs it. Lua: collect_shares { set = "hsm-user" }
type CollectShares struct {
	At
	Set string
}

// Activate: collect shares of a set (if not already held) and log in to a
// token with the combined secret. Lua: hsm.activate { token = "pkcs11:token=ksk", shares = "hsm-user" }
type Activate struct {
	At
	Token  string // PKCS#11 URI; "" for the configured token
	Shares string // share set
}

// InitToken: initialise a token with a new SO secret and user secret from share
// sets. Lua: hsm.init_token { token = "...", so = "hsm-so", user = "hsm-user" }
type InitToken struct {
	At
	Token   string
	SOSet   string
	UserSet string
}

// GenerateKey: a key pair generated on the active token.
// Lua: hsm.generate_key { label = "root-2026", type = "ecdsa-p256" } -> { label, id, public_key }
type GenerateKey struct {
	At
	Label string
	Type  string // ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519
}

// Sign: the token signs an input or an artifact; the signature is verified in
// software and saved as an artifact.
// Lua: hsm.sign { key = "root-2026", input = "csr", out = "csr.sig" } -> { artifact, sha256 }
type Sign struct {
	At
	Key      string
	Input    string // a declared input, or
	Artifact string // an artifact produced earlier
	Out      string // artifact name for the signature
}

// Artifact: save an output into artifacts/ with O_EXCL and record its hash.
// Lua: artifact { "notes.txt", content = "..." } -> sha256 hex
type Artifact struct {
	At
	Name    string
	Content string
}

// Exception: record an exception the script anticipates.
// Lua: exception { expected = "...", happened = "...", decision = "...", approver = "CA" }
type Exception struct {
	At
	Expected, Happened, Decision string
	Approver                     string // role id
}

// Signoff: every participant signs off at the end. Lua: signoff {}
type Signoff struct{ At }

func (Confirm) Primitive() string       { return "confirm" }
func (Record) Primitive() string        { return "record" }
func (Checklist) Primitive() string     { return "checklist" }
func (Clock) Primitive() string         { return "clock" }
func (Machine) Primitive() string       { return "machine" }
func (VerifyOOB) Primitive() string     { return "verify_out_of_band" }
func (SplitSecret) Primitive() string   { return "split_secret" }
func (CollectShares) Primitive() string { return "collect_shares" }
func (Activate) Primitive() string      { return "hsm.activate" }
func (InitToken) Primitive() string     { return "hsm.init_token" }
func (GenerateKey) Primitive() string   { return "hsm.generate_key" }
func (Sign) Primitive() string          { return "hsm.sign" }
func (Artifact) Primitive() string      { return "artifact" }
func (Exception) Primitive() string     { return "exception" }
func (Signoff) Primitive() string       { return "signoff" }
