package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/ceremony-dev/ceremony/transcript"
)

// EvX509Ledger records the issued-certificates ledger written.
const EvX509Ledger = "x509.ledger"

// X509Ledger: write the ledger of every certificate issued, this
// ceremony's and the earlier ones' (the ledger input the first x509
// primitive read), as OUT.txt for people and OUT.json for the next
// ceremony.
// Lua: x509.ledger { out = "ledger" } -> { text, json, certificates }
type X509Ledger struct {
	At
	Out    string
	Ledger source
}

func init() {
	register(Primitive{Name: "x509.ledger", Parse: func(a Args, at At) (Call, error) {
		l := X509Ledger{At: at, Out: a.String("out", true)}
		if !plainArtifactName(l.Out) {
			return nil, fmt.Errorf("out %q: letters, digits, '-' and '_' only; .txt and .json are added", l.Out)
		}
		var err error
		l.Ledger, err = readSource(a, "the ledger", "ledger", "ledger_from", false)
		return l, err
	}})
}

func (l X509Ledger) Placeholder() any {
	return map[string]any{"text": l.Out + ".txt", "json": l.Out + ".json", "certificates": 1}
}
func (l X509Ledger) Brief() string { return l.brief(l.Out + ".txt, " + l.Out + ".json") }
func (l X509Ledger) Paper() string {
	return fmt.Sprintf("Write the ledger of issued certificates as %s.txt and %s.json", l.Out, l.Out)
}
func (l X509Ledger) Lint(li Linter) {
	l.Ledger.lint(li)
	li.Artifact(l.Out + ".txt")
	li.Artifact(l.Out + ".json")
}

type x509LedgerData struct {
	Certificates int               `json:"certificates"`
	Files        map[string]string `json:"files"`
}

func (l X509Ledger) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(l.Name, Replay{Final: []string{EvX509Ledger}, Steps: []string{transcript.TypeArtifact, EvArtifactRecovered},
		Void: "interrupted before the ledger was recorded"})
	if err != nil {
		return nil, err
	}
	var d x509LedgerData
	if rec.Found() {
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		if err := checkFiles(h, rec, d.Files); err != nil {
			return nil, err
		}
	} else {
		led, err := h.Session().ledger(h, l.Ledger, "")
		if err != nil {
			return nil, err
		}
		if led.Root == "" {
			return nil, errors.New("the ledger is empty: no certificate was issued and no ledger given")
		}
		names, sums, err := saveFiles(h, [][2]string{{l.Out + ".txt", string(led.Text())}, {l.Out + ".json", string(led.JSON())}})
		if err != nil {
			return nil, err
		}
		d = x509LedgerData{Certificates: len(led.Certificates), Files: sums}
		if err := confirmStep(ctx, h, fmt.Sprintf("The ledger of %d certificates is saved as %s and %s.\n%s", d.Certificates, names[0], names[1], led.Text())); err != nil {
			return nil, err
		}
		if err := h.Append(EvX509Ledger, "", d); err != nil {
			return nil, err
		}
	}
	return map[string]any{"text": l.Out + ".txt", "json": l.Out + ".json", "certificates": d.Certificates}, nil
}
