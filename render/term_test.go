package render

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	xansi "github.com/charmbracelet/x/ansi"
)

// term is a terminal for tests: a screen of rows × cols cells and the
// scrollback above it, which understands what Live writes. Where
// terminals differ it does what tmux does:
//   - a line feed on the last row scrolls the top row into the scrollback;
//   - clearing the screen from its top-left corner (ED with the cursor at
//     1;1) first moves the screen's lines into the scrollback (tmux's
//     scroll-on-clear, on by default);
//   - a character written past the last column wraps onto the next row;
//   - the cursor stops at the top and bottom rows.
//
// A line feed is a new line, as the tty's output processing makes it.
type term struct {
	mu       sync.Mutex
	t        testing.TB
	rows     int
	cols     int
	screen   []termRow
	back     []termRow // the scrollback, oldest first
	row, col int
	pending  bool // the last column was written: the next character wraps
}

type termRow struct {
	cells   []string // one per column; "" is the right half of a wide character
	wrapped bool     // the line goes on in the next row
}

func newTerm(t testing.TB, cols, rows int) *term {
	tm := &term{t: t, rows: rows, cols: cols}
	for range rows {
		tm.screen = append(tm.screen, tm.blank())
	}
	return tm
}

func (tm *term) blank() termRow {
	r := termRow{cells: make([]string, tm.cols)}
	for i := range r.cells {
		r.cells[i] = " "
	}
	return r
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	s := string(p)
	for s != "" {
		switch {
		case strings.HasPrefix(s, "\x1b["):
			end := strings.IndexFunc(s[2:], func(r rune) bool { return r >= 0x40 && r <= 0x7e })
			if end < 0 {
				tm.t.Errorf("term: unfinished sequence %q", s)
				return len(p), nil
			}
			tm.csi(s[2:2+end], s[2+end])
			s = s[3+end:]
		case strings.HasPrefix(s, "\x1b]"): // OSC, a hyperlink say: nothing on screen
			end := oscEnd(s)
			if end < 0 {
				tm.t.Errorf("term: unfinished OSC %q", s)
				return len(p), nil
			}
			s = s[end:]
		case s[0] == '\r':
			tm.col, tm.pending = 0, false
			s = s[1:]
		case s[0] == '\n':
			tm.col, tm.pending = 0, false
			tm.lineFeed()
			s = s[1:]
		case s[0] < 0x20 || s[0] == 0x7f:
			tm.t.Errorf("term: unexpected control %q", s[0])
			s = s[1:]
		default:
			g, w := graphemeAt(s)
			tm.put(g, w)
			s = s[len(g):]
		}
	}
	return len(p), nil
}

// oscEnd returns the end of the OSC sequence s starts with, after its BEL
// or ST, or -1.
func oscEnd(s string) int {
	for i := 2; i < len(s); i++ {
		switch {
		case s[i] == '\a':
			return i + 1
		case s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		}
	}
	return -1
}

// graphemeAt returns the first grapheme of s (up to the next control or
// escape) and its width.
func graphemeAt(s string) (string, int) {
	end := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if end < 0 {
		end = len(s)
	}
	g, w := xansi.FirstGraphemeCluster(s[:end], xansi.GraphemeWidth)
	return g, w
}

func (tm *term) put(g string, w int) {
	if w == 0 {
		if tm.col > 0 {
			tm.screen[tm.row].cells[tm.col-1] += g
		}
		return
	}
	if tm.pending || tm.col+w > tm.cols {
		if !tm.pending {
			tm.screen[tm.row].cells[tm.col] = "" // no room for a wide character
		}
		tm.screen[tm.row].wrapped = true
		tm.col, tm.pending = 0, false
		tm.lineFeed()
	}
	tm.screen[tm.row].cells[tm.col] = g
	if w == 2 && tm.col+1 < tm.cols {
		tm.screen[tm.row].cells[tm.col+1] = ""
	}
	tm.col += w
	if tm.col >= tm.cols {
		tm.col, tm.pending = tm.cols-1, true
	}
}

func (tm *term) lineFeed() {
	if tm.row < tm.rows-1 {
		tm.row++
		return
	}
	tm.back = append(tm.back, tm.screen[0])
	tm.screen = append(tm.screen[1:], tm.blank())
}

