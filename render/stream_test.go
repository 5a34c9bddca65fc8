package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"charm.land/glamour/v2/ansi"
)

func answers(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/answers.md")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "=====\n")
}

var trailingSpace = regexp.MustCompile(` +\n`)

// norm strips SGR codes and trailing spaces, as the property compares.
func norm(s string) string {
	return trailingSpace.ReplaceAllString(stripSGR(s), "\n")
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func stripSGR(s string) string { return sgr.ReplaceAllString(s, "") }

func update(t testing.TB, s *Stream, text string) string {
	t.Helper()
	if err := s.Update(text); err != nil {
		t.Fatalf("Update(%q): %v", text, err)
	}
	return s.String()
}

// TestIncrementalRenderEqualsAFreshRender feeds each answer in growing
// prefixes (byte by byte, and in random token sizes) and checks the
// incremental render against a fresh Stream's render of the same prefix:
// at every prefix with -exhaustive, else at a sample (see prefixes).
func TestIncrementalRenderEqualsAFreshRender(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		for _, mode := range []string{"bytes", "tokens"} {
			inc := New(dark, 80)
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			check := due(prefixes(a, uint64(i), 12))
			for n := 1; n <= len(a); {
				got := norm(update(t, inc, a[:n]))
				if check.at(n) {
					if want := norm(update(t, New(dark, 80), a[:n])); got != want {
						t.Fatalf("answer %d, %s, prefix %d (%q):\nincremental:\n%s\nfresh:\n%s", i, mode, n, a[max(0, n-30):n], got, want)
					}
				}
				if mode == "bytes" {
					n++
				} else {
					n += 1 + rng.IntN(8)
				}
			}
		}
	}
}

// TestFinalRenderEqualsAWholeRender checks that the incremental render
// ends where rendering the whole answer at once does (glamour's render,
// but for the tables too wide for it: see tables).
func TestFinalRenderEqualsAWholeRender(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		s := New(dark, 80)
		for n := 1; n < len(a); n += 5 {
			update(t, s, a[:n])
		}
		got, err := s.Final(a)
		if err != nil {
			t.Fatal(err)
		}
		tr, _ := newTermRenderer(dark, 80)
		want, _ := tr.Render(strings.ReplaceAll(a, "\t", "    "))
		if g, w := norm(got), norm(want); g != w {
			t.Errorf("answer %d: final render differs from a whole render: %s", i, firstDiff(g, w))
		}
		if !strings.HasPrefix(got, strings.Join(s.Stable(), "\n")) {
			t.Errorf("answer %d: the stable lines are not the start of the final render", i)
		}
	}
}

// TestStableLinesAreFinal checks, at every prefix (with -exhaustive,
// else at a sample), that the lines Stable returns are the start of
// the render of the whole answer (see tables): what is printed once into the
// scrollback never has to change.
func TestStableLinesAreFinal(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		tr, _ := newTermRenderer(dark, 80)
		full, _ := tr.Render(strings.ReplaceAll(a, "\t", "    "))
		final := strings.Split(norm(full), "\n")
		s := New(dark, 80)
		for _, n := range prefixes(a, uint64(i), 48) {
			update(t, s, a[:n])
			stable := strings.Split(norm(strings.Join(s.Stable(), "\n")+"\n"), "\n")
			stable = stable[:len(stable)-1]
			if len(stable) > len(final) || strings.Join(final[:len(stable)], "\n") != strings.Join(stable, "\n") {
				t.Fatalf("answer %d, prefix %d: stable lines are not the final render's first lines: %s", i, n, firstDiff(strings.Join(stable, "\n"), strings.Join(final[:min(len(final), len(stable))], "\n")))
			}
		}
	}
}

// TestSplitTailRendersAsTheWholeTail checks that splitting the open tail
// at soft cuts (code lines, list items) changes the cost, not the look:
// at every prefix (with -exhaustive, else at a sample), the split render
// equals rendering the tail whole.
func TestSplitTailRendersAsTheWholeTail(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		split, whole := New(dark, 80), New(dark, 80)
		whole.whole = true
		for _, n := range prefixes(a, uint64(i), 48) {
			if got, want := norm(update(t, split, a[:n])), norm(update(t, whole, a[:n])); got != want {
				t.Fatalf("answer %d, prefix %d (%q): %s", i, n, a[max(0, n-30):n], firstDiff(got, want))
			}
		}
	}
}

// firstDiff describes the first line where two renders differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var x, y string
		if i < len(g) {
			x = g[i]
		}
		if i < len(w) {
			y = w[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: got %q, want %q (%d lines vs %d)", i, x, y, len(g), len(w))
		}
	}
	return "no difference"
}

// dark is tok's dark style, the one the tests render with.
var dark = func() ansi.StyleConfig {
	s, err := Style(Dark)
	if err != nil {
		panic(err)
	}
	return s
}()

