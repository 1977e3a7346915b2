package scripts

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/ceremony-dev/ceremony/steps"
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
				sv.Does = append(sv.Does, Describe(req))
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

// Describe says in a sentence what a primitive call will do, for the paper
// script and for a step's outline.
func Describe(req steps.Request) string {
	switch r := req.(type) {
	case steps.Confirm:
		return "Confirm: " + r.Text
	case steps.Record:
		if r.Pattern != "" {
			return fmt.Sprintf("Record %s (pattern %s): ____________", r.Label, r.Pattern)
		}
		return fmt.Sprintf("Record %s: ____________", r.Label)
	case steps.Checklist:
		return fmt.Sprintf("Checklist %s: [ ] %s", r.Title, strings.Join(r.Items, "  [ ] "))
	case steps.Clock:
		return "Confirm the UTC time shown: ____________"
	case steps.Machine:
		return "Record the facts of the ceremony machine"
	case steps.VerifyOOB:
		return fmt.Sprintf("Read the SHA-256 of input %s to %s, who reads it back; the tool compares", r.Input, r.With)
	case steps.SplitSecret:
		return fmt.Sprintf("Generate secret %q (share set %s) and split it %d-of-%d among the %s holders; each holder receives their sheet alone; %d holders re-enter their share", r.Label, r.Set, r.M, r.N, r.Holders, r.M)
	case steps.CollectShares:
		return fmt.Sprintf("Holders of share set %s enter their shares", r.Set)
	case steps.Activate:
		return fmt.Sprintf("Holders of share set %s enter their shares; log in to %s", r.Shares, token(r.Token))
	case steps.InitToken:
		return fmt.Sprintf("Initialise %s with the security officer secret of share set %s and the user secret of share set %s", token(r.Token), r.SOSet, r.UserSet)
	case steps.GenerateKey:
		return fmt.Sprintf("Generate key %s (%s) on the token", r.Label, r.Type)
	case steps.Sign:
		what := "input " + r.Input
		if r.Artifact != "" {
			what = "artifact " + r.Artifact
		}
		return fmt.Sprintf("Sign %s with key %s; save the signature as %s", what, r.Key, r.Out)
	case steps.Artifact:
		return "Save artifact " + r.Name
	case steps.Exception:
		return fmt.Sprintf("Record exception: expected %q, happened %q, decision %q, approved by %s", r.Expected, r.Happened, r.Decision, r.Approver)
	case steps.Signoff:
		return "Every participant signs off (sign-off page)"
	}
	return req.Primitive()
}

func token(uri string) string {
	if uri == "" {
		return "the configured token"
	}
	return "token " + uri
}
