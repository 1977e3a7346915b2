package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ceremony": func() { os.Exit(run(os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr})) },
	})
}

// TestScripts runs the command-line scenarios in testdata/script, one txtar
// file per capability.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Scripts may refer to shipped fixtures and ceremonies.
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("REPO", wd+"/../..")
			if mod, err := hsmtest.Find(); err == nil {
				env.Setenv("SOFTHSM2_MODULE", mod)
			}
			return nil
		},
		Condition: condition,
	})
}

// condition adds [softhsm] to the scripts: SoftHSM2 is installed, and
// $SOFTHSM2_MODULE is its module. Where SoftHSM2 is required
// (CEREMONY_REQUIRE_SOFTHSM=1, as in CI) its absence fails the script
// rather than letting [!softhsm] skip it.
func condition(cond string) (bool, error) {
	if cond != "softhsm" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	_, err := hsmtest.Find()
	if err != nil && hsmtest.Required() {
		return false, err
	}
	return err == nil, nil
}

func TestSoftHSMCondition(t *testing.T) {
	installed := hsmtest.Module(t)
	for _, c := range []struct {
		name, module, require string
		want                  bool
		wantErr               string
	}{
		{"installed", installed, "", true, ""},
		{"installed and required", installed, "1", true, ""},
		{"missing", "/nonexistent/libsofthsm2.so", "", false, ""},
		{"missing but required", "/nonexistent/libsofthsm2.so", "1", false, "apt-get install softhsm2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SOFTHSM2_MODULE", c.module)
			t.Setenv("CEREMONY_REQUIRE_SOFTHSM", c.require)
			got, err := condition("softhsm")
			if got != c.want || (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("[softhsm] = %t, %v; want %t and an error saying %q", got, err, c.want, c.wantErr)
			}
		})
	}
	if _, err := condition("softhsm2"); err == nil {
		t.Fatal("an unknown condition was accepted")
	}
}
