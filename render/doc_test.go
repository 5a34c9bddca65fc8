package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The pieces are compared with Stream.Final as the stream tests compare
// renders: as the eye sees them (norm), since glamour may colour a blank
// line or not.

// docSamples are long answers of every kind of block, for the pieces'
// equivalence with the whole render.
func docSamples(t testing.TB) map[string]string {
	samples := map[string]string{}
	paths, _ := filepath.Glob("testdata/*.md")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		samples[filepath.Base(p)] = string(b)
	}
	var b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&b, "## Section %d\n\nSome *text* with `code` and a [link](http://x.test/%d).\n\n", i, i)
		fmt.Fprintf(&b, "- item one\n- item two\n  - nested\n\n1. first\n2. second\n\n> a quote\n> more\n\n")
		fmt.Fprintf(&b, "```go\nfunc f%d() int {\n\treturn %d\n}\n```\n\n| a | b |\n|---|---|\n| %d | x |\n\n---\n\n", i, i, i)
	}
	samples["generated"] = b.String()
	return samples
}

func TestDocPiecesRenderAsTheWhole(t *testing.T) {
	t.Parallel()
	style, err := Style("dark")
	if err != nil {
		t.Fatal(err)
	}
	for name, md := range docSamples(t) {
		for _, width := range []int{40, 80} {
			whole, err := New(style, width).Final(md)
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{1, 2048} {
				d := NewDoc(md, size)
				r, err := NewDocRenderer(style, width)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for i := range d.Len() {
					lines, err := r.Piece(d, i)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, lines...)
				}
				if got, want := norm(strings.Join(got, "\n")+"\n"), norm(whole); got != want {
					t.Errorf("%s at width %d, pieces of %d bytes (%d): the pieces differ from the whole render:\n%s",
						name, width, size, d.Len(), firstDiff(got, want))
				}
			}
		}
	}
}

func TestDocWithAReferenceDefinitionIsOnePiece(t *testing.T) {
	t.Parallel()
	md := strings.Repeat("para [x]\n\n", 50) + "[x]: http://x.test\n"
	if n := NewDoc(md, 10).Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
}

func TestPlainTextIsWhatTheSanitizerLeavesAlone(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain\ttext\n", "日本語 🚀 café", "a\x1b[2Jb", "a\rb", "a\x7fb", "a\u0085b", "a\u009bb", "bad \xff utf8", "a\x00b", "é\u00a0ok"} {
		var san Sanitizer
		same := san.Clean(s)+san.Flush() == s
		if plain(s) && !same {
			t.Errorf("plain(%q) but the Sanitizer changes it", s)
		}
		if !plain(s) && same && s != "" {
			t.Logf("plain(%q) is false, and the Sanitizer leaves it: only slower", s)
		}
	}
	if !plain("日本語 🚀 café\n\tx") || plain("a\x1b[2J") || plain("\u009b") {
		t.Error("plain misjudges")
	}
}
