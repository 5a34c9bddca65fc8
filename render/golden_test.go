package render

import (
	"fmt"
	"os"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestGoldenRender pins the final render of a reference answer
// (testdata/long.md) at 40, 80 and 120 columns, in the dark style and
// without colour. Update with: go test ./render -run Golden -update
func TestGoldenRender(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile("testdata/long.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Dark, NoColor} {
		style, err := Style(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{40, 80, 120} {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				t.Parallel()
				s := New(style, width)
				for n := 1; n < len(md); n += 7 {
					if err := s.Update(string(md[:n])); err != nil {
						t.Fatal(err)
					}
				}
				out, err := s.Final(string(md))
				if err != nil {
					t.Fatal(err)
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}
