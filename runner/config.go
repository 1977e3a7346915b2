package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/ceremony-dev/ceremony/durable"
	"github.com/ceremony-dev/ceremony/room"
	"github.com/ceremony-dev/ceremony/scripts"
	"github.com/ceremony-dev/ceremony/shares"
	"github.com/ceremony-dev/ceremony/visible"
)

// Config is a ceremony's configuration file (TOML): who is in the room, which
// token, where the inputs are. It is copied into the bundle, so it never
// holds a PIN, a share or any other secret; ParseConfig refuses one.
//
//	id = "ksk-2026-q4"
//
//	[token]
//	uri = "pkcs11:token=ksk"                     # PKCS #11 URI (RFC 7512)
//	module = "/usr/lib/softhsm/libsofthsm2.so"   # the PKCS #11 module
//	# or, for rehearsals only: embedded = "rehearsal-token"
//
//	[inputs]
//	ksr = "ksr-2026-q4.xml"                      # relative to this file
//
//	[sets]
//	hsm-user = "hsm-user-record.json"           # a set split at an earlier ceremony
//
//	[envelopes]
//	hsm-user = "earlier-bundle/envelopes"       # its shares sealed to the holders' YubiKeys
//
//	[params]
//	root_cn = "Example Root CA"                  # the script's parameters
//
//	[[participant]]
//	id = "alice"
//	name = "Alice Abbott"
//	roles = ["CA"]
//	public_key = "ssh-ed25519 AAAA..."           # optional, for cosigning
type Config struct {
	ID           string              `toml:"id"`
	Token        TokenConfig         `toml:"token"`
	Inputs       map[string]string   `toml:"inputs,omitempty"`
	Participants []ParticipantConfig `toml:"participant"`
	// Sets are share sets split at an earlier ceremony, by name: the path
	// of each split's public record (record.json from ceremony shares
	// split, or the record a split_secret step left in its transcript).
	Sets map[string]string `toml:"sets,omitempty"`
	// Envelopes are, for sets split to cards, the directory of the split's
	// envelopes (the envelopes directory of its bundle), by set name.
	Envelopes map[string]string `toml:"envelopes,omitempty"`
	// Params are the values of the script's parameters, by name: strings,
	// whole numbers and booleans. The script refuses unknown ones.
	Params map[string]any `toml:"params,omitempty"`
}

// ScriptParams are the parameters as scripts.Options takes them from a
// configuration: never nil, so that the script refuses a missing one.
func (c *Config) ScriptParams() map[string]any {
	if c.Params == nil {
		return map[string]any{}
	}
	return c.Params
}

// TokenConfig says which token a ceremony uses.
type TokenConfig struct {
	URI      string `toml:"uri,omitempty"`
	Module   string `toml:"module,omitempty"`
	Embedded string `toml:"embedded,omitempty"` // directory of the embedded software token
}

// ParticipantConfig is one person on the roster.
type ParticipantConfig struct {
	ID        string   `toml:"id"`
	Name      string   `toml:"name"`
	Roles     []string `toml:"roles"`
	PublicKey string   `toml:"public_key,omitempty"`
}

// CredentialError reports a configuration key that looks like it holds a
// secret. The message names the key, never its value.
type CredentialError struct{ Key string }

func (e *CredentialError) Error() string {
	return fmt.Sprintf("configuration key %q looks like a credential: PINs, shares and secrets are never kept in the configuration", e.Key)
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ParseConfig reads a configuration file's bytes. Unknown keys are refused,
// so a misspelt key never silently does nothing.
func ParseConfig(b []byte) (*Config, error) {
	var raw map[string]any
	if err := toml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if err := refuseCredentials("", raw); err != nil {
		return nil, err
	}
	var c Config
	if err := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields().Decode(&c); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) && len(strict.Errors) > 0 {
			return nil, fmt.Errorf("configuration: unknown key %q", strings.Join(strict.Errors[0].Key(), "."))
		}
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return &c, nil
}

func refuseCredentials(prefix string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			full := k
			if prefix != "" {
				full = prefix + "." + k
			}
			if scripts.LooksLikeCredential(k) {
				return &CredentialError{Key: full}
			}
			if err := refuseCredentials(full, v[k]); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := refuseCredentials(prefix, x); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Config) validate() error {
	if !validID.MatchString(c.ID) {
		return fmt.Errorf("id %q: use 1 to 64 letters, digits, '.', '_' or '-'", c.ID)
	}
	t := c.Token
	switch {
	case t.Embedded != "" && (t.URI != "" || t.Module != ""):
		return errors.New("token: give either embedded or uri and module, not both")
	case t.Embedded == "" && (t.URI == "") != (t.Module == ""):
		return errors.New("token: a PKCS #11 token needs both uri and module")
	case t.URI != "" && !strings.HasPrefix(t.URI, "pkcs11:"):
		return fmt.Errorf("token: uri %q is not a PKCS #11 URI (pkcs11:...)", t.URI)
	}
	seen := map[string]bool{}
	for i, p := range c.Participants {
		switch {
		case !validID.MatchString(p.ID):
			return fmt.Errorf("participant %d: id %q: use letters, digits, '.', '_' or '-'", i+1, p.ID)
		case seen[p.ID]:
			return fmt.Errorf("participant %q is listed twice", p.ID)
		case strings.TrimSpace(p.Name) == "":
			return fmt.Errorf("participant %q has no name", p.ID)
		case len(p.Roles) == 0:
			return fmt.Errorf("participant %q has no role", p.ID)
		}
		// A name is printed on sheets and the paper script and shown in
		// the room: it must show as what it is.
		for _, text := range append([]string{p.Name, p.PublicKey}, p.Roles...) {
			if err := visible.Check(text, false); err != nil {
				return fmt.Errorf("participant %q: \"%s\": %w", p.ID, visible.String(text), err)
			}
		}
		seen[p.ID] = true
	}
	for name, path := range c.Inputs {
		if path == "" {
			return fmt.Errorf("input %q has no path", name)
		}
	}
	for name, path := range c.Sets {
		if path == "" {
			return fmt.Errorf("share set %q has no record path", name)
		}
	}
	return nil
}

