package render

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
)

// Frame is how often a Live redraws: tokens that arrive between two
// frames are rendered together.
const Frame = 33 * time.Millisecond

// Live draws a streaming answer in place on a terminal, below whatever
// is already there. Finished blocks are printed once into the scrollback
// and never redrawn; only the open block at the bottom is redrawn, at most
// once per frame. A spinner shows until the first text arrives, and a
// blinking cursor sits at the end of the text while it streams. After
// Finish, the scrollback holds the final render and nothing else.
//
// Add, Note, Resize and Finish may be called from any goroutine.
type Live struct {
	mu      sync.Mutex
	w       io.Writer
	style   ansi.StyleConfig
	width   int // wrap width
	columns int // terminal width
	rows    int // terminal height
	md      *Stream
	clean   Sanitizer
	text    strings.Builder // the sanitized answer so far
	frame   strings.Builder // what the current frame writes
	phase   int             // the spinner or cursor phase last drawn
	base    int             // text[:base] was printed at an earlier width
	skip    int             // 1 after a resize: the new render's opening blank line
	printed int             // stable lines printed into the scrollback
	tail    []string
	drawn   int   // terminal rows drawn below the printed lines
	widths  []int // the widths of the drawn lines
	dirty   bool  // text arrived since the last render
	start   time.Time
	err     error
	ended   bool // Finish was called: nothing more is drawn
	stop    chan struct{}
	done    chan struct{}
}

// NewLive starts drawing on w, a terminal columns wide and rows high,
// wrapping at width.
func NewLive(w io.Writer, style ansi.StyleConfig, width, columns, rows int) *Live {
	l := &Live{
		w: w, style: style, width: width, columns: columns, rows: rows,
		md:    New(style, width),
		start: time.Now(),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go l.loop()
	return l
}

func (l *Live) loop() {
	defer close(l.done)
	t := time.NewTicker(Frame)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.mu.Lock()
			l.draw(time.Now())
			l.mu.Unlock()
		}
	}
}

// Add appends model text to the answer. It is sanitized here.
func (l *Live) Add(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.text.WriteString(expandTabs(l.clean.Clean(text)))
	l.dirty = true
}

// Note prints line above the answer's open block, on a line of its own:
// for tool calls and other messages that share the terminal. write does
// the writing (to stderr, say); the open block is redrawn after it.
func (l *Live) Note(write func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		write()
		return
	}
	l.erase()
	l.flush()
	write()
	l.drawTail(time.Now())
	l.flush()
}

// Resize changes the terminal size. What is already in the scrollback
// stays as it was printed; the rest is rendered at the new width.
func (l *Live) Resize(width, columns, rows int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended || columns == l.columns && rows == l.rows && width == l.width {
		return
	}
	if columns < l.columns {
		// Terminals that rewrap on a resize (most do) have wrapped the
		// drawn lines wider than the new width onto more rows.
		l.drawn = 0
		for _, w := range l.widths {
			l.drawn += max(1, (w+columns-1)/columns)
		}
	}
	l.erase()
	l.columns, l.rows = columns, rows
	if width != l.width {
		l.width = width
		l.base += l.md.StableLen()
		l.md, l.printed, l.skip, l.dirty = New(l.style, width), 0, 1, true
	}
	l.draw(time.Now())
}

// Finish stops drawing and prints the final render of the answer; the
// cursor is left at the start of the line after it.
func (l *Live) Finish() error {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return l.err
	}
	l.ended = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.WriteString(expandTabs(l.clean.Flush()))
	text := l.text.String()[l.base:]
	l.erase()
	defer l.flush()
	if strings.TrimSpace(text) == "" {
		return l.err
	}
	final, err := l.md.Final(text)
	if err != nil {
		return err
	}
	if lines := splitDoc(final); max(l.printed, l.skip) < len(lines) {
		l.print(lines[max(l.printed, l.skip):])
	}
	return l.err
}

