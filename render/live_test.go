package render

import (
	"regexp"
	"strings"
	"testing"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
)

// TestLiveLeavesTheFinalRender streams answers into a Live in small
// pieces, with frames drawn in between, and checks what the terminal
// holds at the end: exactly the final render, once.
func TestLiveLeavesTheFinalRender(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		scr := newTerm(t, 100, 30)
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
		if got, want := scr.text(), strings.Join(plainLines(want), "\n")+"\n"; got != want {
			t.Errorf("answer %d: the terminal differs from the final render: %s", i, firstDiff(got, want))
		}
		if strings.Contains(scr.text(), Cursor) {
			t.Errorf("answer %d: the cursor glyph stayed on screen", i)
		}
	}
}

// TestLiveShowsSpinnerThenCursor checks the frames: a spinner while no
// text has come, then the text with the cursor glyph after it.
func TestLiveShowsSpinnerThenCursor(t *testing.T) {
	scr := newTerm(t, 100, 30)
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
	scr := newTerm(t, 100, 30)
	l := NewLive(scr, dark, 80, 100, 30)
	half := len(a) / 2
	l.Add(a[:half])
	time.Sleep(3 * Frame)
	scr.resize(40, 30)
	l.Resize(40, 40, 30)
	l.Add(a[half:])
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	// Rules and table borders are as wide as the width: compare words.
	words := regexp.MustCompile(`[\p{L}\p{N}]+`)
	got := strings.Join(words.FindAllString(scr.text(), -1), " ")
	want := strings.Join(words.FindAllString(xansi.Strip(must(New(dark, 200).Final(a))), -1), " ")
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
