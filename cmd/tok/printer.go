package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// printer writes a stream's events: the text to stdout and one line per
// tool call or error to stderr, or every event as JSON with --events.
//
// On a terminal the text goes through a render.Live, which draws the
// rendered markdown in place as it streams; stderr lines are printed
// above its open block.
type printer struct {
	o          *rootOptions
	live       *render.Live
	stopResize context.CancelFunc
	clean      render.Sanitizer // model text never reaches the terminal raw
	stream     *client.Stream
	wrote      bool // some text went to stdout
	newline    bool // and it ended with a newline
	tool       *toolLine
	done       client.Event // the terminal event, once it came
	unrun      []string     // tools the model called that no one ran
	afterTool  bool         // a tool's result came since the last text
	last       string       // the end of the text written so far
	extract    *extractor   // --extract: the text, kept for its code blocks
}

func newPrinter(ctx context.Context, o *rootOptions, s *client.Stream, bg <-chan bool) (*printer, error) {
	p := &printer{o: o, stream: s}
	if o.extracting() {
		p.extract = &extractor{last: o.ExtractLast}
	}
	if !o.IO.StdoutTTY || o.Events || o.oneShotOnly() {
		return p, nil
	}
	dark := true
	wait := time.NewTimer(2 * backgroundWait) // the query's own bound, and a margin
	defer wait.Stop()
	select {
	case dark = <-bg:
	case <-wait.C:
	case <-ctx.Done(): // a signal: print what arrived, in the default style
	}
	style, err := render.Style(render.StyleName(os.Getenv, dark))
	if err != nil {
		return nil, usageErrorf("GLAMOUR_STYLE: %v", err)
	}
	columns, rows := 0, 0
	if o.IO.Size != nil {
		columns, rows = o.IO.Size()
	}
	live := render.NewLive(o.IO.Out, style, render.Width(columns, o.Width), columns, rows)
	ctx, p.stopResize = context.WithCancel(ctx)
	watchResize(ctx, func() {
		if c, r := o.IO.Size(); c > 0 {
			live.Resize(render.Width(c, o.Width), c, r)
		}
	})
	p.live = live
	return p, nil
}

func (p *printer) event(ev client.Event) error {
	if ev.Kind == client.KindDone {
		p.done = ev
	}
	if p.o.Events {
		if err := writeJSONEvent(p.o.IO.Out, ev, p.stream.Dialect(), p.o.retryReason); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		return nil
	}
	if ev.Kind != client.KindToolArgs {
		p.flushTool()
	}
	switch ev.Kind {
	case client.KindText:
		return p.text(p.toolGap(p.clean.Clean(ev.Text)))
	case client.KindToolStart:
		p.tool = &toolLine{name: ev.Tool.Name}
		if len(p.unrun) < 8 {
			p.unrun = append(p.unrun, ev.Tool.Name)
		}
	case client.KindToolArgs:
		if p.tool != nil && p.tool.args.Len() < maxToolArgs {
			p.tool.args.WriteString(ev.Text) // only the start is shown
		}
	case client.KindToolExecuting:
		p.note("⚙ %s running…", render.Line(ev.Tool.Name, 60))
	case client.KindToolResult:
		p.note("%s", toolResultLine(ev.Tool))
		p.afterTool = p.o.runner != nil // a server's own tools leave its text as it is
		p.unrun = slices.DeleteFunc(p.unrun, func(name string) bool { return name == ev.Tool.Name })
	case client.KindUsage:
		if p.o.Verbose {
			p.note("* usage: %d input tokens, %d output tokens", ev.Usage.InputTokens, ev.Usage.OutputTokens)
		}
	case client.KindRetry:
		p.note("tok: %s; retrying in %s (%d/%d)", p.o.retryReason(ev.Retry.Err), roundWait(ev.Retry.Wait), ev.Retry.Attempt, ev.Retry.Of)
	case client.KindReconnect:
		p.note("tok: %s; reconnecting in %s (%d/%d)", p.o.retryReason(ev.Retry.Err), roundWait(ev.Retry.Wait), ev.Retry.Attempt, ev.Retry.Of)
	}
	return nil
}

