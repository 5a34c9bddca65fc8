package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/lipgloss/v2"
)

// styles are the TUI's looks, by what they mean. No colour is named
// outside this file.
type styles struct {
	Header      lipgloss.Style
	HeaderMuted lipgloss.Style
	User        lipgloss.Style // the question
	UserMark    lipgloss.Style // the "❯" before it
	Thinking    lipgloss.Style
	Tool        lipgloss.Style
	ToolResult  lipgloss.Style
	Stopped     lipgloss.Style
	Error       lipgloss.Style
	Muted       lipgloss.Style
	Cursor      lipgloss.Style
	Rule        lipgloss.Style
	Status      lipgloss.Style
	StatusState lipgloss.Style
	Marker      lipgloss.Style // "↓ new text"
	Notice      lipgloss.Style
	Help        help.Styles
	Input       textarea.Styles
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#9D8CFF"))
	muted := ld(lipgloss.Color("#8A8A8A"), lipgloss.Color("#7A7A7A"))
	faint := ld(lipgloss.Color("#B0B0B0"), lipgloss.Color("#5C5C5C"))
	red := ld(lipgloss.Color("#C8102E"), lipgloss.Color("#FF6B6B"))
	amber := ld(lipgloss.Color("#A66300"), lipgloss.Color("#E5B567"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#7EE2A8"))

	s := styles{
		Header:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		HeaderMuted: lipgloss.NewStyle().Foreground(muted),
		User:        lipgloss.NewStyle().Bold(true),
		UserMark:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Thinking:    lipgloss.NewStyle().Foreground(muted).Italic(true),
		Tool:        lipgloss.NewStyle().Foreground(amber),
		ToolResult:  lipgloss.NewStyle().Foreground(muted),
		Stopped:     lipgloss.NewStyle().Foreground(amber),
		Error:       lipgloss.NewStyle().Foreground(red),
		Muted:       lipgloss.NewStyle().Foreground(muted),
		Cursor:      lipgloss.NewStyle().Foreground(accent),
		Rule:        lipgloss.NewStyle().Foreground(faint),
		Status:      lipgloss.NewStyle().Foreground(muted),
		StatusState: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Marker:      lipgloss.NewStyle().Bold(true).Foreground(accent).Reverse(true),
		Notice:      lipgloss.NewStyle().Foreground(green),
		Help:        help.DefaultStyles(dark),
		Input:       textarea.DefaultStyles(dark),
	}
	s.Input.Focused.CursorLine = lipgloss.NewStyle()
	s.Input.Focused.Prompt = lipgloss.NewStyle().Foreground(accent)
	s.Input.Blurred.Prompt = lipgloss.NewStyle().Foreground(faint)
	s.Input.Focused.Placeholder = lipgloss.NewStyle().Foreground(faint)
	s.Input.Blurred.Placeholder = lipgloss.NewStyle().Foreground(faint)
	return s
}
