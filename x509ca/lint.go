package x509ca

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// Lints says which zlint lints a ceremony leaves out, each exclusion
// recorded with what was linted: sources (CABF_BR, Mozilla ...) whose
// requirements are the public web PKI's, and lint names.
type Lints struct {
	ExcludeSources []string `json:"exclude_sources,omitempty"`
	ExcludeNames   []string `json:"exclude_names,omitempty"`
}

// PrivatePKI excludes the sources whose requirements bind only publicly
// trusted CAs: a company's own root is not in a browser's root store.
var PrivatePKI = Lints{ExcludeSources: []string{"CABF_BR", "CABF_EV", "CABF_CS_BR", "CABF_SMIME_BR", "Mozilla", "Apple", "Chrome", "ETSI_ESI"}}

// LintError is a lint that found an error or a warning: nothing is signed.
type LintError struct {
	What     string   // "certificate CN=Example Root CA"
	Findings []string // "e_name: status: details"
}

func (e *LintError) Error() string {
	return fmt.Sprintf("zlint finds %s wanting: %s", e.What, strings.Join(e.Findings, "; "))
}

// LintReport is what was linted and how: kept in the record.
type LintReport struct {
	Lints    int      `json:"lints_run"`
	Excluded Lints    `json:"excluded"`
	Notices  []string `json:"notices,omitempty"`
}

func (l Lints) registry() (lint.Registry, error) {
	var opts lint.FilterOptions
	known := map[string]bool{}
	for _, s := range []lint.LintSource{lint.RFC3279, lint.RFC5280, lint.RFC5480, lint.RFC5891, lint.RFC6960, lint.RFC6962, lint.RFC8813,
		lint.CABFBaselineRequirements, lint.CABFCSBaselineRequirements, lint.CABFSMIMEBaselineRequirements, lint.CABFEVGuidelines,
		lint.MozillaRootStorePolicy, lint.AppleRootStorePolicy, lint.ChromeRootStorePolicy, lint.Community, lint.EtsiEsi} {
		known[string(s)] = true
	}
	for _, s := range l.ExcludeSources {
		if !known[s] {
			return nil, fmt.Errorf("lint source %q is not one zlint has", s)
		}
		opts.ExcludeSources = append(opts.ExcludeSources, lint.LintSource(s))
	}
	names := lint.GlobalRegistry().Names()
	for _, n := range l.ExcludeNames {
		if _, found := slices.BinarySearch(names, n); !found {
			return nil, fmt.Errorf("lint %q is not one zlint has", n)
		}
	}
	opts.ExcludeNames = l.ExcludeNames
	if opts.Empty() {
		return lint.GlobalRegistry(), nil
	}
	return lint.GlobalRegistry().Filter(opts)
}

func report(what string, rs *zlint.ResultSet, l Lints) (*LintReport, error) {
	rep := &LintReport{Excluded: l}
	var bad []string
	for name, r := range rs.Results {
		if r.Status == lint.NA || r.Status == lint.NE {
			continue
		}
		rep.Lints++
		line := name + ": " + r.Status.String()
		if r.Details != "" {
			line += ": " + r.Details
		}
		switch r.Status {
		case lint.Warn, lint.Error, lint.Fatal:
			bad = append(bad, line)
		case lint.Notice:
			rep.Notices = append(rep.Notices, line)
		}
	}
	sort.Strings(bad)
	sort.Strings(rep.Notices)
	if len(bad) > 0 {
		return rep, &LintError{What: what, Findings: bad}
	}
	return rep, nil
}

// lintCertificate lints a certificate's DER with zlint.
func lintCertificate(what string, der []byte, l Lints) (*LintReport, error) {
	reg, err := l.registry()
	if err != nil {
		return nil, err
	}
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("zlint cannot read %s: %w", what, err)
	}
	return report(what, zlint.LintCertificateEx(c, reg), l)
}

// lintCRL lints a CRL's DER with zlint.
func lintCRL(what string, der []byte, l Lints) (*LintReport, error) {
	reg, err := l.registry()
	if err != nil {
		return nil, err
	}
	c, err := zx509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("zlint cannot read %s: %w", what, err)
	}
	return report(what, zlint.LintRevocationListEx(c, reg), l)
}
