package render

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
)

// frameAt draws the frame a Live's loop would draw at now.
func (l *Live) frameAt(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ended {
		l.draw(now)
	}
}

// tallAnswers are answers with a block taller than a small terminal.
func tallAnswers() []string {
	var code, table, para, list, quote strings.Builder
	code.WriteString("Here is a long program:\n\n```go\npackage main\n\n")
	for i := range 40 {
		fmt.Fprintf(&code, "func f%d(x int) int { return x*%d + %d } // line %d\n", i, i, i, i)
	}
	code.WriteString("```\n\nThat is all.\n")
	table.WriteString("A table:\n\n| # | name | value | note |\n|---|---|---|---|\n")
	for i := range 25 {
		fmt.Fprintf(&table, "| %d | item %d | %d | %s |\n", i, i, i*i, strings.Repeat("word ", i%5+1))
	}
	table.WriteString("\nAfter the table.\n")
	words := strings.Fields("the quick brown fox jumps over a lazy dog while tokens arrive one after another and are drawn in place")
	para.WriteString("# A long paragraph\n\n")
	for i := range 600 {
		para.WriteString(words[(i*7)%len(words)] + " ")
	}
	para.WriteString("end.\n\nDone.\n")
	for i := range 30 {
		fmt.Fprintf(&list, "- item %d, with **some** words\n", i)
		fmt.Fprintf(&quote, "> quoted line %d with *emphasis*\n", i)
	}
	list.WriteString("\nThen a quote:\n\n" + quote.String())
	return []string{code.String(), table.String(), para.String(), list.String(), "Hello **world**.\n"}
}

// note is the line a Live's Note prints in the tests.
const note = "⚙ tool running…"

// TestLiveScrollbackHoldsTheFinalRenderOnce streams answers, a few bytes
// a frame, into terminals shorter than their blocks, with a note printed
// half way, and checks what the terminal holds at the end, scrollback and
// screen: what was there before, then the final render, line for line,
// once, without a cursor glyph, and the note once. The answer starts at
// the top of a clear screen, or at the bottom of a full one. Without
// -exhaustive, each answer is drawn on two of the terminals, in turn, so
// that every terminal has answers drawn on it.
func TestLiveScrollbackHoldsTheFinalRenderOnce(t *testing.T) {
	t.Parallel()
	const columns = 100
	width := Width(columns, 0)
	terms := []struct {
		rows int
		full bool
	}{{6, false}, {10, true}, {20, false}, {30, true}}
	sampled := !*exhaustive && !testing.Short()
	if testing.Short() {
		terms = terms[1:3]
	}
	for i, a := range append(tallAnswers(), answers(t)...) {
		final, err := New(dark, width).Final(a)
		if err != nil {
			t.Fatal(err)
		}
		for j, tt := range terms {
			if sampled && (i+j)%2 == 1 {
				continue
			}
			t.Run(fmt.Sprintf("answer %d at %dx%d full=%v", i, columns, tt.rows, tt.full), func(t *testing.T) {
				t.Parallel()
				tm := newTerm(t, columns, tt.rows)
				var want []string
				if tt.full {
					for n := range tt.rows {
						fmt.Fprintf(tm, "$ earlier line %d\n", n)
						want = append(want, fmt.Sprintf("$ earlier line %d", n))
					}
				}
				want = append(want, plainLines(final)...)
				l := newLive(tm, dark, width, columns, tt.rows)
				noted := false
				streamLive(l, a, func(n int) {
					if n >= len(a)/2 && !noted {
						l.Note(func() { fmt.Fprintln(tm, note) })
						noted = true
					}
				})
				if err := l.Finish(); err != nil {
					t.Fatal(err)
				}
				got := tm.lines()
				if n := slices.Index(got, note); n < 0 || slices.Contains(got[n+1:], note) {
					t.Errorf("the note is not there once: %q", got)
				} else {
					got = slices.Delete(got, n, n+1)
				}
				if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
					t.Errorf("the terminal holds %d lines, want %d: %s", len(got), len(want), firstDiff(g, w))
				}
				if g := strings.Join(got, "\n"); strings.Contains(g, Cursor) {
					t.Errorf("a cursor glyph stayed: %d of them", strings.Count(g, Cursor))
				}
			})
		}
	}
}

