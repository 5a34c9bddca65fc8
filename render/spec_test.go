package render

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/glamour/v2"
)

// specExamples reads the CommonMark spec examples from goldmark's copy in
// the module cache, or skips when it is not there.
func specExamples(t *testing.T) []struct {
	Markdown string
	Example  int
	Section  string
} {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yuin/goldmark").Output()
	if err != nil {
		t.Skipf("goldmark's module directory: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "_test", "spec.json"))
	if err != nil {
		t.Skipf("CommonMark spec examples not in the module cache: %v", err)
	}
	var ex []struct {
		Markdown string
		Example  int
		Section  string
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

// TestSpecExamplesRenderIncrementally feeds every CommonMark spec example
// in growing prefixes (byte by byte with -exhaustive, else a sample: see
// prefixes) and compares each incremental render with a fresh render of
// the same prefix; at the end, Final must equal glamour's render. Every
// prefix and every final must agree.
//
// The spec is a catalogue of corner cases, not of answers, and some are
// rendered conservatively, on purpose (see scanner and repair):
//   - after a link reference definition nothing is cut, and the final
//     render is a whole render;
//   - no cut is made next to an HTML block, or before an indented line;
//   - a list, or a block quote, goes on across blank lines as one block;
//   - a line that may still become a fence is not shown until it ends.
func TestSpecExamplesRenderIncrementally(t *testing.T) {
	t.Parallel()
	examples := specExamples(t)
	var prefixCount, same int
	var finals, finalSame int
	for _, ex := range examples {
		md := ex.Markdown
		inc := New(dark, 80)
		for _, n := range prefixes(md, uint64(ex.Example), 2) {
			prefixCount++
			got, want := norm(update(t, inc, md[:n])), norm(update(t, New(dark, 80), md[:n]))
			if got == want {
				same++
			} else if prefixCount-same <= 10 {
				t.Errorf("example %d (%s), prefix %d (%q): %s", ex.Example, ex.Section, n, md[:n], firstDiff(got, want))
			}
		}
		got, err := inc.Final(md)
		if err != nil {
			t.Fatalf("example %d: %v", ex.Example, err)
		}
		tr, _ := glamour.NewTermRenderer(glamour.WithStyles(dark), glamour.WithWordWrap(80))
		want, _ := tr.Render(expand(md))
		finals++
		if norm(got) == norm(want) {
			finalSame++
		} else {
			t.Logf("example %d (%s): final render differs: %s", ex.Example, ex.Section, firstDiff(norm(got), norm(want)))
		}
	}
	t.Logf("prefixes: %d of %d render incrementally as afresh; finals: %d of %d equal glamour's", same, prefixCount, finalSame, finals)
	if same != prefixCount {
		t.Errorf("%d of %d prefixes render differently incrementally and afresh", prefixCount-same, prefixCount)
	}
	if finalSame != finals {
		t.Errorf("%d of %d final renders differ from glamour's", finals-finalSame, finals)
	}
}

// expand turns tabs into four spaces, as Stream does.
func expand(s string) string { return strings.ReplaceAll(s, "\t", "    ") }
