package render

import (
	"regexp"
	"strings"
)

// repair makes the open tail of a half-written answer render as it will
// when finished: an unclosed code fence is closed, so its text shows as
// code; an unclosed `code`, **strong** or *emphasis* is closed; a link
// still being written shows as its text. The result is only ever shown
// while the answer streams; the final render is of the true text.
//
// fence is the fence open at the end of tail, open the one open at its
// start (tail can start inside a code block, at a soft cut).
func repair(tail, fence, open string) string {
	tail = labelFences(dropFenceLine(tail), open)
	if fence != "" {
		if !strings.HasSuffix(tail, "\n") {
			tail += "\n"
		}
		return tail + fence + "\n"
	}
	tail = dropTableRow(tail)
	para := tail[strings.LastIndex(strings.TrimRight(tail, "\n"), "\n\n")+1:]
	// Code is not inline markup: only what follows a closed fence counts.
	if locs := fenceLineRe.FindAllStringIndex(para, -1); locs != nil {
		para = para[locs[len(locs)-1][1]:]
	}
	fixed := closeInline(hideOpenLink(para))
	return tail[:len(tail)-len(para)] + fixed
}

// labelFences gives fenced code blocks without a language the language
// "text". Left unlabelled, chroma guesses the language by trying every
// lexer it has, about 2 ms on every update; the finished block is
// rendered as written, with the guess.
func labelFences(tail, open string) string {
	if !strings.Contains(tail, "``") && !strings.Contains(tail, "~~") {
		return tail
	}
	var b strings.Builder
	for line := range strings.SplitAfterSeq(tail, "\n") {
		m := fenceRe.FindStringSubmatch(line)
		switch {
		case m == nil:
		case open == "":
			open = m[1]
			if strings.TrimSpace(line[len(m[0]):]) == "" && strings.HasSuffix(line, "\n") {
				line = m[0] + "text\n"
			}
		case m[1][0] == open[0] && len(m[1]) >= len(open) && strings.TrimSpace(line[len(m[0]):]) == "":
			open = ""
		}
		b.WriteString(line)
	}
	return b.String()
}

// dropFenceLine drops a last, unfinished line that is a code fence being
// written ("“", "```pyth"): until its line ends it may open or close a
// block, and shown early it flashes as inline code.
func dropFenceLine(tail string) string {
	start := strings.LastIndexByte(tail, '\n') + 1
	if partialFenceRe.MatchString(tail[start:]) {
		return tail[:start]
	}
	return tail
}

// dropTableRow drops a last, unfinished line that continues a table
// (both it and the line before start with "|"): a half-typed row shows
// fewer cells than its neighbours, and the delimiter row turns the lines
// above it from a paragraph into a table. Shown whole, each row appears
// once, and the table is re-rendered once a row rather than once a token.
func dropTableRow(tail string) string {
	start := strings.LastIndexByte(tail, '\n') + 1
	if start == 0 || !tableLine(tail[start:]) {
		return tail
	}
	prev := strings.LastIndexByte(tail[:start-1], '\n') + 1
	if !tableLine(tail[prev : start-1]) {
		return tail
	}
	return tail[:start]
}

// tableLine reports whether line starts with "|" in a paragraph's column.
func tableLine(line string) bool {
	t := strings.TrimLeft(line, " ")
	return len(line)-len(t) <= 3 && strings.HasPrefix(t, "|")
}

var fenceLineRe = regexp.MustCompile("(?m)^ {0,3}(`{3,}|~{3,}).*$\n?")

var partialFenceRe = regexp.MustCompile("^ {0,3}(`+|~+)$|^ {0,3}(`{3,}[^`]*|~{3,}.*)$")

// hideOpenLink shows "[text](url" or "[text" still being written as text.
func hideOpenLink(s string) string {
	open := strings.LastIndexByte(s, '[')
	if open < 0 || strings.IndexByte(s[open:], ']') >= 0 && strings.Contains(s[open:], ")") {
		return s
	}
	rest := s[open+1:]
	if i := strings.Index(rest, "]("); i >= 0 {
		return s[:open] + rest[:i]
	}
	if strings.IndexByte(rest, ']') >= 0 {
		return s
	}
	return s[:open] + rest
}

// closeInline closes code spans and emphasis that the paragraph opened.
func closeInline(s string) string {
	trail := strings.TrimRight(s, "\n")
	nl := s[len(trail):]
	if strings.Count(trail, "`")%2 == 1 {
		return trail + "`" + nl
	}
	var closers string
	if strings.Count(trail, "**")%2 == 1 {
		closers += "**"
	}
	single := strings.Count(strings.ReplaceAll(trail, "**", ""), "*") - listStars(trail)
	if single%2 == 1 && !strings.HasSuffix(trail, "*") {
		closers = "*" + closers
	}
	if closers == "" || strings.HasSuffix(trail, " ") {
		return s
	}
	return trail + closers + nl
}

// listStars counts the "* " list markers, which are not emphasis.
func listStars(s string) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "* ") {
			n++
		}
	}
	return n
}
