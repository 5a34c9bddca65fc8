package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/glamour/v2/ansi"
	"charm.land/lipgloss/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/render"
)

// painter turns the transcript into lines at one width and style. A
// finished turn's lines are cached; only the live turn is drawn anew,
// and its markdown is rendered incrementally (render.Stream).
type painter struct {
	st      *styles
	md      *ansi.StyleConfig
	gen     int // bumped when md or st change: cached lines are stale
	width   int // the terminal's columns
	mdWidth int // the markdown's wrap width
	// crashTest: drawing the question "crash" panics (Config.Crash).
	crashTest bool
	// docs renders finished text at docsWidth and docsGen (see block).
	docs      *render.DocRenderer
	docsWidth int
	docsGen   int
	// now is the clock of the latest update, for a running tool's time;
	// expand shows tool results whole (tools.go).
	now    time.Time
	expand bool
	// The transcript for the update under way (Model.source): its
	// blocks, the live block's cursor and lines, or the greeting.
	blocks []*block
	cursor string
	live   [3][]string // painter.liveLines
	liveOK bool
	hello  []string
}

// lines returns the turn's lines. cursor is the glyph at the end of a
// live answer ("" for none, " " in the blink's off phase).
func (p *painter) lines(t *turn, cursor string) []string {
	if !t.state.live() && t.cacheWidth == p.width && t.cacheGen == p.gen && t.cache != nil {
		return t.cache
	}
	out := p.parts(p.head(t), t, 0, len(t.parts), cursor)
	out = append(out, p.closing(t, cursor)...)
	if !t.state.live() {
		t.cache, t.cacheWidth, t.cacheGen = out, p.width, p.gen
	}
	return out
}

// liveLines is lines for a live turn in three pieces, head, body and
// end, that join into lines': body is the finished lines of the answer's
// last run of text, the Stream's own, so that a frame draws and copies
// only the lines around them (the transcript's live blocks).
func (p *painter) liveLines(t *turn, cursor string) (head, body, end []string) {
	k := len(t.parts) - 1
	for k >= 0 && t.parts[k].kind != partText {
		k--
	}
	if k < 0 {
		return p.lines(t, cursor), nil, nil
	}
	head = p.parts(p.head(t), t, 0, k, cursor)
	body, end = p.liveText(t.parts[k], cursor, k == len(t.parts)-1)
	end = p.parts(end, t, k+1, len(t.parts), cursor)
	return head, body, append(end, p.closing(t, cursor)...)
}

// head is a turn's first lines: a blank line and the question.
func (p *painter) head(t *turn) []string {
	if p.crashTest && t.question == "crash" {
		panic("a crash test in drawing")
	}
	return append([]string{""}, p.question(t.displayed())...) // glamour opens with a blank line
}

// parts appends the lines of the turn's parts numbered from to to-1.
func (p *painter) parts(out []string, t *turn, from, to int, cursor string) []string {
	live := t.state.live()
	for i := from; i < to; i++ {
		part := t.parts[i]
		switch part.kind {
		case partText:
			out = append(out, p.text(part, live, cursor, i == len(t.parts)-1)...)
		case partThinking:
			out = append(blankEnd(out), p.thinking(part, i < len(t.parts)-1 || !live)...)
		case partTool:
			out = append(blankEnd(out), p.toolBlock(part, live)...)
		}
	}
	return out
}

// closing is a turn's last lines: the cursor of a live answer whose
// last part is not text, and how the answer ended.
func (p *painter) closing(t *turn, cursor string) []string {
	var out []string
	if t.state.live() && (len(t.parts) == 0 || t.last().kind != partText) {
		out = append(out, "  "+p.st.Cursor.Render(cursor))
	}
	return append(out, p.ending(t)...)
}

// question is the user's turn: a mark, then the text wrapped.
func (p *painter) question(q string) []string {
	text := strings.ReplaceAll(render.Sanitize(q), "\t", "    ")
	wrapped := lipgloss.Wrap(text, max(p.mdWidth-4, 10), "")
	lines := strings.Split(wrapped, "\n")
	for i, l := range lines {
		mark := "  "
		if i == 0 {
			mark = p.st.UserMark.Render("❯ ")
		}
		lines[i] = "  " + mark + p.st.User.Render(l)
	}
	return lines
}

// text renders a run of answer text: incrementally while the answer
// streams, and as the final render once it ended.
func (p *painter) text(part *part, live bool, cursor string, last bool) []string {
	if !live {
		return p.finalText(part)
	}
	body, end := p.liveText(part, cursor, last)
	return append(body[:len(body):len(body)], end...)
}

// finalText is the final render of a finished run of text.
func (p *painter) finalText(part *part) []string {
	p.stream(part)
	src := part.text.String()
	out, err := part.md.Final(src)
	if err != nil {
		return p.plain(src)
	}
	return trimBlank(strings.Split(strings.TrimSuffix(out, "\n"), "\n"))
}