// TestSettledLinesAreFinal checks, at every prefix of the short answers
// and every seventh of the long ones (with -exhaustive, else at a
// sample), that the first lines of the tail that Settled counts are the
// final render's lines there: a Live prints them before their block is
// finished.
func TestSettledLinesAreFinal(t *testing.T) {
	t.Parallel()
	fences := []string{
		"Text right before:\n```go\na := 1\nb := 2\n\nc := 3\n```\nText right after\n\nMore.\n",
		"- item\n- item two\n```\nx\ny\nz\n```\n\n- after\n",
		"> quote\n```py\nq = 1\nr = 2\ns = 3\n```\n",
		"````md\n```\ninner\n```\nouter\n````\n",
		"~~~\nt1\n\nt2\n\n\nt3\n~~~\n",
		"- item\n\n  ```\n  in an item\n  more\n  ```\n",
		"```go\nunclosed\nfence\nlines\n",
		"- a tight list\n- that turns\n- loose\n\n- here\n",
		"1. a\n2. list\n3. that is\nSetext\n---\n",
	}
	settled := 0
	for i, a := range append(append(fences, tallAnswers()...), answers(t)...) {
		final := strings.Split(norm(must(New(dark, 80).Final(a))), "\n")
		s := New(dark, 80)
		at := prefixes(a, uint64(i), 48)
		if *exhaustive {
			at = at[:0]
			for n := 1; n <= len(a); n += 1 + len(a)/1000*6 {
				at = append(at, n)
			}
		}
		for _, n := range at {
			update(t, s, a[:n])
			k, from := s.Settled(), len(s.Stable())
			got := strings.Split(norm(strings.Join(s.Tail()[:k], "\n")+"\n"), "\n")[:k]
			if from+k > len(final) || strings.Join(got, "\n") != strings.Join(final[from:from+k], "\n") {
				t.Fatalf("answer %d, prefix %d (%q): the %d settled lines are not final: %s", i, n, a[max(0, n-30):n], k, firstDiff(strings.Join(got, "\n"), strings.Join(final[from:min(len(final), from+k)], "\n")))
			}
			settled = max(settled, k)
		}
	}
	if settled < 30 {
		t.Errorf("at most %d lines were settled, want the long code block's", settled)
	}
}

// TestForgetLeavesTheRest forgets stable lines at a sample of prefixes:
// the final render is then the full one without them, and a clean text
// is held once, as the caller's own string.
func TestForgetLeavesTheRest(t *testing.T) {
	t.Parallel()
	for i, a := range answers(t) {
		want := strings.Split(norm(must(New(dark, 80).Final(a))), "\n")
		s := New(dark, 80)
		for _, n := range prefixes(a, uint64(i), 12) {
			update(t, s, a[:n])
			s.Forget(s.Forgotten() + len(s.Stable()) - 1)
		}
		if s.Forgotten() == 0 {
			t.Errorf("answer %d: nothing forgotten", i)
		}
		text := strings.Clone(a) // the same text, another string
		got := must(s.Final(text))
		if g, w := norm(got), strings.Join(want[min(s.Forgotten(), len(want)):], "\n"); strings.TrimSuffix(g, "\n") != strings.TrimSuffix(w, "\n") {
			t.Errorf("answer %d: after forgetting %d lines: %s", i, s.Forgotten(), firstDiff(g, w))
		}
		// (A prefix cut inside a rune is held back, and copied, as it must.)
		ascii := !strings.ContainsFunc(a, func(r rune) bool { return r > 0x7e || r < 0x20 && r != '\n' })
		if ascii && unsafe.StringData(s.src) != unsafe.StringData(text) {
			t.Errorf("answer %d: the Stream holds a copy of a clean text", i)
		}
	}
}

// TestTrimLeavesTheRenderAsItWas streams each answer into two Streams at
// a sample of prefixes: one given the whole text, the other only the text
// after what it let go, forgetting its stable lines and trimming after
// each update, as a Live does. The lines printed and the tail, and at the
// end the final render, are the same.
func TestTrimLeavesTheRenderAsItWas(t *testing.T) {
	t.Parallel()
	trims := 0
	// Constructs open when text is let go: a quote across blank lines, a
	// fence split at soft cuts, a list.
	open := []string{
		"Intro.\n\n> a quote\n\n> across blank lines\n\nEnd.\n",
		"Intro.\n\n```go\na := 1\nb := 2\n\nc := 3\n```\n\nEnd.\n",
		"Intro.\n\n- one\n- two\n\n- three\n\nEnd.\n",
	}
	for i, a := range slices.Concat(open, answers(t), tallAnswers()) {
		whole, part := New(dark, 80), New(dark, 80)
		var printed []string
		cut := 0
		for _, n := range prefixes(a, uint64(i), 24) {
			update(t, whole, a[:n])
			update(t, part, a[cut:n])
			printed = append(printed, part.Stable()...)
			part.Forget(part.Forgotten() + len(part.Stable()))
			if k := part.Trim(); k > 0 {
				cut, trims = cut+k, trims+1
			}
			got := slices.Concat(printed, part.Tail())
			want := slices.Concat(whole.Stable(), whole.Tail())
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Fatalf("answer %d, prefix %d, %d bytes let go: %s", i, n, cut, firstDiff(g, w))
			}
		}
		got := must(part.Final(a[cut:]))
		if len(printed) > 0 {
			got = strings.Join(printed, "\n") + "\n" + got
		}
		if want := must(whole.Final(a)); norm(got) != norm(want) {
			t.Errorf("answer %d: the final renders differ: %s", i, firstDiff(norm(got), norm(want)))
		}
	}
	if trims == 0 {
		t.Error("no text was let go")
	}
}
