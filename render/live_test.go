package render

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
)

// screen is the little of a terminal Live uses: lines of text, a cursor
// row, cursor up, carriage return and clear to the end of the screen.
type screen struct {
	mu    sync.Mutex
	raw   bytes.Buffer
	lines []string // logical lines; a line wider than cols wraps
	row   int
	cols  int // 0: wide enough for anything
	t     *testing.T
}

// up moves the cursor up n rows, as a terminal that rewraps its lines on
// a resize (tmux, kitty, iTerm2, VTE) counts them.
func (s *screen) up(n int) {
	for n > 0 && s.row > 0 {
		s.row--
		rows := 1
		if w := xansi.StringWidth(s.lines[s.row]); s.cols > 0 && w > s.cols {
			rows = (w + s.cols - 1) / s.cols
		}
		n -= rows
	}
	if n > 0 {
		s.t.Errorf("cursor moved above the answer by %d rows", n)
	}
}

var liveSeq = regexp.MustCompile(`\x1b\][^\a\x1b]*(?:\a|\x1b\\)|\x1b\[(\d*)A|\x1b\[J|\x1b\[\?2026[hl]|\x1b\[[0-9;:]*m|\r|\n|[^\x1b\r\n]+`)

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw.Write(p)
	for _, tok := range liveSeq.FindAllString(string(p), -1) {
		switch {
		case strings.HasSuffix(tok, "A") && strings.HasPrefix(tok, "\x1b["):
			n, _ := strconv.Atoi(tok[2 : len(tok)-1])
			s.up(n)
		case tok == "\x1b[J":
			s.lines = s.lines[:min(len(s.lines), s.row)]
		case tok == "\n":
			for len(s.lines) <= s.row {
				s.lines = append(s.lines, "")
			}
			s.row++
		case tok == "\r" || strings.HasPrefix(tok, "\x1b["):
		default:
			for len(s.lines) <= s.row {
				s.lines = append(s.lines, "")
			}
			s.lines[s.row] += tok
		}
	}
	return len(p), nil
}

func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return norm(strings.Join(s.lines, "\n") + "\n")
}

// TestLiveLeavesTheFinalRender streams answers into a Live in small
// pieces, with frames drawn in between, and checks what the terminal
// holds at the end: exactly the final render, once.
func TestLiveLeavesTheFinalRender(t *testing.T) {
	for i, a := range answers(t) {
		scr := &screen{t: t}
		l := NewLive(scr, dark, 80, 100, 30)
		for n := 0; n < len(a); n += 16 {
			l.Add(a[n:min(len(a), n+16)])
			if n%128 == 0 {
				time.Sleep(Frame + 5*time.Millisecond)
			}
		}
		if err := l.Finish(); err != nil {
			t.Fatal(err)
		}
		want, err := New(dark, 80).Final(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := scr.text(); got != norm(want) {
			t.Errorf("answer %d: the terminal differs from the final render: %s (ends %q, want %q)", i, firstDiff(got, norm(want)), got[max(0, len(got)-20):], norm(want)[max(0, len(norm(want))-20):])
		}
		if strings.Contains(scr.raw.String(), Cursor+"\x1b[m\n") && strings.Contains(scr.text(), Cursor) {
			t.Errorf("answer %d: the cursor glyph stayed on screen", i)
		}
	}
}

// TestLiveShowsSpinnerThenCursor checks the frames: a spinner while no
// text has come, then the text with the cursor glyph after it.
func TestLiveShowsSpinnerThenCursor(t *testing.T) {
	scr := &screen{t: t}
	l := NewLive(scr, dark, 80, 100, 30)
	time.Sleep(3 * Frame)
	if got := scr.text(); !strings.ContainsAny(got, strings.Join(spinnerFrames, "")) {
		t.Errorf("before the first token the screen shows %q, want a spinner", got)
	}
	l.Add("Hello **wor")
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(scr.text(), "Hello wor") && time.Now().Before(deadline) {
		time.Sleep(Frame)
	}
	got := scr.text()
	if !strings.Contains(got, "Hello wor "+Cursor) && !strings.Contains(got, "Hello wor  ") {
		t.Errorf("while streaming the screen shows %q, want the repaired text and the cursor", got)
	}
	if strings.Contains(got, "**") {
		t.Errorf("raw markup flashed: %q", got)
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if got := scr.text(); strings.Contains(got, Cursor) || strings.ContainsAny(got, strings.Join(spinnerFrames, "")) {
		t.Errorf("after Finish the screen shows %q, want the answer alone", got)
	}
}

// TestLiveResizeKeepsTheScrollbackWhole narrows the terminal mid-answer:
// nothing is lost or repeated, and the rest wraps at the new width.
func TestLiveResizeKeepsTheScrollbackWhole(t *testing.T) {
	a := answers(t)[0]
	scr := &screen{t: t}
	scr.cols = 100
	l := NewLive(scr, dark, 80, 100, 30)
	half := len(a) / 2
	l.Add(a[:half])
	time.Sleep(3 * Frame)
	scr.mu.Lock()
	scr.cols = 40
	scr.mu.Unlock()
	l.Resize(40, 40, 30)
	l.Add(a[half:])
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	// Rules and table borders are as wide as the width: compare words.
	words := regexp.MustCompile(`[\p{L}\p{N}]+`)
	got := strings.Join(words.FindAllString(scr.text(), -1), " ")
	want := strings.Join(words.FindAllString(norm(must(New(dark, 200).Final(a))), -1), " ")
	if got != want {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("after a resize the text differs at %d: %q, want %q", i, got[i:min(len(got), i+60)], want[i:min(len(want), i+60)])
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
