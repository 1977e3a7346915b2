package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// mdCache keeps the last rendered instruction: a step's text is drawn on
// every frame (the clock ticks each second) but changes once per step.
type mdCache struct {
	text  string
	width int
	lines []string
}

func (c *mdCache) render(st *styles, text string, w int) []string {
	if c.lines == nil || c.text != text || c.width != w {
		c.text, c.width, c.lines = text, w, markdown(st, text, w)
	}
	return c.lines
}

// markdown renders the little Markdown a step's instruction uses: paragraphs,
// headings, bullet and numbered lists, **strong**, *emphasis* and `code`,
// wrapped to w cells.
func markdown(st *styles, text string, w int) []string {
	w = max(w, 10)
	var out []string
	var para []string
	flush := func(indent, first string) {
		if len(para) == 0 {
			return
		}
		body := inline(st, strings.Join(para, " "))
		wrapped := strings.Split(ansi.Wrap(body, w-len(indent), ""), "\n")
		for i, l := range wrapped {
			if i == 0 {
				out = append(out, first+l)
			} else {
				out = append(out, indent+l)
			}
		}
		para = para[:0]
	}
	for _, raw := range strings.Split(strings.TrimSpace(text), "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			flush("", "")
		case strings.HasPrefix(line, "#"):
			flush("", "")
			para = append(para, st.bold.Render(strings.TrimSpace(strings.TrimLeft(line, "#"))))
			flush("", "")
		case strings.HasPrefix(line, "- "), strings.HasPrefix(line, "* "):
			flush("", "")
			para = append(para, line[2:])
			flush("  ", "• ")
		case isNumbered(line):
			flush("", "")
			n, rest, _ := strings.Cut(line, ". ")
			para = append(para, rest)
			flush(strings.Repeat(" ", len(n)+2), n+". ")
		default:
			para = append(para, line)
		}
	}
	flush("", "")
	return out
}

func isNumbered(line string) bool {
	n, _, ok := strings.Cut(line, ". ")
	if !ok || n == "" || len(n) > 3 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// inline styles **strong**, *emphasis* and `code` spans; an unclosed mark is
// left as typed.
func inline(st *styles, s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, "*`")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		mark, style := s[:1], st.code
		switch {
		case strings.HasPrefix(s, "**"):
			mark, style = "**", st.bold
		case mark == "*":
			style = st.bold
		}
		end := strings.Index(s[len(mark):], mark)
		if end <= 0 {
			b.WriteString(mark)
			s = s[len(mark):]
			continue
		}
		b.WriteString(style.Render(s[len(mark) : len(mark)+end]))
		s = s[len(mark)+end+len(mark):]
	}
	return b.String()
}
