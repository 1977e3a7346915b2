package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/hsm/hsmtest"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/transcript"
)

// TestRehearseOnSoftHSM rehearses the demo on a real PKCS #11 module: the
// ceremony initialises an empty SoftHSM2 token, activates it with shares,
// generates a key on it and signs; the bundle must verify.
func TestRehearseOnSoftHSM(t *testing.T) {
	tok := hsmtest.Empty(t)
	dir := t.TempDir()
	request := []byte("a request signed on SoftHSM2\n")
	if err := os.WriteFile(filepath.Join(dir, "request.txt"), request, 0o600); err != nil {
		t.Fatal(err)
	}
	demo := filepath.Join("..", "..", "ceremonies", "demo.lua")
	script, err := scripts.Load(context.Background(), demo, scripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := runner.RehearsalConfig(script.Plan(), "softhsm-rehearsal", "")
	script.Close()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Token = runner.TokenConfig{URI: "pkcs11:token=demo", Module: tok.Module}
	cfg.Inputs = map[string]string{"request": "request.txt"}
	toml, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "ceremony.toml")
	if err := os.WriteFile(cfgPath, toml, 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	var out, errb bytes.Buffer
	code := run([]string{"rehearse", demo, "--auto", "--config", cfgPath, "--out", bundle},
		stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK {
		t.Fatalf("rehearse exited %d: %s", code, errb.String())
	}
	rep, err := transcript.Verify(bundle, transcript.VerifyOptions{})
	if rep == nil || rep.Verdict != transcript.Complete || !rep.Rehearsal {
		t.Fatalf("verify: %v", err)
	}
	var sawSoftHSM, sawRequest bool
	for e, err := range transcript.ReadEvents(filepath.Join(bundle, transcript.TranscriptFile)) {
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		json.Unmarshal(e.Data, &d)
		switch e.Type {
		case "hsm.token":
			info, _ := d["info"].(map[string]any)
			sawSoftHSM = strings.Contains(fmt.Sprint(info["manufacturer"]), "SoftHSM")
		case "hsm.signed":
			sum := sha256.Sum256(request)
			sawRequest = d["message_sha256"] == hex.EncodeToString(sum[:])
		}
	}
	if !sawSoftHSM || !sawRequest {
		t.Fatalf("the transcript does not show SoftHSM2 (%t) signing the configured input (%t)", sawSoftHSM, sawRequest)
	}
}
