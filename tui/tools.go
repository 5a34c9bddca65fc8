package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tools"
)

// resultLines is how many lines of a tool's result show until the
// expand key (ctrl+t) shows them all.
const resultLines = 3

// toolBlock draws a tool call: "⚙ name {args}" (the arguments dimmed
// while they stream), then, under it, the question about it, "running…
// 1.2s" while it runs, or its result ("→", "✗" for an error) folded to
// resultLines. Every piece of it is server text, sanitised.
func (p *painter) toolBlock(part *part, live bool) []string {
	args := part.text.String()
	if args == "" {
		args = part.tool.Args
	}
	name := p.st.Tool.Render("⚙ " + render.Line(part.tool.Name, lineMax))
	if part.asking {
		out := []string{xansi.Truncate("  "+name, p.width-1, "…")}
		for _, l := range p.wrap(pretty(args), 4) {
			out = append(out, "    "+p.st.ToolResult.Render(l))
		}
		return append(out, p.ask(part)...)
	}
	head := "  " + name
	if a := render.Line(args, lineMax); a != "" {
		head += " " + p.st.ToolResult.Render(a)
	}
	out := []string{xansi.Truncate(head, p.width-1, "…")}
	switch {
	case part.done:
		out = append(out, p.toolResult(part)...)
	case part.running && !live:
		out = append(out, "    "+p.st.Stopped.Render("■ stopped while it ran"))
	case part.running && !part.began.IsZero():
		out = append(out, "    "+p.st.Muted.Render("running… "+roundRun(p.now.Sub(part.began))))
	case part.running:
		out = append(out, "    "+p.st.Muted.Render("running…"))
	case !live:
		out = append(out, "    "+p.st.Muted.Render("not run"))
	}
	return out
}

// ask is the approval prompt under a call.
func (p *painter) ask(part *part) []string {
	if part.reasoning {
		return []string{"    " + p.st.Notice.Render("✗ denying: type a reason below for the model (optional), enter sends")}
	}
	q := fmt.Sprintf("run %s?  y once · a for this chat · A always · n no", render.Line(part.tool.Name, 60))
	var out []string
	for _, l := range p.wrap(q, 4) {
		out = append(out, "    "+p.st.Notice.Render(l))
	}
	return out
}

// toolResult is a result's lines: the first resultLines, unless
// expanded, and how many more there are.
func (p *painter) toolResult(part *part) []string {
	mark, style := "→ ", p.st.ToolResult
	if part.tool.IsError {
		mark, style = "✗ ", p.st.Error
	}
	lines := p.wrap(strings.TrimSpace(part.tool.Result), 6)
	more := 0
	if !p.expand && len(lines) > resultLines {
		more, lines = len(lines)-resultLines, lines[:resultLines]
	}
	var out []string
	for i, l := range lines {
		lead := "      "
		if i == 0 {
			lead = "    " + mark
		}
		out = append(out, lead+style.Render(l))
	}
	tail := ""
	if part.tool.Duration > 0 {
		tail = roundRun(part.tool.Duration)
	}
	if more > 0 {
		tail = strings.TrimPrefix(tail+fmt.Sprintf(" · %d more lines (ctrl+t)", more), " · ")
	}
	if tail != "" {
		out = append(out, "      "+p.st.Muted.Render(tail))
	}
	return out
}

// wrap sanitises s and wraps it to the markdown's width, less indent.
func (p *painter) wrap(s string, indent int) []string {
	s = strings.ReplaceAll(render.Sanitize(s), "\t", "    ")
	if s == "" {
		return nil
	}
	return strings.Split(lipgloss.Wrap(s, max(p.mdWidth-indent-2, 10), ""), "\n")
}

// pretty indents arguments that are JSON, for reading them whole.
func pretty(args string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(args), "", "  ") != nil {
		return args
	}
	return b.String()
}

// roundRun shows a run time as a person reads it: 0.3s, 1.2s, 1m5s.
func roundRun(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// callPart is the live turn's part of a call the runner asks about: by
// ID, else the latest of that name, else a new one.
func (t *turn) callPart(id, name, args string) *part {
	for i := len(t.parts) - 1; i >= 0; i-- {
		if p := t.parts[i]; p.kind == partTool && p.tool.ID == id && id != "" {
			return p
		}
	}
	for i := len(t.parts) - 1; i >= 0; i-- {
		if p := t.parts[i]; p.kind == partTool && p.tool.Name == name && !p.done {
			return p
		}
	}
	p := &part{kind: partTool}
	p.tool.ID, p.tool.Name, p.tool.Args = id, name, args
	t.parts = append(t.parts, p)
	return p
}

// hasFolded reports whether a tool result is folded, for the help line.
func (m *Model) hasFolded() bool {
	for _, t := range m.turns {
		for _, p := range t.parts {
			if p.kind == partTool && p.done && strings.Count(strings.TrimSpace(p.tool.Result), "\n") >= resultLines {
				return true
			}
		}
	}
	return false
}

// toggleExpand shows every tool result whole, or folds them again.
func (m *Model) toggleExpand() {
	m.paint.expand = !m.paint.expand
	m.paint.gen++ // the cached turns are drawn anew
	m.refresh()
}

// toolsReadyMsg is what the tool servers' start came to: the failures,
// one line each (a server that did not start; the others serve).
type toolsReadyMsg []string

// toolsReady waits for the tool servers to start, so that the chat can
// draw at once and say later which of them failed.
func toolsReady(r *tools.Runner) tea.Cmd {
	return func() tea.Msg {
		var notes toolsReadyMsg
		for _, err := range append(r.Wait(context.Background()), r.UnknownYes()...) {
			notes = append(notes, err.Error())
		}
		return notes
	}
}
