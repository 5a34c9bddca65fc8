package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
)

// draw renders the text if it changed and redraws the open block, if it
// changed or the spinner or cursor moved on.
func (l *Live) draw(now time.Time) {
	defer l.flush()
	if !l.dirty && l.drawn > 0 && l.phaseAt(now) == l.phase {
		return
	}
	if l.dirty {
		l.dirty = false
		if err := l.update(); err != nil {
			l.err = err
			return
		}
	}
	l.erase()
	l.drawTail(now)
}

// update renders the text and prints the finished blocks. After a resize
// the rest of the answer is rendered at the new width, from the end of
// the finished blocks; but an open block whose first lines are printed
// goes on at the old width until it is finished, so that they are not
// printed twice.
func (l *Live) update() error {
	for {
		text := l.text.String()[l.base:]
		part := l.upTo(text)
		if err := l.md.Update(part); err != nil {
			return err
		}
		gone, stable := l.md.Forgotten(), l.md.Stable()
		if gone+len(stable) > l.printed {
			l.erase()
			l.print(stable[l.printed-gone:])
			l.printed = gone + len(stable)
		}
		l.md.Forget(l.printed) // the scrollback holds them now
		if l.md.width == l.width || l.printed > max(gone+len(stable), l.skip) {
			if len(part) < len(text) {
				continue
			}
			l.tail = l.md.Tail()
			l.trim()
			return nil
		}
		if l.base += l.md.StableLen(); l.cut+l.base > 0 {
			l.skip = 1 // the blank line between the blocks is printed
		}
		l.md, l.printed = New(l.style, l.width), l.skip
	}
}

// trim lets go of the text whose lines the scrollback holds for good, as
// the Stream does (see Stream.Trim): what is left, the open block, is
// copied out of the answer's buffer, once the update has taken all the
// text (so a backlog is not copied at each of its steps).
func (l *Live) trim() {
	n := l.md.Trim()
	if n == 0 {
		return
	}
	rest := l.text.String()[l.base+n:]
	l.text.Reset()
	l.text.WriteString(rest)
	l.cut += l.base + n
	l.base = 0
}

// burst is the most new text one Stream.Update takes: a frame that comes
// after a burst (a fast server, a slow terminal) renders it in steps,
// printing and forgetting each step's finished lines, so that a long
// answer's lines are never all held at once.
const burst = 32 << 10

// upTo returns text, or its start up to the last line end within burst
// bytes of what the Stream has taken.
func (l *Live) upTo(text string) string {
	from := len(l.md.raw)
	if len(text)-from <= burst || !strings.HasPrefix(text, l.md.raw) {
		return text
	}
	if i := strings.LastIndexByte(text[from:from+burst], '\n'); i >= 0 {
		return text[:from+i+1]
	}
	return text
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
		done := max(0, l.printed-l.md.Forgotten()-len(l.md.Stable()))
		if n := min(l.md.Settled(), len(l.tail)) - done; n > 0 {
			// Lines known to be final are printed, not drawn: a resize
			// that pushes drawn rows into the scrollback spares them.
			l.print(l.tail[done : done+n])
			l.printed += n
			done += n
		}
		lines = WithCursor(l.tail[min(done, len(l.tail)):], glyph)
	}
	lines = lines[len(lines)-min(len(lines), l.room()):]
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

// room is how many lines of the open block are drawn at most: all rows
// but the one the cursor is left on, or 23 when the height is unknown.
func (l *Live) room() int {
	if l.rows <= 0 {
		return 23
	}
	return l.rows - 1
}

// print writes lines into the scrollback for good, a burst at a time.
func (l *Live) print(lines []string) {
	for _, line := range lines {
		l.frame.WriteString(trimPadding(line))
		l.frame.WriteByte('\n')
		if l.frame.Len() >= burst {
			l.flush()
		}
	}
}

func (l *Live) waiting() bool { return l.cut == 0 && strings.TrimSpace(l.text.String()) == "" }

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
	// Three writes, not one string: the frame is not copied.
	_, err := io.WriteString(l.w, "\x1b[?2026h")
	if err == nil {
		_, err = io.WriteString(l.w, l.frame.String())
	}
	if err == nil {
		_, err = io.WriteString(l.w, "\x1b[?2026l")
	}
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("write stdout: %w", err)
	}
	l.frame.Reset()
}

// erase removes the drawn open block, a row at a time from the bottom up
// (cursor up, erase line), and leaves the cursor at its first row. It
// never clears the screen: see the invariants.
func (l *Live) erase() {
	if l.drawn > 0 {
		l.write(strings.Repeat("\x1b[A\x1b[2K", l.drawn) + "\r")
		l.drawn = 0
	}
}

func (l *Live) write(s string) { l.frame.WriteString(s) }
