package render

import (
	"regexp"
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
)

// wrapCell wraps styled text width wide, breaking words longer than
// that; each line opens the styles and hyperlink still open at its start
// and closes them at its end, so none spills into the next cell.
func wrapCell(s string, width int) []string {
	lines := strings.Split(xansi.Wrap(s, width, ""), "\n")
	open := ""
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		next := open
		for _, seq := range escapeRe.FindAllString(l, -1) {
			next = track(next, seq)
		}
		lines[i] = open + l + closing(next)
		open = next
	}
	return lines
}

// escapeRe matches the sequences a cell's styles are made of: SGR and
// OSC 8 (hyperlinks).
var escapeRe = regexp.MustCompile("\x1b\\[[0-9;:]*m|\x1b\\]8;[^\a\x1b]*(?:\a|\x1b\\\\)")

// track adds seq to the sequences open before it.
func track(open, seq string) string {
	if strings.HasPrefix(seq, "\x1b]8;") {
		link := strings.TrimRight(strings.TrimRight(seq, "\a\\"), "\x1b")
		styles := hyperlinkRe.ReplaceAllString(open, "")
		if strings.HasSuffix(link, ";") {
			return styles // a hyperlink's end
		}
		return styles + seq
	}
	if seq == "\x1b[m" || seq == "\x1b[0m" {
		return hyperlinkRe.FindString(open)
	}
	return open + seq
}

var hyperlinkRe = regexp.MustCompile("\x1b\\]8;[^\a\x1b]*(?:\a|\x1b\\\\)")

// closing ends what is open: styles, then a hyperlink.
func closing(open string) string {
	s := ""
	if strings.Contains(strings.ReplaceAll(open, hyperlinkRe.FindString(open), ""), "\x1b[") {
		s += "\x1b[m"
	}
	if hyperlinkRe.MatchString(open) {
		s += "\x1b]8;;\a"
	}
	return s
}

// escLen is the length of the escape sequence s starts with.
func escLen(s string) int {
	if m := escapeRe.FindStringIndex(s); m != nil && m[0] == 0 {
		return m[1]
	}
	return 1
}
