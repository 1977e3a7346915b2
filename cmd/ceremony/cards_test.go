package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/transcript"
)

// laterScript activates the token of an earlier officer-cards.lua
// ceremony with the shares its officers keep on their cards.
const laterScript = `ceremony {
  name = "Later activation", version = "1",
  roles = { CA = role "Ceremony Administrator", IW = role "Internal Witness", CO = role { "Crypto Officer", min = 2 } },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
}
act "Activate" {
  step { by = "CO", witness = "IW", "Two crypto officers open their user envelopes on their cards.",
         run = function() hsm.activate { shares = "token-user" } end },
  step { by = "CA", witness = "IW", "Generate a key, which only an activated token does.",
         run = function() hsm.generate_key { label = "later-check", type = "ecdsa-p256" } end },
}
`

// TestLaterCeremonyOpensEnvelopes: a ceremony after officer-cards.lua is
// given the split's record under [sets] and its envelopes under
// [envelopes]; its crypto officers open their envelopes on the same
// (rehearsal) cards, and the token of the first ceremony activates. Given
// the envelopes of another set, it refuses to begin.
func TestLaterCeremonyOpensEnvelopes(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "cards-2026")
	var out, errb bytes.Buffer
	if code := run([]string{"rehearse", filepath.Join("..", "..", "ceremonies", "officer-cards.lua"), "--auto", "--out", first},
		stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("officer-cards.lua: exit %d\n%s", code, errb.String())
	}
	splitRecord(t, first, "token-user", filepath.Join(dir, "token-user.json"))
	// The SO set's envelopes alone, as if the wrong directory were given.
	os.Mkdir(filepath.Join(dir, "so-only"), 0o755)
	so, _ := filepath.Glob(filepath.Join(first, "artifacts", "token-so-*.envelope"))
	for _, f := range so {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(dir, "so-only", filepath.Base(f)), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "later.lua"), []byte(laterScript), 0o644)
	roster := ""
	for _, p := range [][3]string{{"alice", "Alice Abbott", "CA"}, {"bruno", "Bruno Bauer", "IW"}, {"chloe", "Chloe Chen", "CO"},
		{"dmitri", "Dmitri Dahl", "CO"}, {"erin", "Erin Evans", "CO"}} {
		roster += "[[participant]]\nid = \"" + p[0] + "\"\nname = \"" + p[1] + "\"\nroles = [\"" + p[2] + "\"]\n"
	}
	config := func(name, envelopes string) string {
		p := filepath.Join(dir, name+".toml")
		os.WriteFile(p, []byte("id = \"later\"\n[token]\nembedded = \"cards-2026.token\"\n[sets]\ntoken-user = \"token-user.json\"\n"+
			"[envelopes]\ntoken-user = \""+envelopes+"\"\n"+roster), 0o644)
		return p
	}

	later := filepath.Join(dir, "later")
	out.Reset()
	errb.Reset()
	if code := run([]string{"rehearse", filepath.Join(dir, "later.lua"), "--config", config("later", "cards-2026/artifacts"), "--auto", "--out", later},
		stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("later.lua: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if code, report := verifyOut(t, later); code != 0 {
		t.Fatalf("verify: %s", report)
	}
	opened := 0
	for e, err := range transcript.ReadEvents(filepath.Join(later, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == "share.accepted" && strings.Contains(string(e.Data), `"card":"`) {
			opened++
		}
	}
	if opened != 2 {
		t.Fatalf("%d envelopes opened on cards, want 2", opened)
	}

	out.Reset()
	errb.Reset()
	if code := run([]string{"rehearse", filepath.Join(dir, "later.lua"), "--config", config("refused", "so-only"), "--auto", "--out", filepath.Join(dir, "refused")},
		stdio{strings.NewReader(""), &out, &errb}); code == exitOK || !strings.Contains(errb.String(), "none of the 3 envelopes given is of the split of set") {
		t.Fatalf("envelopes of another set: exit %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil {
		t.Fatal("a bundle was begun with the envelopes of another set")
	}
}
