package render

import "strings"

// repair makes the open tail of a half-written answer render as it will
// when finished: an unclosed code fence is closed, so its text shows as
// code; an unclosed `code`, **strong** or *emphasis* is closed; a link
// still being written shows as its text. The result is only ever shown
// while the answer streams; the final render is of the true text.
func repair(tail string, fence string) string {
	if fence != "" {
		if !strings.HasSuffix(tail, "\n") {
			tail += "\n"
		}
		return tail + fence + "\n"
	}
	para := tail[strings.LastIndex(strings.TrimRight(tail, "\n"), "\n\n")+1:]
	fixed := closeInline(hideOpenLink(para))
	return tail[:len(tail)-len(para)] + fixed
}

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
