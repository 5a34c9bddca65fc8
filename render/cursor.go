package render

import (
	"regexp"
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
)

// Cursor is the glyph at the end of the text while it streams.
const Cursor = "▍"

var trailingBlank = regexp.MustCompile(`(?:\x1b\[[0-9;:]*m| )+$`)

// WithCursor returns lines with glyph after their last visible
// character, and without the blank lines after it: the cursor at the end
// of a streaming answer. A blinking cursor passes " " half of the time,
// which keeps the width. With no visible text, the glyph is a line of its
// own, at glamour's margin.
func WithCursor(lines []string, glyph string) []string {
	out := append([]string(nil), lines...)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.TrimSpace(xansi.Strip(out[i])) != "" {
			out[i] = trailingBlank.ReplaceAllString(out[i], "") + "\x1b[m " + glyph
			return trimBlankTail(out)
		}
	}
	return []string{"  " + glyph}
}

// trimPadding drops the spaces glamour pads a line to the wrap width
// with: on a terminal that rewraps its lines when it narrows, padding
// would wrap into rows of nothing.
func trimPadding(line string) string {
	if t := trailingBlank.ReplaceAllString(line, ""); t != line {
		return t + "\x1b[m"
	}
	return line
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
