package render

import (
	"regexp"
	"strings"
)

// scanner finds where the markdown can be cut into finished blocks: at a
// blank line where no construct is open. It reads whole lines only, so a
// cut depends on nothing that can still change, and it remembers where it
// stopped, so each line is read once.
//
// A blank line is a cut when the next non-blank line has arrived and
//   - no fenced code block or multi-line HTML block (<pre>, <script>,
//     <style>, <textarea>, comments, <? ?>, <!X>, CDATA) is open;
//   - that line starts at column 0 (so it continues no list item,
//     indented code block or nested construct);
//   - it is not a list item after a list, nor a quote line after a quote
//     (one list, or quote, across blank lines);
//   - neither the text just before nor the line is HTML, which glamour
//     renders as nothing, so the margins around it do not compose;
//   - no link reference definition has been seen: one can turn [text]
//     in any block into a link, so from the first one on nothing is cut,
//     and the final render is a whole render (see refDef).
//
// Conservative by design: where it cannot be sure, it does not cut, and
// the text stays in the open tail, which is re-rendered whole.
type scanner struct {
	pos        int    // the start of the next unread line
	fence      string // the open fence's marker ("```", "~~~~" …), or ""
	htmlEnd    string // the end marker of an open multi-line HTML block, or ""
	blockStart int    // the start of the current block
	blank      int    // the start of a run of blank lines after it, or -1
	list       bool   // the current block has a list item
	quote      bool   // the current block is a block quote
	refDef     bool   // a link reference definition was seen
	html       bool   // the text since the last blank line is an HTML block
	cuts       []int  // the starts of finished blocks after the first
}

func newScanner() scanner { return scanner{blank: -1} }

var (
	fenceRe    = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	listRe     = regexp.MustCompile(`^ {0,3}([-+*]|\d{1,9}[.)])([ \t]|$)`)
	htmlOpenRe = regexp.MustCompile(`(?i)^ {0,3}(<(pre|script|style|textarea)([ >]|$)|<!--|<\?|<![A-Z]|<!\[CDATA\[)`)
	refDefRe   = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:`)
)

// scan reads the complete lines of src after the last call.
func (sc *scanner) scan(src string) {
	for {
		end := strings.IndexByte(src[sc.pos:], '\n')
		if end < 0 {
			return
		}
		line := src[sc.pos : sc.pos+end]
		sc.line(line, sc.pos)
		sc.pos += end + 1
	}
}

func (sc *scanner) line(line string, at int) {
	switch {
	case sc.fence != "":
		if m := fenceRe.FindStringSubmatch(line); m != nil && m[1][0] == sc.fence[0] && len(m[1]) >= len(sc.fence) && strings.TrimSpace(line[len(m[0]):]) == "" {
			sc.fence = ""
		}
		return
	case sc.htmlEnd != "":
		if strings.Contains(strings.ToLower(line), sc.htmlEnd) {
			sc.htmlEnd = ""
		}
		return
	case strings.TrimSpace(line) == "":
		if sc.blank < 0 {
			sc.blank = at
		}
		return
	}
	if sc.blank >= 0 {
		if sc.canCut(line) {
			sc.cuts = append(sc.cuts, at)
			sc.blockStart, sc.list, sc.quote = at, false, false
		}
		sc.html = line[0] == '<'
	} else if at == 0 {
		sc.html = line[0] == '<'
	}
	sc.blank = -1
	sc.note(line)
}

// canCut reports whether a block may end before line, after blank lines.
func (sc *scanner) canCut(line string) bool {
	switch {
	case line[0] == ' ' || line[0] == '\t':
		return false
	case sc.list && listRe.MatchString(line):
		return false
	case sc.quote && line[0] == '>':
		return false
	case sc.refDef:
		return false
	case sc.html || line[0] == '<':
		return false // HTML renders as nothing: the margins around it do not compose
	}
	return true
}

// note records what the line opens or adds to the current block.
func (sc *scanner) note(line string) {
	if m := fenceRe.FindStringSubmatch(line); m != nil {
		sc.fence = m[1]
		return
	}
	if m := htmlOpenRe.FindStringSubmatch(line); m != nil {
		sc.htmlEnd = htmlEnd(m[1])
		if strings.Contains(strings.ToLower(line[len(m[0]):]), sc.htmlEnd) {
			sc.htmlEnd = ""
		}
	}
	if listRe.MatchString(line) {
		sc.list = true
	}
	if line[0] == '>' && sc.blockStart == sc.pos {
		sc.quote = true
	}
	if refDefRe.MatchString(line) {
		sc.refDef = true
	}
}

// htmlEnd is the marker that closes an HTML block of the given start.
func htmlEnd(start string) string {
	s := strings.ToLower(start)
	switch {
	case strings.HasPrefix(s, "<!--"):
		return "-->"
	case strings.HasPrefix(s, "<?"):
		return "?>"
	case strings.HasPrefix(s, "<![cdata["):
		return "]]>"
	case strings.HasPrefix(s, "<!"):
		return ">"
	}
	name := strings.TrimRight(strings.TrimPrefix(s, "<"), " >")
	return "</" + name + ">"
}