// streamLive feeds a into l in pieces of 1 to 23 bytes, with a frame
// drawn after each. between is called before each piece with the length
// fed so far.
func streamLive(l *Live, a string, between func(n int)) {
	now := l.start
	l.frameAt(now) // the spinner
	for i, n := 0, 0; n < len(a); i++ {
		between(n)
		step := 1 + i*7%23
		l.Add(a[n:min(len(a), n+step)])
		n += step
		now = now.Add(Frame)
		l.frameAt(now)
	}
}

// TestLivePrintsCodeAsItComes checks that the finished lines of a code
// block taller than the screen go into the scrollback while it streams,
// and that a table's rows wait for the end of the table, when its columns
// are known.
func TestLivePrintsCodeAsItComes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answer     int
		upTo, line string
		want       bool
	}{
		{0, "func f30(", "func f1(x int) int", true},
		{1, "| 20 |", "│ 2 ", false},
	}
	for _, tt := range tests {
		a := tallAnswers()[tt.answer]
		tm := newTerm(t, 100, 10)
		l := newLive(tm, dark, 80, 100, 10)
		streamLive(l, a[:strings.Index(a, tt.upTo)], func(int) {})
		back := 0
		for _, r := range tm.back {
			if strings.Contains(strings.Join(r.cells, ""), tt.line) {
				back++
			}
		}
		if got := back == 1; got != tt.want {
			t.Errorf("answer %d up to %q: %q is %d times in the scrollback, want it there: %v", tt.answer, tt.upTo, tt.line, back, tt.want)
		}
	}
}

// TestLiveResizeMidCodeBlock narrows and shortens the terminal in the
// middle of a code block taller than the screen: the code lines already
// printed are not printed again, and the rest follows once.
func TestLiveResizeMidCodeBlock(t *testing.T) {
	t.Parallel()
	a := tallAnswers()[0]
	tm := newTerm(t, 100, 30)
	l := newLive(tm, dark, 100, 100, 30)
	streamLive(l, a, func(n int) {
		if n >= len(a)/2 && l.columns == 100 {
			tm.resize(60, 10)
			l.Resize(60, 60, 10)
		}
	})
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	words := regexp.MustCompile(`[\p{L}\p{N}]+`)
	got := strings.Join(words.FindAllString(strings.Join(tm.lines(), "\n"), -1), " ")
	want := strings.Join(words.FindAllString(xansi.Strip(must(New(dark, 100).Final(a))), -1), " ")
	if got != want {
		t.Errorf("after a resize the words differ: %s", firstDiff(strings.ReplaceAll(got, " ", "\n"), strings.ReplaceAll(want, " ", "\n")))
	}
}

// TestLiveResizeBeforeAnythingIsPrinted narrows the terminal before the
// first block is finished: the terminal holds the final render at the
// new width, exactly.
func TestLiveResizeBeforeAnythingIsPrinted(t *testing.T) {
	t.Parallel()
	a := "Hello **world**, a first paragraph.\n\nAnd a second one.\n"
	tm := newTerm(t, 100, 10)
	l := newLive(tm, dark, 100, 100, 10)
	streamLive(l, a, func(n int) {
		if n >= 10 && l.columns == 100 {
			tm.resize(60, 10)
			l.Resize(60, 60, 10)
		}
	})
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	got, want := strings.Join(tm.lines(), "\n"), strings.Join(plainLines(must(New(dark, 60).Final(a))), "\n")
	if got != want {
		t.Errorf("after a resize: %s", firstDiff(got, want))
	}
}

