package ceremony_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/steps"
)

// sourcePackages lists, for each package of the module, its directory and
// its non-test Go files, and whether it imports steps.
type sourcePackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

// parsed is one non-test file of a package, parsed.
type parsed struct {
	rel  string // "steps/hsm_sign.go"
	file *ast.File
}

// files parses the package's non-test Go files.
func (p sourcePackage) files(t *testing.T, fset *token.FileSet) []parsed {
	t.Helper()
	var out []parsed
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parsed{strings.TrimPrefix(p.ImportPath, module+"/") + "/" + name, f})
	}
	return out
}

func listPackages(t *testing.T) []sourcePackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", "piv", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []sourcePackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p sourcePackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestPrimitiveIsOneFile holds the shape of the primitives: a primitive's
// Lua name is written in exactly one non-test file of the packages that can
// know of primitives (steps and what imports it), and no code outside steps
// picks a primitive by its type. The command line's flags are words such as
// "record" too, so there only namespaced names ("hsm.sign") count.
func TestPrimitiveIsOneFile(t *testing.T) {
	const stepsPath = module + "/steps"
	names := map[string][]string{} // Lua name -> files writing it
	for _, p := range steps.Registry() {
		names[p.Name] = nil
	}
	if len(names) < 10 {
		t.Fatalf("the registry has %d primitives; it is not being read", len(names))
	}
	fset := token.NewFileSet()
	pkgs := listPackages(t)
	types := primitiveTypes(t, fset, pkgs)
	isPrimitive := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return ok && id.Name == "steps" && types[sel.Sel.Name]
	}
	for _, p := range pkgs {
		inSteps := p.ImportPath == stepsPath
		if !inSteps && !slices.Contains(p.Imports, stepsPath) {
			continue
		}
		for _, pf := range p.files(t, fset) {
			rel := pf.rel
			var visit func(n ast.Node) bool
			visit = func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					// A result's field ("artifact" of hsm.sign's table) may
					// be a primitive's name too.
					if _, ok := n.Key.(*ast.BasicLit); ok {
						ast.Inspect(n.Value, visit)
						return false
					}
				case *ast.CallExpr:
					// So may an argument's name ("artifact" of hsm.sign);
					// reading it is no dispatch.
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && inSteps && argReaders[sel.Sel.Name] {
						return false
					}
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						break
					}
					if s, err := strconv.Unquote(n.Value); err == nil {
						if strings.HasPrefix(rel, "cmd/") && !strings.Contains(s, ".") {
							break
						}
						if files, ok := names[s]; ok && !slices.Contains(files, rel) {
							names[s] = append(files, rel)
						}
					}
				case *ast.TypeSwitchStmt:
					if !inSteps {
						ast.Inspect(n.Body, func(c ast.Node) bool {
							if cc, ok := c.(*ast.CaseClause); ok {
								for _, e := range cc.List {
									if isPrimitive(e) {
										t.Errorf("%s: a type switch over steps.%s outside the registry", fset.Position(e.Pos()), e.(*ast.SelectorExpr).Sel.Name)
									}
								}
							}
							return true
						})
					}
				case *ast.TypeAssertExpr:
					if !inSteps && n.Type != nil && isPrimitive(n.Type) {
						t.Errorf("%s: a type assertion to steps.%s outside the registry", fset.Position(n.Pos()), n.Type.(*ast.SelectorExpr).Sel.Name)
					}
				}
				return true
			}
			ast.Inspect(pf.file, visit)
		}
	}
	for name, files := range names {
		if len(files) != 1 {
			t.Errorf("primitive %s is written in %d files, want 1: %s", name, len(files), strings.Join(files, ", "))
		}
	}
}

// argReaders are the methods of steps.Args, whose first argument names a
// field of a primitive's table.
var argReaders = map[string]bool{"Text": true, "String": true, "Int": true, "Bool": true, "Strings": true, "Input": true, "Pattern": true, "Content": true}

// primitiveTypes are the types in steps with a Run method: the calls.
func primitiveTypes(t *testing.T, fset *token.FileSet, pkgs []sourcePackage) map[string]bool {
	types := map[string]bool{}
	for _, p := range pkgs {
		if p.ImportPath != module+"/steps" {
			continue
		}
		for _, pf := range p.files(t, fset) {
			for _, d := range pf.file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == "Run" {
					if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
						types[id.Name] = true
					}
				}
			}
		}
	}
	if len(types) < 10 {
		t.Fatalf("found %d primitive types in steps; the test is not reading it", len(types))
	}
	return types
}

// TestEventVocabulary keeps docs/auditing.md's table of events whole: every
// event type the code names (a constant Ev..., ev... or Type... in steps,
// runner or transcript) has a row, and every row is an event the code names.
func TestEventVocabulary(t *testing.T) {
	fset := token.NewFileSet()
	code := map[string]string{} // event type -> constant
	for _, p := range listPackages(t) {
		switch strings.TrimPrefix(p.ImportPath, module+"/") {
		case "steps", "runner", "transcript":
		default:
			continue
		}
		for _, pf := range p.files(t, fset) {
			for _, d := range pf.file.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if !eventConst(id.Name) || i >= len(vs.Values) {
							continue
						}
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							v, _ := strconv.Unquote(lit.Value)
							code[v] = id.Name
						}
					}
				}
			}
		}
	}
	if len(code) < 30 {
		t.Fatalf("found %d event constants; the test is not reading the code", len(code))
	}
	doc, err := os.ReadFile("docs/auditing.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if m := eventRow.FindStringSubmatch(line); m != nil {
			documented[m[1]] = true
		}
	}
	for typ, name := range code {
		if !documented[typ] {
			t.Errorf("event %s (%s) has no row in docs/auditing.md", typ, name)
		}
	}
	for typ := range documented {
		if _, ok := code[typ]; !ok {
			t.Errorf("docs/auditing.md lists event %s, which no constant names", typ)
		}
	}
}

var eventRow = regexp.MustCompile("^\\| `([a-z0-9_.-]+)` \\|")

func eventConst(name string) bool {
	for _, p := range []string{"Ev", "ev", "Type"} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return true
		}
	}
	return false
}