// roundWait shows a wait the way a person reads it: 500ms, 2s, 1m30s.
func roundWait(d time.Duration) string {
	if d < time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func (p *printer) text(s string) error {
	if s == "" {
		return nil
	}
	p.last = (p.last + s)[max(len(p.last)+len(s)-2, 0):]
	if p.extract != nil {
		p.extract.text.WriteString(s)
		return nil
	}
	if p.live != nil {
		p.live.Add(s)
		p.wrote = true
		return nil
	}
	if _, err := io.WriteString(p.o.IO.Out, s); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	p.wrote, p.newline = true, strings.HasSuffix(s, "\n")
	return nil
}

// toolGap starts the text that follows a tool's result on a paragraph of
// its own: the model's words before the call and after it are two turns.
func (p *printer) toolGap(s string) string {
	if !p.afterTool || s == "" {
		return s
	}
	p.afterTool = false
	switch {
	case p.last == "", strings.HasSuffix(p.last, "\n\n"), strings.HasPrefix(s, "\n\n"):
	case strings.HasSuffix(p.last, "\n"):
		s = "\n" + s
	default:
		s = "\n\n" + s
	}
	return s
}

// end finishes a stream that completed, and says when it stopped short:
// at the token limit (exit code 4), or for a tool tok does not run.
func (p *printer) end() error {
	p.text(p.clean.Flush())
	p.flushTool()
	if err := p.finish(); err != nil {
		return err
	}
	p.endLine()
	blocks, err := p.code(!p.done.AtTokenLimit())
	if err != nil {
		return err
	}
	switch {
	case p.done.AtTokenLimit():
		p.note("tok: the answer stopped at the token limit (%s), so it is cut short; raise it with --max-tokens", p.o.tokenLimit(p.done.StopReason))
		return errTokenLimit
	case p.done.StopReason == client.StopMaxSteps:
		p.note("tok: the model asked for more tools after %d rounds of calls, so the answer ends here; raise the limit with --max-steps", p.o.MaxSteps)
	case len(p.unrun) > 0:
		p.note("tok: the model asked to run %s, which no one ran, so the answer ends here (tok runs the tools of the config file's [mcp.NAME] servers: tok tools)", strings.Join(p.unrun, ", "))
	}
	if p.extract != nil && blocks == 0 {
		return noCodeError{conv: p.extract.saved.conversationID()}
	}
	return nil
}

// tokenLimit describes the limit an answer stopped at.
func (o *rootOptions) tokenLimit(reason string) string {
	ep := o.target.ep
	spec, _ := ep.Provider.Spec()
	switch {
	case ep.MaxTokens > 0:
		return fmt.Sprintf("%d tokens", ep.MaxTokens)
	case spec.MaxTokens > 0:
		return fmt.Sprintf("%d tokens, tok's default for %s", spec.MaxTokens, spec.Title)
	}
	return "stop reason " + strconv.Quote(reason)
}

// finish prints the final render on a terminal.
func (p *printer) finish() error {
	if p.live == nil {
		return nil
	}
	live := p.live
	p.live, p.newline = nil, true
	p.stopResize()
	if err := live.Finish(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// fail finishes a stream that broke; the text so far is already out.
func (p *printer) fail(ctx context.Context, err error) error {
	p.text(p.clean.Flush())
	p.flushTool()
	if ferr := p.finish(); ferr != nil {
		fmt.Fprintln(p.o.IO.ErrOut, "tok:", ferr)
	}
	p.endLine()
	if _, werr := p.code(false); werr != nil {
		p.o.IO.errLine("tok: " + werr.Error())
	}
	if err := interrupted(ctx, err); errors.Is(err, errInterrupted) {
		return err
	}
	var se *client.ServerError
	if p.o.Events && !errors.As(err, &se) { // an error event is its own line already
		writeJSONError(p.o.IO.Out, err, p.stream.Timings().End)
	}
	return err
}

// endLine ends the answer's last line on a terminal, so what follows
// (the shell prompt, an error) starts on a line of its own. A pipe gets the
// text exactly as it came.
func (p *printer) endLine() {
	if p.o.IO.StdoutTTY && p.wrote && !p.newline && !p.o.Events {
		fmt.Fprintln(p.o.IO.Out)
		p.newline = true
	}
}

// note writes one line on stderr: whatever server text it holds, it is
// one safe line (render.Line).
func (p *printer) note(format string, args ...any) {
	line := render.Line(fmt.Sprintf(format, args...), maxErrorLine)
	write := func() { p.o.IO.errLine(line) }
	if p.live != nil {
		p.live.Note(write)
		return
	}
	write()
}

// toolLine gathers a tool call's arguments into one stderr line.
type toolLine struct {
	name string
	args strings.Builder
}

func (p *printer) flushTool() {
	if p.tool == nil || p.o.Events {
		return
	}
	line := "⚙ " + render.Line(p.tool.name, 60)
	if args := render.Line(p.tool.args.String(), 120); args != "" {
		line += " " + args
	}
	p.note("%s", line)
	p.tool = nil
}

// maxToolArgs is how much of a tool call's arguments the one-shot keeps:
// more than the line shows, and bounded however long the call.
const maxToolArgs = 4 << 10

// toolResultLine is a tool's result in one line: → for a result, ✗ for
// a failure or a denial, and how long a call tok ran took.
func toolResultLine(t client.Tool) string {
	mark := "→"
	if t.IsError {
		mark = "✗"
	}
	line := fmt.Sprintf("⚙ %s %s %s", render.Line(t.Name, 60), mark, render.Line(t.Result, 200))
	if t.Duration > 0 {
		line += fmt.Sprintf(" (%s)", roundWait(t.Duration))
	}
	return line
}
