package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/runner"
	"github.com/ceremony-dev/ceremony/transcript"
	"github.com/ceremony-dev/ceremony/visible"
)

// correction is what resume is told about a corrected configuration.
type correction struct {
	config, because, approvedBy string
}

// fixedConfig is a checked correction, ready to be recorded.
type fixedConfig struct {
	correction
	bytes   []byte
	cfg     *runner.Config
	changed []string
}

// check reads the corrected configuration and holds it against the one in
// force in the bundle: only the token may differ, someone on the roster
// approves, a reason is given, and the corrected token can be found.
func (f correction) check(c *ceremonyRun) (*fixedConfig, error) {
	if f.because == "" || f.approvedBy == "" {
		return nil, errors.New("a corrected --config needs --because (what was wrong) and --approved-by (who on the roster approves)")
	}
	if err := visible.Check(f.because, false); err != nil {
		return nil, fmt.Errorf("--because: %w", err)
	}
	if !slices.ContainsFunc(c.cfg.Participants, func(p runner.ParticipantConfig) bool { return p.ID == f.approvedBy }) {
		return nil, fmt.Errorf("--approved-by %q is not on the roster", f.approvedBy)
	}
	b, err := durable.ReadFile(f.config, maxSmallFile)
	if err != nil {
		return nil, err
	}
	cfg, err := runner.ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.config, err)
	}
	changed, err := c.cfg.Correction(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.config, err)
	}
	if cfg.Token.Module != "" {
		// The recorded run may or may not have initialised it yet.
		err := tokenFindable(cfg.Token, false)
		if err != nil && initialisesToken(c.script.Plan()) {
			err = tokenFindable(cfg.Token, true)
		}
		if err != nil {
			return nil, fmt.Errorf("the corrected token: %w", err)
		}
	}
	if !c.rehearsal && cfg.Token.Embedded != "" {
		return nil, errors.New("the embedded token is for rehearsals: a real ceremony needs a PKCS #11 token in [token]")
	}
	return &fixedConfig{correction: f, bytes: b, cfg: cfg, changed: changed}, nil
}

// record keeps the corrected configuration in the bundle as an artifact
// and records the correction; from here on, resume and verify use it.
func (f *fixedConfig) record(c *ceremonyRun) error {
	name := "config.corrected.toml"
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(c.bundle, transcript.ArtifactsDir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("config.corrected.%d.toml", i)
	}
	if _, err := c.w.AddArtifact(name, f.bytes, "", f.approvedBy); err != nil {
		return err
	}
	sum := sha256.Sum256(f.bytes)
	if _, err := c.w.Append(runner.EvConfigCorrected, "", f.approvedBy, runner.ConfigCorrection{
		Artifact: name, SHA256: hex.EncodeToString(sum[:]), Changed: f.changed, Reason: f.because, ApprovedBy: f.approvedBy,
	}); err != nil {
		return err
	}
	c.cfg = f.cfg
	return nil
}
