package tui

import (
	"charm.land/lipgloss/v2"
)

// styles holds every style the screen uses. Without colour, each one keeps a
// text attribute (bold, reverse, underline) so that nothing that matters
// depends on colour: LIVE is reverse video, an error is bold with a mark.
type styles struct {
	live, rehearsal lipgloss.Style
	title, bold     lipgloss.Style
	dim, code       lipgloss.Style
	good, bad, warn lipgloss.Style
	current         lipgloss.Style
	highlight       lipgloss.Style
	key             lipgloss.Style
	cursor          lipgloss.Style
	rule            lipgloss.Style
	big             lipgloss.Style
}

func newStyles(noColor bool) styles {
	s := lipgloss.NewStyle()
	if noColor {
		return styles{
			live:      s.Bold(true).Reverse(true),
			rehearsal: s.Bold(true).Reverse(true),
			title:     s.Bold(true),
			bold:      s.Bold(true),
			dim:       s,
			code:      s.Underline(true),
			good:      s.Bold(true),
			bad:       s.Bold(true).Reverse(true),
			warn:      s.Bold(true),
			current:   s.Bold(true).Reverse(true),
			highlight: s.Reverse(true).Bold(true),
			key:       s.Bold(true),
			cursor:    s.Reverse(true),
			rule:      s,
			big:       s.Bold(true),
		}
	}
	red, yellow, green := lipgloss.Color("#d70000"), lipgloss.Color("#ffd700"), lipgloss.Color("#00af5f")
	black, white, grey := lipgloss.Color("#000000"), lipgloss.Color("#ffffff"), lipgloss.Color("#808080")
	blue, orange := lipgloss.Color("#5fafff"), lipgloss.Color("#ff8700")
	return styles{
		live:      s.Bold(true).Foreground(white).Background(red),
		rehearsal: s.Bold(true).Foreground(black).Background(yellow),
		title:     s.Bold(true).Foreground(blue),
		bold:      s.Bold(true),
		dim:       s.Foreground(grey),
		code:      s.Foreground(orange),
		good:      s.Bold(true).Foreground(green),
		bad:       s.Bold(true).Foreground(white).Background(red),
		warn:      s.Bold(true).Foreground(orange),
		current:   s.Bold(true).Foreground(black).Background(blue),
		highlight: s.Bold(true).Foreground(black).Background(yellow),
		key:       s.Bold(true).Foreground(blue),
		cursor:    s.Reverse(true),
		rule:      s.Foreground(grey),
		big:       s.Bold(true).Foreground(white),
	}
}
