package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
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
// prefixes (byte by byte, and in random token sizes) and checks every
// incremental render against a fresh Stream's render of the same prefix.
func TestIncrementalRenderEqualsAFreshRender(t *testing.T) {
	for i, a := range answers(t) {
		for _, mode := range []string{"bytes", "tokens"} {
			inc := New(styles.DarkStyleConfig, 80)
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for n := 1; n <= len(a); {
				got := norm(update(t, inc, a[:n]))
				want := norm(update(t, New(styles.DarkStyleConfig, 80), a[:n]))
				if got != want {
					t.Fatalf("answer %d, %s, prefix %d (%q):\nincremental:\n%s\nfresh:\n%s", i, mode, n, a[max(0, n-30):n], got, want)
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

func TestFinalRenderEqualsGlamour(t *testing.T) {
	for i, a := range answers(t) {
		s := New(styles.DarkStyleConfig, 80)
		for n := 1; n < len(a); n += 5 {
			update(t, s, a[:n])
		}
		got, err := s.Final(a)
		if err != nil {
			t.Fatal(err)
		}
		tr, _ := glamour.NewTermRenderer(glamour.WithStyles(styles.DarkStyleConfig), glamour.WithWordWrap(80))
		want, _ := tr.Render(strings.ReplaceAll(a, "\t", "    "))
		if g, w := norm(got), norm(want); g != w {
			t.Errorf("answer %d: final render differs from glamour's: %s", i, firstDiff(g, w))
		}
		if !strings.HasPrefix(got, strings.Join(s.Stable(), "\n")) {
			t.Errorf("answer %d: the stable lines are not the start of the final render", i)
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
