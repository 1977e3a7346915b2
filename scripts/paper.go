package scripts

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strconv"
	"strings"
	texttemplate "text/template"
)

// Paper says how to print the paper script.
type Paper struct {
	Format string  // "md" (default) or "html"
	Roster *Roster // the people who sign; nil prints a line per role slot
	// SHA256 of the script's bytes, printed so that the paper can be tied
	// to the file that runs.
	SHA256 string
	// ExceptionSheets is how many blank exception sheets to print (default 2).
	ExceptionSheets int
}

//go:embed paper.md.tmpl paper.html.tmpl
var paperFS embed.FS

var (
	mdPaper   = texttemplate.Must(texttemplate.New("paper.md.tmpl").Funcs(texttemplate.FuncMap{"cell": mdCell, "text": mdText}).ParseFS(paperFS, "paper.md.tmpl"))
	htmlPaper = htmltemplate.Must(htmltemplate.New("paper.html.tmpl").ParseFS(paperFS, "paper.html.tmpl"))
)

// paperView is what the templates see.
type paperView struct {
	Plan       *Plan
	SHA256     string
	Acts       []actView
	Signers    []signer
	Exceptions []int
	Roster     bool
}

type actView struct {
	Number int
	Title  string
	Steps  []stepView
}

type stepView struct {
	Number    string
	Text      string
	By        string
	Witnesses string
	Does      []string
	OnFailure string
	Rows      []string // who initials: the actor's role, then each witness role
}

type signer struct{ Name, Roles string }

// WritePaper prints the annotated paper script for plan: roles, inputs,
// each act's numbered steps with who acts and who witnesses and empty
// initials and time columns, exception sheets, and the sign-off page.
func WritePaper(w io.Writer, plan *Plan, p Paper) error {
	v := paperView{Plan: plan, SHA256: p.SHA256, Roster: p.Roster != nil}
	for _, a := range plan.Acts {
		av := actView{Number: a.Number, Title: a.Title}
		for _, st := range a.Steps {
			sv := stepView{Number: st.Number, Text: st.Text, By: st.By, Witnesses: strings.Join(st.Witnesses, ", ")}
			sv.Rows = append(sv.Rows, st.By+" (acts)")
			for _, wr := range st.Witnesses {
				sv.Rows = append(sv.Rows, wr+" (witnesses)")
			}
			for _, req := range st.Calls {
				sv.Does = append(sv.Does, req.Paper())
			}
			var fs []string
			for _, f := range st.OnFailure {
				fs = append(fs, string(f))
			}
			sv.OnFailure = strings.Join(fs, ", ")
			av.Steps = append(av.Steps, sv)
		}
		v.Acts = append(v.Acts, av)
	}
	if p.Roster != nil {
		for _, pt := range p.Roster.Participants {
			name := pt.ID
			if pt.Name != "" {
				name = pt.Name + " (" + pt.ID + ")"
			}
			v.Signers = append(v.Signers, signer{Name: name, Roles: strings.Join(pt.Roles, ", ")})
		}
	} else {
		for _, r := range plan.Roles {
			for i := 1; i <= max(1, r.Min); i++ {
				v.Signers = append(v.Signers, signer{Roles: r.ID + " " + strconv.Itoa(i) + " (" + r.Title + ")"})
			}
		}
	}
	n := p.ExceptionSheets
	if n <= 0 {
		n = 2
	}
	for i := 1; i <= n; i++ {
		v.Exceptions = append(v.Exceptions, i)
	}
	switch p.Format {
	case "", "md":
		return mdPaper.Execute(w, v)
	case "html":
		return htmlPaper.Execute(w, v)
	}
	return fmt.Errorf("unknown paper format %q (md or html)", p.Format)
}

// mdText keeps plain text (labels, patterns, placeholders) from being read
// as Markdown: a pattern's .* must not start an emphasis, a label's <x> must
// not vanish as a tag. Underscores and brackets stay: CommonMark leaves blanks
// (____) and check boxes ([ ]) as they are.
var mdText = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "<", `\<`, ">", `\>`, "|", `\|`,
	"\r\n", " ", "\n", " ").Replace

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string { return mdText(s) }