// draw renders the text if it changed and redraws the open block, if it
// changed or the spinner or cursor moved on.
func (l *Live) draw(now time.Time) {
	defer l.flush()
	if !l.dirty && l.drawn > 0 && l.phaseAt(now) == l.phase {
		return
	}
	if l.dirty {
		l.dirty = false
		if err := l.md.Update(l.text.String()[l.base:]); err != nil {
			l.err = err
			return
		}
		l.erase()
		if stable := l.md.Stable(); len(stable) > max(l.printed, l.skip) {
			l.print(stable[max(l.printed, l.skip):])
			l.printed = len(stable)
		}
		l.tail = l.md.Tail()
		if len(l.md.Stable()) == 0 && l.skip > 0 && len(l.tail) > 0 {
			l.tail = l.tail[1:]
		}
	} else {
		l.erase()
	}
	l.drawTail(now)
}

// drawTail draws the open block, or the spinner before any text, with
// the cursor: at most a screenful, each line cut to the terminal's width
// so that every line is one row.
func (l *Live) drawTail(now time.Time) {
	var lines []string
	l.phase = l.phaseAt(now)
	if l.waiting() {
		lines = []string{"  " + spinnerFrames[l.phase]}
	} else {
		glyph := " "
		if l.phase == 0 {
			glyph = Cursor
		}
		lines = WithCursor(l.tail, glyph)
	}
	if max := l.rows - 1; max > 0 && len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	l.widths = l.widths[:0]
	for _, line := range lines {
		line = trimPadding(line)
		if l.columns > 0 {
			line = xansi.Truncate(line, l.columns-1, "")
		}
		l.frame.WriteString(line + "\x1b[m\n")
		l.widths = append(l.widths, xansi.StringWidth(line))
	}
	l.drawn = len(lines)
}

// print writes lines into the scrollback for good.
func (l *Live) print(lines []string) {
	for _, line := range lines {
		l.frame.WriteString(trimPadding(line) + "\n")
	}
}

// trimPadding drops the spaces glamour pads a line to the wrap width
// with: on a terminal that rewraps its lines when it narrows, padding
// would wrap into rows of nothing.
func trimPadding(line string) string {
	if t := trailingBlank.ReplaceAllString(line, ""); t != line {
		return t + "\x1b[m"
	}
	return line
}

func (l *Live) waiting() bool { return strings.TrimSpace(l.text.String()) == "" }

// phaseAt is the spinner's frame before any text, then the cursor's
// phase: 0 shown, 1 hidden, each for half a second.
func (l *Live) phaseAt(now time.Time) int {
	d := now.Sub(l.start)
	if l.waiting() {
		return int(d/(80*time.Millisecond)) % len(spinnerFrames)
	}
	return int(d/(500*time.Millisecond)) % 2
}

// flush writes the frame at once, inside a synchronized update (DEC mode
// 2026) where the terminal supports one, so it never shows half a frame.
func (l *Live) flush() {
	if l.frame.Len() == 0 {
		return
	}
	_, err := io.WriteString(l.w, "\x1b[?2026h"+l.frame.String()+"\x1b[?2026l")
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("write stdout: %w", err)
	}
	l.frame.Reset()
}

// erase removes the drawn open block: up to its first row, and clear to
// the end of the screen.
func (l *Live) erase() {
	if l.drawn > 0 {
		l.write(fmt.Sprintf("\x1b[%dA\r\x1b[J", l.drawn))
		l.drawn = 0
	}
}

func (l *Live) write(s string) { l.frame.WriteString(s) }

// Cursor is the glyph at the end of the text while it streams.
const Cursor = "▍"

var trailingBlank = regexp.MustCompile(`(?:\x1b\[[0-9;:]*m| )+$`)

// WithCursor returns lines with glyph after their last visible
// character, and without the blank lines after it: the cursor at the end
// of a streaming answer. A blinking cursor passes " " half of the time,
// which keeps the width. With no visible text, the glyph is a line of its
// own, at glamour's margin.
func WithCursor(lines []string, glyph string) []string {
	out := append([]string(nil), lines...)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.TrimSpace(xansi.Strip(out[i])) != "" {
			out[i] = trailingBlank.ReplaceAllString(out[i], "") + "\x1b[m " + glyph
			return trimBlankTail(out)
		}
	}
	return []string{"  " + glyph}
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }
