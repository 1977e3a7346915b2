// Package ceremonies holds the ceremony scripts shipped with the tool.
// demo.lua is a short ceremony that uses every primitive; `ceremony demo`
// rehearses it.
package ceremonies

import "embed"

// FS holds every shipped *.lua script.
//
//go:embed *.lua
var FS embed.FS

// Demo is the file name of the demonstration ceremony in FS.
const Demo = "demo.lua"
