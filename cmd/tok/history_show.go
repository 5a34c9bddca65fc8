package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/render"
)

// shortID is how many of an id's digits a list shows; any start of an
// id that only one conversation has names it.
const shortID = 8

// safeTitle is a stored title as one safe line: a title is the start of
// a prompt, which may have come from a pipe.
func safeTitle(s string) string { return render.Line(s, 80) }

// when says how long ago t was, as a list shows it.
func when(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 7*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.Local().Format("2006-01-02")
}

// writeTable lists conversations: id, when, turns, model, title.
func (o *historyOptions) writeTable(list []history.Summary) error {
	tw := tabwriter.NewWriter(o.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSED\tTURNS\tMODEL\tTITLE")
	now := time.Now()
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ID[:min(shortID, len(s.ID))], when(s.Used, now), s.Turns,
			render.Line(s.Model, 40), safeTitle(s.Title))
	}
	return tw.Flush()
}

// writeHits lists search results, each with its snippet: the match
// in reverse video on a terminal, between « » in a pipe.
func (o *historyOptions) writeHits(hits []history.Hit) error {
	out, mark := o.IO.Out, func(s string) string { return history.MarkStart + s + history.MarkEnd }
	if o.IO.StdoutTTY {
		out = colorprofile.NewWriter(o.IO.Out, os.Environ())
		style := lipgloss.NewStyle().Reverse(true)
		mark = func(s string) string { return style.Render(s) }
	}
	var b strings.Builder
	now := time.Now()
	for _, h := range hits {
		fmt.Fprintf(&b, "%s  %s  %s\n", h.ID[:min(shortID, len(h.ID))], when(h.Used, now), safeTitle(h.Title))
		fmt.Fprintf(&b, "    turn %d, %s: %s\n", h.Seq, h.Field, marked(render.Line(h.Snippet, 300), mark))
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// marked applies mark to each «match» in s.
func marked(s string, mark func(string) string) string {
	var b strings.Builder
	for {
		before, rest, ok := strings.Cut(s, history.MarkStart)
		b.WriteString(before)
		if !ok {
			return b.String()
		}
		match, after, _ := strings.Cut(rest, history.MarkEnd)
		b.WriteString(mark(match))
		s = after
	}
}

// writeExport writes the conversation as md or json.
func (o *historyOptions) writeExport(c *history.Conversation, format string) error {
	if format == "json" {
		b, err := c.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.IO.Out, "%s\n", b)
		return err
	}
	_, err := io.WriteString(o.IO.Out, c.Markdown())
	return err
}

// writeRendered shows the conversation on a terminal: a header, then
// each turn's prompt and its answer rendered, and how it ended.
func (o *historyOptions) writeRendered(c *history.Conversation) error {
	columns := 0
	if o.IO.Size != nil {
		columns, _ = o.IO.Size()
	}
	width := render.Width(columns, 0)
	style, err := render.Style(render.StyleName(os.Getenv, o.IO.DarkBackground == nil || o.IO.DarkBackground()))
	if err != nil {
		return usageErrorf("GLAMOUR_STYLE: %v", err)
	}
	muted, user := lipgloss.NewStyle().Faint(true), lipgloss.NewStyle().Bold(true)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", user.Render(safeTitle(c.Title)), muted.Render(xansi.Truncate(render.Line(showHeader(c), 400), width, "…")))
	for _, t := range c.Turns {
		b.WriteString("\n" + user.Render("❯ ") + strings.ReplaceAll(lipgloss.Wrap(render.Sanitize(t.Prompt), width-2, ""), "\n", "\n  ") + "\n")
		md, err := render.New(style, width).Final(t.Answer)
		if err != nil {
			md = render.Sanitize(t.Answer) + "\n"
		}
		b.WriteString(md)
		if note := endingNote(t); note != "" {
			for _, l := range strings.Split(lipgloss.Wrap("■ "+render.Line(note, 600), width-2, ""), "\n") {
				b.WriteString("  " + muted.Render(l) + "\n")
			}
		}
	}
	_, err = io.WriteString(colorprofile.NewWriter(o.IO.Out, os.Environ()), b.String())
	return err
}

// showHeader is the line under a shown conversation's title.
func showHeader(c *history.Conversation) string {
	parts := []string{c.ID, c.Endpoint.Label}
	if c.Endpoint.Model != "" && !strings.Contains(c.Endpoint.Label, c.Endpoint.Model) {
		parts = append(parts, c.Endpoint.Model)
	}
	parts = append(parts, "started "+c.Created.Local().Format("2006-01-02 15:04"), plural(len(c.Turns), "turn"))
	return strings.Join(parts, " · ")
}

// endingNote says how a turn's answer ended, when it did not complete.
func endingNote(t history.Turn) string {
	notes := t.Notes()
	if t.Retried {
		notes = append(notes, "asked again below")
	}
	return strings.Join(notes, " · ")
}
