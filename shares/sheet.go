package shares

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/ceremony-dev/ceremony/visible"
)

// sheet gathers what both sheet forms show.
type sheet struct {
	Label, SetID, Holder, Date, Fingerprint string
	Index, M, N                             int
	Rows                                    [][]numbered
	Words                                   int
	Steps                                   []string
}

type numbered struct {
	N    int
	Word string
}

func (s *Share) sheet(holder string, date time.Time) sheet {
	words := s.Words()
	sh := sheet{
		// A label or a name cannot forge a line of the sheet, or hide
		// what it says: their control characters show as escapes.
		Label: visible.String(s.label), SetID: s.SetID(), Holder: visible.String(holder), Date: date.UTC().Format("2006-01-02"),
		Fingerprint: s.Fingerprint(), Index: s.index, M: s.m, N: s.n, Words: len(words),
		Steps: []string{
			"Check the share now, alone: ceremony shares check --record RECORD FILE, or type it at the check step of the ceremony.",
			"Keep this sheet sealed in a tamper-evident bag, in a place only you can reach. Write the bag number in your ceremony notes.",
			"Never photograph, copy or type this sheet anywhere but at a ceremony that asks for this set by its id.",
			fmt.Sprintf("At the ceremony, type the words in order. Any %d of the %d holders recover the secret; %d cannot.", s.m, s.n, s.m-1),
			"If this sheet is lost, damaged or seen by anyone, tell the ceremony administrator at once.",
		},
	}
	for i := 0; i < len(words); i += 4 {
		var row []numbered
		for j := i; j < min(i+4, len(words)); j++ {
			row = append(row, numbered{j + 1, strings.ToLower(words[j])})
		}
		sh.Rows = append(sh.Rows, row)
	}
	return sh
}

// SheetText returns the share's sheet as plain text for printing: label, set
// id, holder, index, m of n, date, the words numbered in rows of four, and
// what the holder does with it.
func (s *Share) SheetText(holder string, date time.Time) string {
	sh := s.sheet(holder, date)
	var b strings.Builder
	fmt.Fprintf(&b, "SECRET SHARE - %s\n\n", sh.Label)
	fmt.Fprintf(&b, "  Holder:       %s\n", sh.Holder)
	fmt.Fprintf(&b, "  Share:        %d of %d (any %d recover the secret)\n", sh.Index, sh.N, sh.M)
	fmt.Fprintf(&b, "  Set id:       %s\n", sh.SetID)
	fmt.Fprintf(&b, "  Fingerprint:  %s\n", sh.Fingerprint)
	fmt.Fprintf(&b, "  Date:         %s\n\n", sh.Date)
	fmt.Fprintf(&b, "Words (%d):\n\n", sh.Words)
	for _, row := range sh.Rows {
		var line strings.Builder
		for _, w := range row {
			fmt.Fprintf(&line, "  %2d %-12s", w.N, w.Word)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	b.WriteString("\nWhat to do with this sheet:\n\n")
	for i, st := range sh.Steps {
		b.WriteString(wrap(fmt.Sprintf("  %d. ", i+1), "     ", st, 78))
	}
	return b.String()
}

// wrap fills text into lines of at most width columns, the first starting
// with first and the others with indent, so that a printed sheet needs no
// wide paper.
func wrap(first, indent, text string, width int) string {
	var b strings.Builder
	line := first
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != first && line != indent {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

var sheetHTML = template.Must(template.New("sheet").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Secret share {{.Index}} of {{.N}} - {{.Label}}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table.words td { font-family: monospace; font-size: 14pt; padding: 0.2em 1em 0.2em 0; }
td.n { color: #555; text-align: right; }
</style></head><body>
<h1>Secret share - {{.Label}}</h1>
<table>
<tr><th align="left">Holder</th><td>{{.Holder}}</td></tr>
<tr><th align="left">Share</th><td>{{.Index}} of {{.N}} (any {{.M}} recover the secret)</td></tr>
<tr><th align="left">Set id</th><td><code>{{.SetID}}</code></td></tr>
<tr><th align="left">Fingerprint</th><td><code>{{.Fingerprint}}</code></td></tr>
<tr><th align="left">Date</th><td>{{.Date}}</td></tr>
</table>
<h2>Words ({{.Words}})</h2>
<table class="words">
{{range .Rows}}<tr>{{range .}}<td class="n">{{.N}}</td><td>{{.Word}}</td>{{end}}</tr>
{{end}}</table>
<h2>What to do with this sheet</h2>
<ol>
{{range .Steps}}<li>{{.}}</li>
{{end}}</ol>
</body></html>
`))

// SheetHTML returns the same sheet as SheetText as a standalone HTML page.
func (s *Share) SheetHTML(holder string, date time.Time) string {
	var b bytes.Buffer
	if err := sheetHTML.Execute(&b, s.sheet(holder, date)); err != nil {
		// The template is fixed and its data are plain strings and ints.
		panic("shares: sheet template: " + err.Error())
	}
	return b.String()
}
