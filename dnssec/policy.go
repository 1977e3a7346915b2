package dnssec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PolicySettings lists what Apply can set, for help texts and errors.
const PolicySettings = "domains, bundles, keys_per_bundle, distinct_keys, cycle_min, cycle_max, interval_min, interval_max, " +
	"validity_min, validity_max, overlap_min, overlap_max, horizon, algorithm, rsa_size, rsa_exponent, allow_ecdsa, allow_eddsa"

// Apply changes the policy by settings of the form "name = value": lists
// comma-separated ("domains = example.org., ."), durations in ISO 8601
// ("validity_min = P21D"), numbers and booleans as written. A policy file
// holds one setting a line, with '#' comments.
func (p *RequestPolicy) Apply(settings []string) error {
	for _, line := range settings {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(value), `"`)
		if !ok || value == "" {
			return fmt.Errorf("policy setting %q: want name = value", line)
		}
		if err := p.set(name, value); err != nil {
			return fmt.Errorf("policy setting %s: %w", name, err)
		}
	}
	return nil
}

func (p *RequestPolicy) set(name, v string) error {
	durations := map[string]*time.Duration{"cycle_min": &p.CycleMin, "cycle_max": &p.CycleMax, "interval_min": &p.IntervalMin,
		"interval_max": &p.IntervalMax, "validity_min": &p.ValidityMin, "validity_max": &p.ValidityMax, "overlap_min": &p.OverlapMin,
		"overlap_max": &p.OverlapMax, "horizon": &p.Horizon}
	ints := map[string]*int{"bundles": &p.Bundles, "distinct_keys": &p.DistinctKeys, "rsa_size": &p.RSASize, "rsa_exponent": &p.RSAExp}
	bools := map[string]*bool{"allow_ecdsa": &p.AllowECDSA, "allow_eddsa": &p.AllowEdDSA}
	if d, ok := durations[name]; ok {
		x, err := ParseDuration(v)
		*d = x
		return err
	}
	if n, ok := ints[name]; ok {
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return fmt.Errorf("%q is not a count", v)
		}
		*n = x
		return nil
	}
	if b, ok := bools[name]; ok {
		x, err := strconv.ParseBool(v)
		*b = x
		return err
	}
	switch name {
	case "domains":
		p.Domains = nil
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				p.Domains = append(p.Domains, d)
			}
		}
	case "keys_per_bundle":
		p.KeysPerBundle = nil
		for _, f := range strings.Split(v, ",") {
			x, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || x < 1 {
				return fmt.Errorf("%q is not a list of counts", v)
			}
			p.KeysPerBundle = append(p.KeysPerBundle, x)
		}
	case "algorithm":
		x, err := strconv.ParseUint(v, 10, 8)
		if err != nil {
			return fmt.Errorf("%q is not an algorithm number", v)
		}
		p.Algorithm = uint8(x)
	default:
		return fmt.Errorf("unknown; the settings are %s", PolicySettings)
	}
	return nil
}
