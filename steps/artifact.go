package steps

import (
	"context"
	"strings"

	"github.com/ceremony-dev/ceremony/transcript"
)

// EvArtifactRecovered records that a resumed run found an artifact the
// interrupted one saved, with the very content the script gives.
const EvArtifactRecovered = "artifact.recovered"

// Artifact: save an output into artifacts/ with O_EXCL and record its hash.
// Lua: artifact { "notes.txt", content = "..." } -> sha256 hex
type Artifact struct {
	At
	File    string
	Content string `bind:"free"`
}

func init() {
	register(Primitive{Name: "artifact", Parse: func(a Args, at At) (Call, error) {
		return Artifact{At: at, File: a.Text(1, true), Content: a.Content("content")}, nil
	}})
}

func (a Artifact) Placeholder() any { return "{sha256}" }
func (a Artifact) Brief() string    { return a.brief(a.File) }
func (a Artifact) Paper() string    { return "Save artifact " + a.File }
func (a Artifact) Lint(l Linter)    { l.Artifact(a.File) }

func (a Artifact) Run(_ context.Context, h Host) (any, error) {
	rec, err := h.Replay(a.Name, Replay{Final: []string{transcript.TypeArtifact, EvArtifactRecovered}})
	if err != nil {
		return nil, err
	}
	switch rec.Type {
	case EvArtifactRecovered:
		b, _ := h.Leftover(a.File)
		return DigestOf(b).Hex, nil
	case transcript.TypeArtifact:
		var d struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
		}
		if err := rec.Decode(&d); err != nil {
			return nil, err
		}
		// The script gives the content: the recorded file must be it, under
		// its name or the fresh name a torn leftover made it take.
		if want := DigestOf([]byte(a.Content)).Hex; d.SHA256 != want || d.Name != a.File && !strings.HasPrefix(d.Name, a.File+".") {
			return nil, diverged(h, rec, "artifact %s with SHA-256 %s is recorded where the script saves %s with SHA-256 %s", d.Name, d.SHA256, a.File, want)
		}
		return d.SHA256, nil
	}
	if _, err := saveOnce(h, a.File, []byte(a.Content)); err != nil {
		return nil, err
	}
	return DigestOf([]byte(a.Content)).Hex, nil
}

// saveOnce saves content as the artifact name and returns the name it took.
// A resumed run that finds the interrupted one saved the very same content
// takes the file over, and records that; a leftover with other content
// stays as it is, and content takes a fresh name beside it.
func saveOnce(h Host, name string, content []byte) (string, error) {
	if b, ok := h.Leftover(name); ok {
		if string(b) == string(content) {
			return name, h.Append(EvArtifactRecovered, "", map[string]string{"name": name})
		}
		name = h.FreshName(name)
	}
	return name, h.SaveArtifact(name, content)
}
