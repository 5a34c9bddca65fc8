package render

import (
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
)

// Cursor is the glyph at the end of the text while it streams.
const Cursor = "▍"

// WithCursor returns lines with glyph after their last visible
// character, and without the blank lines after it: the cursor at the end
// of a streaming answer. A blinking cursor passes " " half of the time,
// which keeps the width. With no visible text, the glyph is a line of its
// own, at glamour's margin.
func WithCursor(lines []string, glyph string) []string {
	out := append([]string(nil), lines...)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.TrimSpace(xansi.Strip(out[i])) != "" {
			out[i] = trimBlank(out[i]) + "\x1b[m " + glyph
			return trimBlankTail(out)
		}
	}
	return []string{"  " + glyph}
}

// trimPadding drops the spaces glamour pads a line to the wrap width
// with: on a terminal that rewraps its lines when it narrows, padding
// would wrap into rows of nothing.
func trimPadding(line string) string {
	if t := trimBlank(line); len(t) < len(line) {
		return t + "\x1b[m"
	}
	return line
}

// trimBlank drops the spaces and SGR sequences (ESC [ params m) that end
// line: what the regexp `(?:\x1b\[[0-9;:]*m| )+$` matches, read from the
// end, where each byte says which of the two ends there. A regexp took a
// tenth of the one-shot's CPU, trying every start in every line.
func trimBlank(line string) string {
	for {
		switch {
		case strings.HasSuffix(line, " "):
			line = line[:len(line)-1]
		case strings.HasSuffix(line, "m"):
			i := len(line) - 1
			for i > 0 && strings.IndexByte("0123456789;:", line[i-1]) >= 0 {
				i--
			}
			if i < 2 || line[i-2:i] != "\x1b[" {
				return line
			}
			line = line[:i-2]
		default:
			return line
		}
	}
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