// plainLines is a render's lines as a terminal shows them: no sequences,
// no trailing spaces, no blank lines at the end.
func plainLines(render string) []string {
	var out []string
	for _, line := range splitDoc(render) {
		out = append(out, strings.TrimRight(xansi.Strip(line), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// TestTermScrollsAndClears checks the test terminal itself.
func TestTermScrollsAndClears(t *testing.T) {
	tests := []struct {
		name, in string
		rows     int
		want     []string
	}{
		{"lines scroll into the scrollback", "a\nb\nc\nd\n", 3, []string{"a", "b", "c", "d"}},
		{"cursor up and clear below", "a\nb\nc\n\x1b[2A\r\x1b[Jx\n", 5, []string{"a", "x"}},
		{"clear from the corner keeps the screen", "a\nb\x1b[1A\r\x1b[Jc\n", 5, []string{"a", "b", "c"}},
		{"erase lines in place", "a\nb\n\x1b[A\x1b[2K\x1b[A\x1b[2K\rc\n", 5, []string{"c"}},
		{"cursor up stops at the top", "a\nb\nc\nd\n\x1b[9A\x1b[Kx", 3, []string{"a", "b", "x", "d"}},
		{"long lines wrap and join", "abcdefgh\n", 3, []string{"abcdefgh"}},
		{"sequences take no room", "\x1b[1;31ma\x1b[m\x1b]8;;http://x\x1b\\b\x1b]8;;\x1b\\\x1b[?2026h\x1b[?2026l\n", 3, []string{"ab"}},
		{"wide characters", "日本語\n", 3, []string{"日本語"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerm(t, 5, tt.rows)
			tm.Write([]byte(tt.in))
			if got := tm.lines(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a resize rewraps", func(t *testing.T) {
		tm := newTerm(t, 6, 3)
		tm.Write([]byte("abcdef\nxy\n"))
		tm.resize(3, 3)
		if tm.row != 2 || tm.col != 0 || len(tm.back) != 1 {
			t.Errorf("after the resize the cursor is at %d;%d with %d rows of scrollback, want 2;0 and 1", tm.row, tm.col, len(tm.back))
		}
		tm.Write([]byte("\x1b[A\x1b[2K\rz\n"))
		if got := strings.Join(tm.lines(), "|"); got != "abcdef|z" {
			t.Errorf("got %q, want abcdef|z", got)
		}
	})
}

// TestLiveLetsPrintedLinesGo streams a tall answer: the lines printed
// into the scrollback are not held by the Live's Stream as well, nor is
// their text held by the Live or the Stream.
func TestLiveLetsPrintedLinesGo(t *testing.T) {
	t.Parallel()
	a := expandTabs(strings.Repeat(answers(t)[0]+"\n\n", 4))
	tm := newTerm(t, 100, 20)
	l := newLive(tm, dark, Width(100, 0), 100, 20)
	streamLive(l, a, func(int) {})
	if l.md.Forgotten() == 0 || len(l.md.Stable()) > 0 {
		t.Errorf("%d lines printed, %d forgotten, %d still held", l.printed, l.md.Forgotten(), len(l.md.Stable()))
	}
	last := a[strings.LastIndex(strings.TrimSuffix(a, "\n\n"), "\n\n")+2:]
	if l.text.Len() > len(last) || len(l.md.raw) > len(last) || l.cut+l.text.Len() != len(a) {
		t.Errorf("of a %d-byte answer, %d let go, the Live holds %d bytes, its Stream %d: want at most the last block's %d",
			len(a), l.cut, l.text.Len(), len(l.md.raw), len(last))
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if got, want := tm.text(), strings.Join(plainLines(must(New(dark, Width(100, 0)).Final(a))), "\n")+"\n"; got != want {
		t.Errorf("the terminal differs from the final render: %s", firstDiff(got, want))
	}
}

// TestLiveRendersABacklog adds a long answer with no frame drawn, as a
// server faster than the terminal does: Add renders each burst itself, so
// no more than about a burst of text waits, and the terminal ends with the
// final render.
func TestLiveRendersABacklog(t *testing.T) {
	t.Parallel()
	a := expandTabs(strings.Repeat(answers(t)[0]+"\n\n", 3*burst/2/len(answers(t)[0])))
	tm := newTerm(t, 100, 20)
	l := newLive(tm, dark, 80, 100, 20)
	most := 0
	for n := 0; n < len(a); n += 24 {
		l.Add(a[n:min(len(a), n+24)])
		most = max(most, l.text.Len())
	}
	if most > burst+len(answers(t)[0]) || l.printed == 0 {
		t.Errorf("a %d-byte answer without frames: the Live held up to %d bytes and printed %d lines, want at most a burst and a block (%d) and lines printed",
			len(a), most, l.printed, burst+len(answers(t)[0]))
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if got, want := tm.text(), strings.Join(plainLines(must(New(dark, 80).Final(a))), "\n")+"\n"; got != want {
		t.Errorf("the terminal differs from the final render: %s", firstDiff(got, want))
	}
}
