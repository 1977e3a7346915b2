package ceremony_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ceremony-dev/ceremony"

// internalEdges lists, for each package of ours, the packages of ours it may
// import directly. A package missing from this table may not exist: adding a
// package means deciding where it sits.
var internalEdges = map[string][]string{
	"cmd/ceremony": {"*"},
	"tui":          {"room", "pgpwords", "visible"},
	"console":      {"room", "visible"},
	"auto":         {"room", "pgpwords", "durable"},
	"runner":       {"scripts", "steps", "room", "transcript", "witness", "shares", "pgpwords", "durable", "visible", "piv"},
	"scripts":      {"steps", "durable", "visible"},
	"steps":        append([]string{"room", "shares", "transcript", "pgpwords", "sigcheck", "piv"}, domainPackages...),
	"room":         {},
	"witness":      {"transcript", "durable", "sshsig"},
	"transcript":   {"durable"},
	"shares":       {"pgpwords", "visible"},
	"hsm":          {"durable", "sigcheck"},
	"piv":          {"sigcheck"},
	"pgpwords":     {},
	"durable":      {},
	"visible":      {},
	"sigcheck":     {},
	"tooltest":     {},
	"sshsig":       {},
	"strictjson":   {},
	"ceremonies":   {},
	".":            {},
	// Domain packages take a crypto.Signer and import nothing of ours but
	// leaf packages; only primitives in steps bind them to tokens and the room.
	"x509ca": {"pgpwords", "sigcheck", "strictjson"},
	"sshca":  {"pgpwords", "sigcheck", "sshsig", "strictjson"},
	"dnssec": {"pgpwords", "sigcheck"},
}

// domainPackages are the certificate, SSH and DNSSEC packages.
var domainPackages = []string{"x509ca", "sshca", "dnssec"}

// externalOwners names the one package of ours allowed to import each
// external dependency that does I/O with the world or owns a domain.
var externalOwners = map[string]string{
	"charm.land/":                "tui",
	"github.com/charmbracelet/":  "tui",
	"github.com/yuin/gopher-lua": "scripts",
	"github.com/miekg/pkcs11":    "hsm",
	"github.com/go-piv/piv-go":   "piv",
	"github.com/hashicorp/vault": "shares",
}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "piv", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		name := rel(p.ImportPath)
		allowed, ok := internalEdges[topLevel(name)]
		if !ok {
			t.Errorf("package %s is not placed in the import table of deps_test.go", name)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") || imp == module {
				to := topLevel(rel(imp))
				if to == topLevel(name) || contains(allowed, "*") || contains(allowed, to) {
					continue
				}
				t.Errorf("%s imports %s: DESIGN.md forbids this edge", name, rel(imp))
				continue
			}
			for prefix, owner := range externalOwners {
				if strings.HasPrefix(imp, prefix) && topLevel(name) != owner && topLevel(name) != "cmd/ceremony" {
					t.Errorf("%s imports %s: only %s may", name, imp, owner)
				}
			}
		}
	}
	if seen < 2 {
		t.Fatalf("go list saw %d packages; the test is not looking at the module", seen)
	}
}

// TestAuditorPath keeps the offline verifier's dependencies small: an auditor
// should not need Lua, PKCS#11 or a terminal UI to check a transcript.
func TestAuditorPath(t *testing.T) {
	for _, p := range []string{"./transcript", "./witness"} {
		out, err := exec.Command("go", "list", "-deps", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for prefix := range externalOwners {
				if strings.HasPrefix(dep, prefix) {
					t.Errorf("%s depends on %s", p, dep)
				}
			}
		}
	}
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func topLevel(name string) string {
	if strings.HasPrefix(name, "cmd/") {
		parts := strings.SplitN(name, "/", 3)
		return strings.Join(parts[:2], "/")
	}
	return strings.SplitN(name, "/", 2)[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