// stream is the part's incremental renderer at the painter's width and
// style.
func (p *painter) stream(part *part) {
	if part.md == nil || part.mdWidth != p.mdWidth || part.mdGen != p.gen {
		part.md, part.mdWidth, part.mdGen = render.New(*p.md, p.mdWidth), p.mdWidth, p.gen
	}
}

// liveText renders a run of text as it streams, in two pieces: body, the
// render's finished lines, which are the Stream's own and not copied (a
// frame's cost does not grow with the answer), and end, the lines after
// them, with the cursor if the run is the answer's last.
func (p *painter) liveText(part *part, cursor string, last bool) (body, end []string) {
	p.stream(part)
	src := part.text.String()
	if err := part.md.Update(src); err != nil {
		return nil, p.plain(src)
	}
	stable, tail := part.md.Stable(), part.md.Tail()
	v := len(stable) + lastVisible(tail) // the last visible line, if any
	if v < len(stable) {
		v = lastVisible(stable)
	}
	n := min(max(v, 0), len(stable)) // the body ends before it
	rest := append(append([]string(nil), stable[n:]...), tail...)
	if last && cursor != "" {
		return stable[:n], render.WithCursor(rest, p.st.Cursor.Render(cursor))
	}
	return stable[:n], trimBlank(rest)
}

// lastVisible is the index of the last line with something visible on
// it, or -1.
func lastVisible(lines []string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(xansi.Strip(lines[i])) != "" {
			return i
		}
	}
	return -1
}

// plain is the fallback should glamour fail: the text, sanitised and
// wrapped.
func (p *painter) plain(src string) []string {
	return strings.Split(lipgloss.Wrap(render.Sanitize(src), p.mdWidth-2, ""), "\n")
}

// thinkingLines is how much reasoning shows while it streams: its end.
const thinkingLines = 6

// thinking shows reasoning dimmed while it streams, and folded to one
// line once the answer starts.
func (p *painter) thinking(part *part, folded bool) []string {
	text := part.text.String()
	words := len(strings.Fields(text))
	if folded {
		return []string{"  " + p.st.Thinking.Render(fmt.Sprintf("✻ thought · %d words", words)), ""}
	}
	if len(text) > 4096 {
		text = text[len(text)-4096:] // only the end shows
	}
	wrapped := strings.Split(lipgloss.Wrap(render.Sanitize(text), max(p.mdWidth-4, 10), ""), "\n")
	if len(wrapped) > thinkingLines {
		wrapped = wrapped[len(wrapped)-thinkingLines:]
	}
	out := []string{"  " + p.st.Thinking.Render("✻ thinking…")}
	for _, l := range wrapped {
		out = append(out, "    "+p.st.Thinking.Render(l))
	}
	return append(out, "")
}

// note is a muted remark under a tool call, wrapped.
func (p *painter) note(s string) []string {
	var out []string
	for _, l := range strings.Split(lipgloss.Wrap(s, max(p.mdWidth-6, 10), ""), "\n") {
		out = append(out, "    "+p.st.Muted.Render(l))
	}
	return out
}

// ending marks how an answer ended, when not on its own.
func (p *painter) ending(t *turn) []string {
	switch {
	case t.retried && t.state == stateFailed:
		line := "  " + p.st.Error.Render("✗ "+t.err) + p.st.Muted.Render(" (retried below)")
		return []string{xansi.Truncate(line, p.width-1, "…"), ""}
	case t.state == stateStopped:
		return []string{"  " + p.st.Stopped.Render(stoppedLabel(t)), ""}
	case t.cut():
		return []string{"  " + p.st.Stopped.Render("■ cut at max tokens"), ""}
	case t.state == stateFailed:
		msg := lipgloss.Wrap("✗ "+t.err, max(p.mdWidth-4, 10), "")
		var out []string
		for _, l := range strings.Split(msg, "\n") {
			out = append(out, "  "+p.st.Error.Render(l))
		}
		return append(out, "")
	}
	return nil
}

// stoppedLabel marks a stopped answer, saying how a WebSocket's stopped.
func stoppedLabel(t *turn) string {
	if t.stopHow != "" {
		return "■ stopped (" + t.stopHow + ")"
	}
	return "■ stopped"
}

// blankEnd ends lines with a blank line, if they do not already.
func blankEnd(lines []string) []string {
	if n := len(lines); n > 0 && strings.TrimSpace(xansi.Strip(lines[n-1])) != "" {
		return append(lines, "")
	}
	return lines
}

// lineMax caps a line of server text (a tool's name, its arguments, the
// model's name) in runes; the screen cuts it shorter still.
const lineMax = 300

// trimBlank drops the blank lines at the end of a render, keeping one.
func trimBlank(lines []string) []string {
	n := len(lines)
	for n > 0 && strings.TrimSpace(xansi.Strip(lines[n-1])) == "" {
		n--
	}
	return append(lines[:n:n], "")
}
