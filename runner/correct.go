package runner

import (
	"errors"
	"fmt"
	"reflect"
)

// EvConfigCorrected records that a resumed ceremony goes on under a
// corrected configuration: which settings changed, from what to what, who
// approved it and why, and the artifact holding the configuration now in
// force. Replay passes over it: it changes where the token is, never what
// the script is given.
const EvConfigCorrected = "config.corrected"

// ConfigCorrection is the data of a config.corrected event.
type ConfigCorrection struct {
	Artifact   string   `json:"artifact"`
	SHA256     string   `json:"sha256"`
	Changed    []string `json:"changed"`
	Reason     string   `json:"reason"`
	ApprovedBy string   `json:"approved_by"`
}

// ErrUncorrectable is returned for a corrected configuration that changes
// more than where the token is.
var ErrUncorrectable = errors.New("only [token] may be corrected once a ceremony has begun")

// Correction lists what fixed changes in the recorded configuration c, as
// "token.uri: \"old\" -> \"new\"" lines. Only the token may change: the id,
// roster, inputs, share sets and parameters are what the recorded steps
// were given, and changing them would make the record say something else.
func (c *Config) Correction(fixed *Config) ([]string, error) {
	was, now := *c, *fixed
	was.Token, now.Token = TokenConfig{}, TokenConfig{}
	if !reflect.DeepEqual(normalised(was), normalised(now)) {
		return nil, ErrUncorrectable
	}
	var changed []string
	for _, f := range []struct {
		key      string
		was, now string
	}{
		{"token.uri", c.Token.URI, fixed.Token.URI},
		{"token.module", c.Token.Module, fixed.Token.Module},
		{"token.embedded", c.Token.Embedded, fixed.Token.Embedded},
	} {
		if f.was != f.now {
			changed = append(changed, fmt.Sprintf("%s: %q -> %q", f.key, f.was, f.now))
		}
	}
	if len(changed) == 0 {
		return nil, errors.New("the corrected configuration changes nothing")
	}
	return changed, nil
}

// normalised treats empty and absent maps alike, as TOML does.
func normalised(c Config) Config {
	for _, m := range []*map[string]string{&c.Inputs, &c.Sets} {
		if len(*m) == 0 {
			*m = nil
		}
	}
	if len(c.Params) == 0 {
		c.Params = nil
	}
	return c
}
