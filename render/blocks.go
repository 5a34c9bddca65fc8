package render

import (
	"fmt"
	"regexp"
	"strings"
)

// scanner finds where the markdown can be cut into finished blocks: at a
// blank line where no construct is open. It reads whole lines only, so a
// cut depends on nothing that can still change, and it remembers where it
// stopped, so each line is read once.
//
// A blank line is a cut when the next non-blank line has arrived (or its
// first byte, when that byte decides: see startsBlock) and
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
	begun      bool   // begin has run for the line at pos
	split      bool   // splitAt has run for the line at pos

	soft       []softCut // where the current block's open tail can be split
	listMark   byte      // the current top-level list's marker ('-', '*', '+', '.', ')'), or 0
	listNext   int       // the number the list's next item gets, if ordered
	fenceCtx   string    // for an open fence at column 0: a one-line block like it
	fenceLines int       // the lines of code seen in the open fence
	cuts       []int     // the starts of finished blocks after the first
}

func newScanner() scanner { return scanner{blank: -1} }

var (
	fenceRe    = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	listRe     = regexp.MustCompile(`^ {0,3}([-+*]|\d{1,9}[.)])([ \t]|$)`)
	htmlOpenRe = regexp.MustCompile(`(?i)^ {0,3}(<(pre|script|style|textarea)([ >]|$)|<!--|<\?|<![A-Z]|<!\[CDATA\[)`)
	refDefRe   = regexp.MustCompile(`^[ \t>*+\-0-9.)]*\[[^\]]+\]:`) // also inside quotes and list items
)

// scan reads the complete lines of src after the last call.
func (sc *scanner) scan(src string) {
	for {
		end := strings.IndexByte(src[sc.pos:], '\n')
		if end < 0 {
			if rest := src[sc.pos:]; rest != "" && !sc.split {
				sc.split = sc.splitAt(rest, sc.pos, false)
			}
			// The cut before some lines can be decided on their first byte.
			if rest := src[sc.pos:]; !sc.begun && sc.fence == "" && sc.htmlEnd == "" && startsBlock(rest) {
				sc.begin(rest, sc.pos)
			}
			return
		}
		line := src[sc.pos : sc.pos+end]
		sc.line(line, sc.pos)
		sc.pos += end + 1
	}
}

// rebase moves the scanner's offsets n bytes back, for a text whose first
// n bytes were let go (see Stream.Trim), n at most the start of the
// current block; the cuts before done, all at n or before, are dropped.
// The open fence's marker, a piece of the text, is copied.
func (sc *scanner) rebase(n, done int) {
	sc.pos -= n
	sc.blockStart -= n
	if sc.blank >= 0 {
		sc.blank -= n
	}
	sc.cuts = append(sc.cuts[:0], sc.cuts[done:]...)
	for i := range sc.cuts {
		sc.cuts[i] -= n
	}
	sc.fence = strings.Clone(sc.fence)
	for i := range sc.soft {
		sc.soft[i].at -= n
		sc.soft[i].fence = strings.Clone(sc.soft[i].fence)
	}
}