// Roster is the configuration's participants as the runner and the UI see
// them.
func (c *Config) Roster() []room.Participant {
	out := make([]room.Participant, len(c.Participants))
	for i, p := range c.Participants {
		out[i] = room.Participant{ID: p.ID, Name: p.Name, Roles: append([]string(nil), p.Roles...)}
	}
	return out
}

// ScriptRoster is the roster as scripts.Check holds a plan against it.
func (c *Config) ScriptRoster() *scripts.Roster {
	r := &scripts.Roster{}
	for name := range c.Sets {
		r.Sets = append(r.Sets, name)
	}
	sort.Strings(r.Sets)
	for _, p := range c.Participants {
		r.Participants = append(r.Participants, scripts.Participant{ID: p.ID, Name: p.Name, Roles: append([]string(nil), p.Roles...)})
	}
	return r
}

// InputPath is where input name is, relative paths taken from base (the
// directory the configuration file was in); "" when not configured.
func (c *Config) InputPath(name, base string) string {
	p := c.Inputs[name]
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// ShareSets reads the public records of the configured share sets, relative
// paths taken from base.
func (c *Config) ShareSets(base string) (map[string]*shares.Record, error) {
	out := map[string]*shares.Record{}
	for name, p := range c.Sets {
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		b, err := durable.ReadFile(p, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("share set %s: %w", name, err)
		}
		var rec shares.Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("share set %s: %s: %w", name, p, err)
		}
		if rec.SetID == "" || rec.M < 1 || len(rec.Fingerprints) != rec.N {
			return nil, fmt.Errorf("share set %s: %s is not the public record of a split", name, p)
		}
		out[name] = &rec
	}
	return out, nil
}

// ShareEnvelopes reads the envelopes of the configured sets split to cards:
// every *.envelope file of each set's directory, relative paths taken from
// base. The run holds each to its set's record.
func (c *Config) ShareEnvelopes(base string) (map[string][]*shares.Envelope, error) {
	out := map[string][]*shares.Envelope{}
	for name, dir := range c.Envelopes {
		if _, ok := c.Sets[name]; !ok {
			return nil, fmt.Errorf("envelopes of share set %s, which [sets] does not give", name)
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.envelope"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("share set %s: no envelopes in %s", name, dir)
		}
		for _, f := range files {
			b, err := durable.ReadFile(f, shares.MaxEnvelope)
			if err != nil {
				return nil, fmt.Errorf("share set %s: %w", name, err)
			}
			e, err := shares.ParseEnvelope(b)
			if err != nil {
				return nil, fmt.Errorf("share set %s: %s: %w", name, f, err)
			}
			out[name] = append(out[name], e)
		}
	}
	return out, nil
}

// Marshal encodes the configuration as TOML.
func (c *Config) Marshal() ([]byte, error) { return toml.Marshal(c) }

// rehearsalNames are the people a generated rehearsal roster is made of.
var rehearsalNames = []string{
	"Alice Abbott", "Bruno Bauer", "Chloe Chen", "Dmitri Dahl", "Erin Evans", "Farah Fox", "Gustav Gray",
	"Hana Hill", "Ivan Ito", "Jade Jones", "Kofi Kim", "Lena Lund", "Mateo Mora", "Nia Nash", "Oskar Olsen",
	"Priya Patel", "Quinn Quade", "Rosa Reyes", "Sami Saari", "Tomas Tran", "Uma Udo", "Viktor Vale",
	"Wen Wu", "Ximena Xu", "Yusuf Yilmaz", "Zoe Zane",
}

// RehearsalConfig makes a configuration for an unattended rehearsal of plan:
// one person per role slot, as many as each role needs (enough holders for
// every split), so that every separation of duties holds, and the embedded
// token in tokenDir.
func RehearsalConfig(plan *scripts.Plan, id, tokenDir string) (*Config, error) {
	need := scripts.RosterNeeds(plan)
	c := &Config{ID: id, Token: TokenConfig{Embedded: tokenDir}}
	for _, r := range plan.Roles {
		for range need[r.ID] {
			i := len(c.Participants)
			if i >= len(rehearsalNames) {
				return nil, fmt.Errorf("the rehearsal roster needs more than %d people", len(rehearsalNames))
			}
			name := rehearsalNames[i]
			c.Participants = append(c.Participants, ParticipantConfig{
				ID: strings.ToLower(strings.Fields(name)[0]), Name: name, Roles: []string{r.ID}})
		}
	}
	return c, nil
}