func (tm *term) csi(params string, final byte) {
	n, _ := strconv.Atoi(params)
	tm.pending = false
	switch {
	case final == 'A':
		tm.row = max(0, tm.row-max(1, n))
	case final == 'B':
		tm.row = min(tm.rows-1, tm.row+max(1, n))
	case final == 'J' && (params == "" || params == "0"):
		if tm.row == 0 && tm.col == 0 {
			tm.scrollOnClear()
			return
		}
		tm.clearRow(tm.row, tm.col, tm.cols)
		for r := tm.row + 1; r < tm.rows; r++ {
			tm.screen[r] = tm.blank()
		}
	case final == 'K' && (params == "" || params == "0"):
		tm.clearRow(tm.row, tm.col, tm.cols)
	case final == 'K' && params == "2":
		tm.screen[tm.row] = tm.blank()
	case final == 'm', params == "?2026" && (final == 'h' || final == 'l'):
	default:
		tm.t.Errorf("term: unexpected sequence %q", "\x1b["+params+string(final))
	}
}

func (tm *term) clearRow(r, from, to int) {
	for c := from; c < to; c++ {
		tm.screen[r].cells[c] = " "
	}
	if to == tm.cols {
		tm.screen[r].wrapped = false
	}
}

// scrollOnClear moves the screen's lines, up to the last one used, into
// the scrollback, and clears the screen.
func (tm *term) scrollOnClear() {
	last := 0
	for r, row := range tm.screen {
		if strings.TrimSpace(strings.Join(row.cells, "")) != "" {
			last = r + 1
		}
	}
	tm.back = append(tm.back, tm.screen[:last]...)
	tm.screen = tm.screen[:0]
	for range tm.rows {
		tm.screen = append(tm.screen, tm.blank())
	}
}

// lines returns the scrollback and the screen as lines of text: rows
// that wrap joined, trailing spaces and blank rows at the end dropped.
func (tm *term) lines() []string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	var out []string
	var line strings.Builder
	for _, r := range append(append([]termRow(nil), tm.back...), tm.screen...) {
		line.WriteString(strings.Join(r.cells, ""))
		if !r.wrapped {
			out = append(out, strings.TrimRight(line.String(), " "))
			line.Reset()
		}
	}
	if line.Len() > 0 {
		out = append(out, strings.TrimRight(line.String(), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// text is lines as one string, each line ended.
func (tm *term) text() string {
	return strings.Join(tm.lines(), "\n") + "\n"
}

// resize makes the terminal cols × rows and rewraps its lines, as tmux
// does: the cursor's line stays on the screen, at the bottom if the lines
// up to it do not fit, and the rows above the screen are scrollback.
func (tm *term) resize(cols, rows int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	var lines []string
	var line strings.Builder
	at, off := 0, 0 // the cursor's line and its column in it
	for i, r := range append(append([]termRow(nil), tm.back...), tm.screen...) {
		if i == len(tm.back)+tm.row {
			at, off = len(lines), xansi.StringWidth(line.String())+tm.col
		}
		line.WriteString(strings.Join(r.cells, ""))
		if !r.wrapped {
			lines = append(lines, strings.TrimRight(line.String(), " "))
			line.Reset()
		}
	}
	tm.cols, tm.rows, tm.pending = cols, rows, false
	var all []termRow
	for _, l := range lines[:at] {
		all = append(all, tm.wrap(l)...)
	}
	cursor := len(all) + off/cols
	all = append(all, tm.wrap(lines[at])...)
	for len(all) <= cursor {
		all = append(all, tm.blank())
	}
	top := max(0, cursor-(rows-1))
	tm.back, tm.screen = all[:top], all[top:min(len(all), top+rows)]
	for len(tm.screen) < tm.rows {
		tm.screen = append(tm.screen, tm.blank())
	}
	tm.row, tm.col = cursor-top, off%cols
}

// wrap lays a line out on rows.
func (tm *term) wrap(line string) []termRow {
	rows := []termRow{tm.blank()}
	col := 0
	for s := line; s != ""; {
		g, w := graphemeAt(s)
		s = s[len(g):]
		cells := rows[len(rows)-1].cells
		switch {
		case w == 0:
			if col > 0 {
				cells[col-1] += g
			}
			continue
		case col+w > tm.cols:
			if col < tm.cols {
				cells[col] = ""
			}
			rows[len(rows)-1].wrapped = true
			rows = append(rows, tm.blank())
			cells, col = rows[len(rows)-1].cells, 0
		}
		cells[col] = g
		if w == 2 && col+1 < tm.cols {
			cells[col+1] = ""
		}
		col += w
	}
	return rows
}