func (sc *scanner) line(line string, at int) {
	if !sc.split {
		sc.splitAt(line, at, true)
	}
	sc.split = false
	switch {
	case sc.fence != "":
		if m := fenceRe.FindStringSubmatch(line); m != nil && m[1][0] == sc.fence[0] && len(m[1]) >= len(sc.fence) && strings.TrimSpace(line[len(m[0]):]) == "" {
			sc.fence, sc.fenceCtx = "", ""
		} else {
			sc.fenceLines++
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
	if !sc.begun {
		sc.begin(line, at)
	}
	sc.begun = false
	sc.note(line)
}

// begin decides, from its start, whether a non-blank line at at starts a
// new block.
func (sc *scanner) begin(line string, at int) {
	if sc.blank >= 0 {
		if sc.canCut(line) {
			sc.cuts = append(sc.cuts, at)
			sc.blockStart, sc.list, sc.quote = at, false, false
			sc.soft, sc.listMark = sc.soft[:0], 0
		}
		sc.html = line[0] == '<'
	} else if at == 0 {
		sc.html = line[0] == '<'
	}
	sc.blank = -1
	sc.begun = true
}

// startsBlock reports whether a line that starts like s, after a blank
// line, can only start a new block (or continue a block quote, which
// canCut sees from the same byte): a letter or any non-ASCII byte starts
// a paragraph, and "#", ">", "|", "`", "~", "!", "_" start a heading, a
// quote, a table, a fence or a paragraph, none of which changes the block
// before. The cut before such a line is decided on its first byte, so the
// block before is not re-rendered while the line arrives. Digits, "-",
// "*" and "+" may continue a list, "[" may define a link reference, and
// "<" may open HTML: those wait for the whole line.
func startsBlock(s string) bool {
	return s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 0x80 || strings.IndexByte("#>|`~!_", s[0]) >= 0)
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
	// The regexps only match a line whose first byte after at most three
	// spaces is one of theirs (refDefRe: one that holds "]:"); most lines
	// of prose are neither, and skip them.
	lead := leadByte(line)
	if (lead == '`' || lead == '~') && sc.noteFence(line) {
		return
	}
	sc.noteList(line)
	if lead == '<' {
		if m := htmlOpenRe.FindStringSubmatch(line); m != nil {
			sc.htmlEnd = htmlEnd(m[1])
			if strings.Contains(strings.ToLower(line[len(m[0]):]), sc.htmlEnd) {
				sc.htmlEnd = ""
			}
		}
	}
	if (lead == '-' || lead == '+' || lead == '*' || lead >= '0' && lead <= '9') && listRe.MatchString(line) {
		sc.list = true
	}
	if line[0] == '>' && sc.blockStart == sc.pos {
		sc.quote = true
	}
	if strings.Contains(line, "]:") && refDefRe.MatchString(line) {
		sc.refDef = true
	}
}

// noteFence opens a fenced code block at line, reporting whether it did.
func (sc *scanner) noteFence(line string) bool {
	m := fenceRe.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	sc.fence, sc.fenceCtx, sc.fenceLines, sc.listMark = m[1], "", 0, 0
	if line[0] == m[1][0] {
		info := strings.TrimSpace(line[len(m[0]):])
		if info == "" {
			info = "text" // what chroma guesses costs ~2 ms a render
		}
		sc.fenceCtx = m[1] + info + "\nx\n"
	}
	return true
}

// leadByte is the line's first byte after at most three spaces, or 0.
func leadByte(line string) byte {
	for i := 0; i < len(line) && i < 4; i++ {
		if line[i] != ' ' {
			return line[i]
		}
	}
	return 0
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

// A softCut is a line start inside the current block where the open tail
// can be split, so that an update re-renders only the part after the last
// one: the lines before it are rendered once. ctx is a one-line stand-in
// for what precedes the line; the line renders after ctx as it does after
// the real text. Soft cuts are taken between the lines of a fenced code
// block at column 0, and between the items of a list at column 0.
type softCut struct {
	at    int
	ctx   string // stands in for the part before the cut
	probe string // stands in for the part after it, to learn its margins
	fence string // the code fence open at the cut, or ""
}

// splitAt decides, once enough of the line at at has arrived, whether the
// open tail can be split before it. It reports whether it could decide.
func (sc *scanner) splitAt(line string, at int, complete bool) bool {
	switch {
	case sc.fence != "":
		if sc.fenceCtx == "" || sc.fenceLines == 0 {
			return true // the first line of code stays with the fence's
		}
		t := strings.TrimLeft(line, " ")
		if t == "" && !complete {
			return false
		}
		if len(line)-len(t) >= 4 || t == "" || t[0] != sc.fence[0] {
			sc.soft = append(sc.soft, softCut{at: at, ctx: sc.fenceCtx, probe: "x\n", fence: sc.fence})
		}
		return true
	case sc.htmlEnd != "" || sc.listMark == 0:
		return true
	}
	_, mark, ok := listItem(line)
	if !ok {
		// Undecided while the line may still become an item.
		return complete || len(line) >= 12 || !strings.ContainsAny(line[:1], "0123456789-*+")
	}
	if mark == sc.listMark {
		ctx, probe := string(mark)+" x\n", string(mark)+" x\n"
		if mark == '.' || mark == ')' {
			ctx, probe = fmt.Sprintf("%d%c x\n", sc.listNext-1, mark), fmt.Sprintf("%d%c x\n", sc.listNext, mark)
		}
		sc.soft = append(sc.soft, softCut{at: at, ctx: ctx, probe: probe})
	}
	return true
}

// listItem parses an item line at column 0 with text after its marker:
// "- text", "* text", "+ text", "12. text" or "3) text". For an ordered
// item, mark is the delimiter and n the number. A line like "- - -" is a
// thematic break, not an item.
func listItem(line string) (n int, mark byte, ok bool) {
	i := 0
	for i < len(line) && i < 9 && line[i] >= '0' && line[i] <= '9' {
		n = n*10 + int(line[i]-'0')
		i++
	}
	if i == len(line) {
		return 0, 0, false
	}
	mark = line[i]
	switch {
	case i == 0 && (mark == '-' || mark == '*' || mark == '+'):
	case i > 0 && (mark == '.' || mark == ')'):
	default:
		return 0, 0, false
	}
	rest := line[i+1:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] == ' ' || rest[1] == '\t' || rest[1] == mark {
		return 0, 0, false
	}
	return n, mark, true
}

// noteList follows the top-level list of the current block, for splitAt.
func (sc *scanner) noteList(line string) {
	if line[0] == ' ' || line[0] == '\t' {
		return
	}
	n, mark, ok := listItem(line)
	switch {
	case !ok:
		sc.listMark = 0
	case mark != sc.listMark:
		sc.listMark, sc.listNext = mark, n+1
	default:
		sc.listNext++
	}
}
