package steps

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/x509ca"
)

// source is where a primitive reads a file it continues from: an input
// (the ledger or certificate of an earlier ceremony), an artifact this
// ceremony saved, or neither.
type source struct {
	What            string // "the ledger"
	Input, Artifact string
}

// readSource reads a source from the fields inputKey (an input reference)
// and artifactKey (an artifact's name); required refuses neither.
func readSource(a Args, what, inputKey, artifactKey string, required bool) (source, error) {
	s := source{What: what, Input: a.Input(inputKey), Artifact: a.String(artifactKey, false)}
	switch {
	case s.Input != "" && s.Artifact != "":
		return s, fmt.Errorf("give %s (an input) or %s (an artifact), not both", inputKey, artifactKey)
	case required && s.Input == "" && s.Artifact == "":
		return s, fmt.Errorf("%s is required: give %s (an input) or %s (an artifact)", what, inputKey, artifactKey)
	}
	return s, nil
}

func (s source) given() bool { return s.Input != "" || s.Artifact != "" }

func (s source) lint(l Linter) {
	if s.Input != "" {
		l.Input(s.Input)
	}
	if s.Artifact != "" && !l.Saved(s.Artifact) {
		l.Problem("%s %q is read before any step saves it", s.What, s.Artifact)
	}
}

func (s source) paper() string {
	switch {
	case s.Input != "":
		return s.What + " of input " + s.Input
	case s.Artifact != "":
		return s.What + " " + s.Artifact
	}
	return "a new " + s.What[len("the "):]
}

// read is the source's bytes, and false when it names nothing.
func (s source) read(h Host) ([]byte, bool, error) {
	var b []byte
	var err error
	switch {
	case s.Input != "":
		b, err = h.Input(s.Input)
	case s.Artifact != "":
		b, err = h.ReadArtifact(s.Artifact)
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", s.What, err)
	}
	if len(b) == 0 {
		return nil, false, errors.New(s.What + " is empty")
	}
	return b, true, nil
}

// certificate is the source's bytes as one PEM certificate: an issuer's.
func (s source) certificate(h Host) (*x509.Certificate, error) {
	b, _, err := s.read(h)
	if err != nil {
		return nil, err
	}
	c, err := x509ca.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.What, err)
	}
	return c, nil
}
