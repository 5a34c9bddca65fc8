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
	live   []string
	hello  []string
}

// lines returns the turn's lines. cursor is the glyph at the end of a
// live answer ("" for none, " " in the blink's off phase).
func (p *painter) lines(t *turn, cursor string) []string {
	if !t.state.live() && t.cacheWidth == p.width && t.cacheGen == p.gen && t.cache != nil {
		return t.cache
	}
	if p.crashTest && t.question == "crash" {
		panic("a crash test in drawing")
	}
	out := []string{""}
	out = append(out, p.question(t.question)...) // glamour opens with a blank line
	for i, part := range t.parts {
		folded := i < len(t.parts)-1 || !t.state.live()
		switch part.kind {
		case partText:
			out = append(out, p.text(part, t.state.live(), cursor, i == len(t.parts)-1)...)
		case partThinking:
			out = append(blankEnd(out), p.thinking(part, folded)...)
		case partTool:
			out = append(blankEnd(out), p.toolBlock(part, t.state.live())...)
		}
	}
	if t.state.live() && (len(t.parts) == 0 || t.last().kind != partText) {
		out = append(out, "  "+p.st.Cursor.Render(cursor))
	}
	out = append(out, p.ending(t)...)
	if !t.state.live() {
		t.cache, t.cacheWidth, t.cacheGen = out, p.width, p.gen
	}
	return out
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
	if part.md == nil || part.mdWidth != p.mdWidth || part.mdGen != p.gen {
		part.md, part.mdWidth, part.mdGen = render.New(*p.md, p.mdWidth), p.mdWidth, p.gen
	}
	src := part.text.String()
	if !live {
		out, err := part.md.Final(src)
		if err != nil {
			return p.plain(src)
		}
		return trimBlank(strings.Split(strings.TrimSuffix(out, "\n"), "\n"))
	}
	if err := part.md.Update(src); err != nil {
		return p.plain(src)
	}
	lines := append(append([]string(nil), part.md.Stable()...), part.md.Tail()...)
	if last && cursor != "" {
		return render.WithCursor(lines, p.st.Cursor.Render(cursor))
	}
	return trimBlank(lines)
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
