package render

import (
	"strings"
	"testing"

	"charm.land/glamour/v2"
	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/styles"
)

// TestCachedFormatterMatchesTerminal256 renders code in every style with
// tok's formatter and with chroma's terminal256: the bytes must agree.
func TestCachedFormatterMatchesTerminal256(t *testing.T) {
	md := "```go\nfunc f(x int) string {\n\t// comment\n\treturn fmt.Sprint(x, \"s\", 1.5, true)\n}\n```\n\n```python\ndef f(x):\n    return x * 2  # twice\n```\n"
	for _, name := range append(styleNames(), Dark, Light) {
		style, err := Style(name)
		if err != nil {
			t.Fatal(err)
		}
		render := func(opts ...glamour.TermRendererOption) string {
			tr, err := glamour.NewTermRenderer(append(opts, glamour.WithStyles(style), glamour.WithWordWrap(80))...)
			if err != nil {
				t.Fatal(err)
			}
			out, err := tr.Render(md)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		// terminal256 itself breaks ties between equally near colours by
		// map order (242 or 241 for the same comment), so the text must
		// agree exactly and the colours per token may differ by a shade;
		// tok's own output is the same on every run.
		first := render(glamour.WithChromaFormatter(chromaFormatter))
		if again := render(glamour.WithChromaFormatter(chromaFormatter)); again != first {
			t.Fatalf("style %s: the cached formatter gave two renders", name)
		}
		if got, want := stripSGR(first), stripSGR(render()); got != want {
			t.Fatalf("style %s: text differs from terminal256:\n%q\n%q", name, got, want)
		}
		if n, want := strings.Count(first, "\x1b["), strings.Count(render(), "\x1b["); n != want {
			t.Fatalf("style %s: %d escape sequences, terminal256 writes %d", name, n, want)
		}
	}
}

// TestCachedFormatterComputesOnce renders code blocks many times: the
// formatter keeps one colour table per style, not one per block (a table
// keyed by a style built anew for each block grew with the answer).
func TestCachedFormatterComputesOnce(t *testing.T) {
	t.Parallel()
	style, err := Style(Dark)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(80), glamour.WithChromaFormatter(chromaFormatter))
	if err != nil {
		t.Fatal(err)
	}
	f := &cached256{themes: map[*chroma.Style]map[chroma.TokenType]string{}}
	for range 3 {
		if _, err := tr.Render("```go\nx := 1\n```\n"); err != nil {
			t.Fatal(err)
		}
	}
	s := styles.Get("charm")
	for range 3 {
		f.theme(s)
	}
	if len(f.themes) != 1 {
		t.Errorf("%d colour tables for one style, want 1", len(f.themes))
	}
}
