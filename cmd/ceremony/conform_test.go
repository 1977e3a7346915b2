package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/ceremonies"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/transcript/forge"
)

// demoBundle rehearses the shipped demo ceremony unattended, as
// `ceremony demo --auto` does, and returns its bundle.
func demoBundle(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "--auto", "--out", dir}, stdio{strings.NewReader(""), &out, &errb}); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errb.String())
	}
	return dir
}

func verifyOut(t testing.TB, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"verify"}, args...), stdio{strings.NewReader(""), &out, &errb})
	return code, out.String() + errb.String()
}

// Forgeries made from nothing but a bundle and the format specification,
// re-chained and re-signed under a key the forger announces in a resume:
// the format lets each through, and replaying the script catches each at
// its line.
func TestConformanceCatchesForgeries(t *testing.T) {
	index := func(evs []forge.Event, typ, step string) int {
		return slices.IndexFunc(evs, func(e forge.Event) bool { return e.Type == typ && e.Step == step })
	}
	for _, tc := range []struct {
		name string
		// edit changes the events and the bundle's files, and returns how
		// many events at the start stay as the ceremony signed them.
		edit func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int)
		want []string
	}{
		{"a step done by someone without its role", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			i := index(evs, "step.begin", "3.2")
			evs[i].Actor, evs[i].Data["actor"] = "chloe", "chloe"
			return evs, i
		}, []string{"line 52 (step 3.2)", `done by "chloe", who does not hold CA`}},
		{"one step's events dropped", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			i := index(evs, "step.begin", "3.3")
			j := index(evs, "step.begin", "3.4")
			return slices.Delete(evs, i, j), i
		}, []string{"(step 3.3)", `step.begin for step "3.4" where the script expects step.begin`}},
		{"a whole act dropped", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			i := index(evs, "step.begin", "3.1")
			j := index(evs, "step.begin", "4.1")
			// The act's files go with it, as a forger would remove them.
			os.Remove(filepath.Join(dir, "artifacts", "request.sig"))
			os.Remove(filepath.Join(dir, "artifacts", "notes.txt"))
			return slices.Delete(evs, i, j), i
		}, []string{"(step 3.1)", "where the script expects step.begin"}},
		{"an artifact added", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			content := []byte("not saved by the script\n")
			os.WriteFile(filepath.Join(dir, "artifacts", "extra.txt"), content, 0o644)
			sum := sha256.Sum256(content)
			i := index(evs, "artifact", "3.5") + 1
			extra := forge.Event{Rehearsal: true, Time: evs[i].Time, Type: "artifact", Step: "3.5", Actor: "alice",
				Data: map[string]any{"name": "extra.txt", "sha256": hex.EncodeToString(sum[:]), "size": len(content)}}
			return slices.Insert(evs, i, extra), i
		}, []string{"(step 3.5)", "the event is artifact"}},
		{"an artifact edited", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			content := []byte("The demonstration signed something else.\n")
			os.WriteFile(filepath.Join(dir, "artifacts", "notes.txt"), content, 0o644)
			sum := sha256.Sum256(content)
			i := index(evs, "artifact", "3.5")
			evs[i].Data["sha256"], evs[i].Data["size"] = hex.EncodeToString(sum[:]), len(content)
			return evs, i
		}, []string{"(step 3.5)", "artifact notes.txt with SHA-256 " + hex.EncodeToString(func() []byte { s := sha256.Sum256([]byte("The demonstration signed something else.\n")); return s[:] }()) + " is recorded where the script saves"}},
		{"the rehearsal marks removed", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			for i := range evs {
				evs[i].Rehearsal = false
			}
			return evs, 0
		}, []string{"line 1", "not marked as a rehearsal is configured with the embedded rehearsal token"}},
		{"a resume with no new login", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			return evs, index(evs, "step.begin", "3.2")
		}, []string{"(step 3.2)", "the token is used after a resume without the crypto officers logging in again"}},
		{"a resume after the end", func(t *testing.T, dir string, evs []forge.Event) ([]forge.Event, int) {
			last := evs[len(evs)-1]
			return append(evs, last), len(evs)
		}, []string{"resume after the ceremony's final checkpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := demoBundle(t)
			if code, out := verifyOut(t, dir); code != 0 || !strings.Contains(out, "conformance  the events are what script.lua makes") {
				t.Fatalf("the untouched bundle: exit %d\n%s", code, out)
			}
			evs, err := forge.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			evs, keep := tc.edit(t, dir, evs)
			if err := forge.Write(dir, evs, keep); err != nil {
				t.Fatal(err)
			}
			code, out := verifyOut(t, dir)
			if code != exitFailed {
				t.Fatalf("verify of the forgery: exit %d, want %d\n%s", code, exitFailed, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the report does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// A forgery that changes nothing the script makes passes the replay, and
// the verdict says what then binds the bundle: nothing but the head on the
// paper script, and a second session key.
func TestVerdictSaysWhatBinds(t *testing.T) {
	dir := demoBundle(t)
	code, out := verifyOut(t, dir)
	if code != 0 || !strings.Contains(out, "complete and valid, unwitnessed: only the head on the paper script ties it to the room") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	evs, err := forge.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	keep := slices.IndexFunc(evs, func(e forge.Event) bool { return e.Type == "step.begin" && e.Step == "2.1" })
	if err := forge.Write(dir, evs, keep); err != nil {
		t.Fatal(err)
	}
	code, out = verifyOut(t, dir)
	if code != 0 || !strings.Contains(out, "unwitnessed") || !strings.Contains(out, "2 session keys, resumed at line 18") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// Every shipped ceremony, rehearsed unattended, passes conformance; and a
// rehearsal bundle verifies as what it is.
func TestShippedCeremoniesConform(t *testing.T) {
	names, err := fs.Glob(ceremonies.FS, "*.lua")
	if err != nil || len(names) == 0 {
		t.Fatalf("no shipped ceremonies: %v", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src, err := ceremonies.FS.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			bundle := filepath.Join(t.TempDir(), "b")
			var out, errb bytes.Buffer
			if code := run([]string{"rehearse", path, "--auto", "--out", bundle}, stdio{strings.NewReader(""), &out, &errb}); code != 0 {
				t.Fatalf("rehearse: exit %d\n%s", code, errb.String())
			}
			code, report := verifyOut(t, bundle)
			if code != 0 || !strings.Contains(report, "conformance  the events are what script.lua makes") {
				t.Fatalf("verify: exit %d\n%s", code, report)
			}
		})
	}
}

// A provisioning whose kept attestation is swapped for another key's, with
// every hash and signature redone, is caught when verify replays it: the
// attestation must be for the key the user's certificate is for.
func TestConformanceHoldsProvisioningToItsAttestation(t *testing.T) {
	rehearse := func(name string) string {
		dir := filepath.Join(t.TempDir(), name)
		var out, errb bytes.Buffer
		script := filepath.Join("..", "..", "ceremonies", "yubikey-provision.lua")
		if code := run([]string{"rehearse", script, "--auto", "--out", dir}, stdio{strings.NewReader(""), &out, &errb}); code != 0 {
			t.Fatalf("rehearse: exit %d\n%s", code, errb.String())
		}
		return dir
	}
	dir, other := rehearse("b"), rehearse("other")
	evs, err := forge.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(evs, func(e forge.Event) bool { return e.Type == "piv.provisioned" })
	name := strings.TrimSuffix(evs[i].Data["certificate"].(string), ".crt") + ".attestation.pem"
	swapped, err := os.ReadFile(filepath.Join(other, "artifacts", name))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "artifacts", name), swapped, 0o644)
	sum := sha256.Sum256(swapped)
	evs[i].Data["files"].(map[string]any)[name] = hex.EncodeToString(sum[:])
	a := slices.IndexFunc(evs, func(e forge.Event) bool { return e.Type == "artifact" && e.Data["name"] == name })
	evs[a].Data["sha256"], evs[a].Data["size"] = hex.EncodeToString(sum[:]), len(swapped)
	// Signed anew from the first event, as a forger with no key of the
	// ceremony's would, so that no resume stands in the way.
	if err := forge.Write(dir, evs, 0); err != nil {
		t.Fatal(err)
	}
	code, out := verifyOut(t, dir)
	if code != exitFailed || !strings.Contains(out, "is for another key than the event names") {
		t.Fatalf("verify of the swapped attestation: exit %d\n%s", code, out)
	}
}

// An envelope of a split to cards rewritten to name another recipient key
// (its header otherwise intact, every hash and signature redone) is caught
// when verify replays the split: each envelope must be sealed to the card
// its holder enrolled.
func TestConformanceHoldsEnvelopesToTheEnrolledCards(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	var out, errb bytes.Buffer
	script := filepath.Join("..", "..", "ceremonies", "officer-cards.lua")
	if code := run([]string{"rehearse", script, "--auto", "--out", dir}, stdio{strings.NewReader(""), &out, &errb}); code != 0 {
		t.Fatalf("rehearse: exit %d\n%s", code, errb.String())
	}
	evs, err := forge.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := slices.IndexFunc(evs, func(e forge.Event) bool {
		n, _ := e.Data["name"].(string)
		return e.Type == "artifact" && strings.HasPrefix(n, "token-user-") && strings.HasSuffix(n, "-erin.envelope")
	})
	name := evs[a].Data["name"].(string)
	b, err := os.ReadFile(filepath.Join(dir, "artifacts", name))
	if err != nil {
		t.Fatal(err)
	}
	// The envelope's own ephemeral point stands in for a forger's key.
	lines := strings.Split(string(b), "\n")
	lines[7] = "recipient " + strings.TrimPrefix(lines[8], "ephemeral ")
	forged := []byte(strings.Join(lines, "\n"))
	if _, err := shares.ParseEnvelope(forged); err != nil {
		t.Fatalf("the forged envelope does not even parse: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "artifacts", name), forged, 0o644)
	sum := sha256.Sum256(forged)
	evs[a].Data["sha256"], evs[a].Data["size"] = hex.EncodeToString(sum[:]), len(forged)
	if err := forge.Write(dir, evs, 0); err != nil {
		t.Fatal(err)
	}
	code, report := verifyOut(t, dir)
	if code != exitFailed || !strings.Contains(report, name+" is not sealed to the card erin enrolled") {
		t.Fatalf("verify of the forged envelope: exit %d\n%s", code, report)
	}
}
