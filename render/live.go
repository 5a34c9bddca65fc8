package render

import (
	"io"
	"strings"
	"sync"
	"time"

	"charm.land/glamour/v2/ansi"
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
// Invariants:
//   - What is printed is the start of the final render, line for line,
//     and is never erased: finished blocks, and the lines of an open
//     block that the Stream knows are final (Stream.Settled).
//   - What is redrawn is on the screen: at most a screenful less a row,
//     one row a line. An open block taller than that shows its last
//     lines; its first lines are printed when they are known to be final
//     (a table's, say, at its end, when its columns are known).
//   - The answer's text is held from the end of the printed blocks on:
//     the text of what the scrollback holds for good is let go
//     (Stream.Trim), and at most a burst of it waits for a frame (Add
//     renders a burst the frames have not taken), so a long answer is
//     not held whole.
//   - The drawing is erased line by line (EL), never by clearing the
//     screen (ED), which tmux's scroll-on-clear and other terminals turn
//     into a copy of the screen in the scrollback when it starts at the
//     top-left corner: where the open block is once it fills the screen.
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
	text    strings.Builder // the sanitized answer so far, after the first cut bytes
	cut     int             // the bytes of the answer let go, printed for good
	frame   strings.Builder // what the current frame writes
	phase   int             // the spinner or cursor phase last drawn
	base    int             // text[:base] was printed at an earlier width
	skip    int             // 1 when md starts after the answer's start: the render's opening blank line is printed
	printed int             // md's lines printed into the scrollback, or skipped
	tail    []string
	drawn   int   // terminal rows drawn below the printed lines
	widths  []int // the widths of the drawn lines
	dirty   bool  // text arrived since the last render
	start   time.Time
	err     error
	ended   bool          // Finish was called: nothing more is drawn
	stop    chan struct{} // nil: no frame loop (tests draw the frames)
	done    chan struct{}
}

// NewLive starts drawing on w, a terminal columns wide and rows high,
// wrapping at width.
func NewLive(w io.Writer, style ansi.StyleConfig, width, columns, rows int) *Live {
	l := newLive(w, style, width, columns, rows)
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go l.loop()
	return l
}

// newLive returns a Live that draws a frame only when told to (tests).
func newLive(w io.Writer, style ansi.StyleConfig, width, columns, rows int) *Live {
	return &Live{
		w: w, style: style, width: width, columns: columns, rows: rows,
		md:    New(style, width),
		start: time.Now(),
	}
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

// Add appends model text to the answer. It is sanitized here. Once a
// burst of text waits for a frame, Add renders it before it returns: a
// caller faster than the terminal waits for it.
func (l *Live) Add(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.text.WriteString(expandTabs(l.clean.Clean(text)))
	l.dirty = true
	if l.text.Len()-l.base-len(l.md.raw) >= burst {
		// The frames do not keep up (a fast server, a slow terminal):
		// the burst is rendered now, on the caller's goroutine, so that
		// the text waiting for a frame stays within a burst, and the
		// network waits for the terminal.
		l.draw(time.Now())
	}
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
		l.width, l.dirty = width, true // see update
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
	if l.stop != nil {
		close(l.stop)
		<-l.done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.WriteString(expandTabs(l.clean.Flush()))
	l.erase()
	defer l.flush()
	if strings.TrimSpace(l.text.String()[l.base:]) == "" {
		return l.err
	}
	if err := l.update(); err != nil { // the rest, a burst at a time
		return err
	}
	l.erase()
	final, err := l.md.Final(l.text.String()[l.base:])
	if err != nil {
		return err
	}
	// final leaves out the lines forgotten, which were printed.
	if lines, at := splitDoc(final), l.printed-l.md.Forgotten(); final != "" && at < len(lines) {
		l.print(lines[at:])
	}
	return l.err
}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }
