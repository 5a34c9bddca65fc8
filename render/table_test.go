package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// tableCases are testdata/tables.md's answers, by name.
func tableCases(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/tables.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(b), "=====\n")
	names := []string{"nine", "prose", "cjk", "fits", "list"}
	if len(parts) != len(names) {
		t.Fatalf("testdata/tables.md has %d answers, want %d", len(parts), len(names))
	}
	cases := map[string]string{}
	for i, n := range names {
		cases[n] = parts[i]
	}
	return cases
}

// TestGoldenTables pins the render of wide tables at 40, 80 and 120
// columns, streamed in 7-byte pieces: nine columns, a long prose column,
// CJK and emoji, a table that fits (glamour's, as before), and one with
// too many columns for a grid (a name: value list). Update with:
// go test ./render -run GoldenTables -update
func TestGoldenTables(t *testing.T) {
	t.Parallel()
	for name, md := range tableCases(t) {
		for _, style := range []string{NoColor, Dark} {
			st, err := Style(style)
			if err != nil {
				t.Fatal(err)
			}
			for _, width := range []int{40, 80, 120} {
				t.Run(fmt.Sprintf("%s-%s-%d", name, style, width), func(t *testing.T) {
					t.Parallel()
					s := New(st, width)
					for n := 1; n < len(md); n += 7 {
						update(t, s, md[:n])
					}
					out, err := s.Final(md)
					if err != nil {
						t.Fatal(err)
					}
					checkTable(t, md, out, width)
					golden.RequireEqual(t, out)
				})
			}
		}
	}
}

// TestTableThatFitsIsGlamours checks that a table at the top level that
// fits the width is drawn by glamour, byte for byte as before.
func TestTableThatFitsIsGlamours(t *testing.T) {
	t.Parallel()
	md := tableCases(t)["fits"] + "\n" + strings.Split(answers(t)[0], "> A proxy")[0]
	for _, width := range []int{40, 80, 120} {
		tr, _ := newTermRenderer(dark, width)
		got, err := tr.Render(md)
		if err != nil {
			t.Fatal(err)
		}
		gr, _ := glamour.NewTermRenderer(glamour.WithStyles(dark), glamour.WithWordWrap(width), glamour.WithChromaFormatter(chromaFormatter))
		want, _ := gr.Render(md)
		if got != want {
			t.Errorf("width %d: %s", width, firstDiff(got, want))
		}
	}
}

// TestTableListLayout checks the fallback's shape: one block a row, each
// line "name: value", the blocks apart.
func TestTableListLayout(t *testing.T) {
	t.Parallel()
	tr, _ := newTermRenderer(notty, 40)
	out, err := tr.Render(tableCases(t)["list"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n  **a1**: one\n  **b2**: two\n", "\n  **u21**: twenty-one\n  \n  **a1**: x\n", "\n  **d4**:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the list layout has no %q:\n%s", want, out)
		}
	}
}

// TestShareWidths checks the max–min share on small cases.
func TestShareWidths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cols   []colSize
		budget int
		want   []int
		ok     bool
	}{
		{[]colSize{{5, 5, 1}, {3, 3, 1}}, 10, []int{5, 5}, true},                              // fits: the narrowest widens
		{[]colSize{{10, 4, 1}, {30, 6, 1}}, 20, []int{10, 10}, true},                          // the short column whole, the long one cut to the level
		{[]colSize{{8, 4, 1}, {30, 6, 1}, {30, 6, 1}}, 25, []int{8, 9, 8}, true},              // the level is 8; the cell over goes to the leftmost of the widest
		{[]colSize{{40, 30, 1}, {6, 6, 1}}, 20, []int{14, 6}, true},                           // a long word capped at half
		{[]colSize{{9, 9, 1}, {9, 9, 1}, {9, 9, 1}}, 11, nil, false},                          // three columns of at least 4 in 11
		{[]colSize{{2, 2, 1}, {2, 2, 1}, {20, 8, 2}, {1, 1, 1}}, 10, []int{2, 2, 5, 1}, true}, // narrow columns keep their width
	} {
		got, ok := shareWidths(c.cols, c.budget)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("shareWidths(%v, %d) = %v, %v; want %v, %v", c.cols, c.budget, got, ok, c.want, c.ok)
		}
	}
}

// TestTablesKeepEveryWord renders random tables at widths 20 to 160 and
// checks that no line is wider than the width and that no text is lost:
// every word of every cell is in the render, whole where it fits its
// column's width, and every character of the cells is there as often as
// in the cells. A sample of tables and widths, the same on every run;
// every width with -exhaustive.
func TestTablesKeepEveryWord(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(22, 0x7ab1e))
	tables := 60
	if *exhaustive {
		tables = 100
	}
	for i := range tables {
		md, cells := randomTable(rng)
		widths := []int{20 + rng.IntN(141), 20 + rng.IntN(141), 20 + rng.IntN(141)}
		if *exhaustive {
			widths = widths[:0]
			for w := 20; w <= 160; w++ {
				widths = append(widths, w)
			}
		}
		for _, width := range widths {
			tr, _ := newTermRenderer(notty, width)
			out, err := tr.Render(md)
			if err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				return
			}
			checkWords(t, fmt.Sprintf("table %d at %d", i, width), cells, out, width)
		}
	}
}

// checkTable checks a golden case as the property does.
func checkTable(t *testing.T, md, out string, width int) {
	t.Helper()
	var cells []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "|") && !strings.HasPrefix(l, "|--") && !strings.HasPrefix(l, "|:") {
			for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
				c = strings.NewReplacer("`", "", "**", "").Replace(strings.TrimSpace(c))
				cells = append(cells, c)
			}
		}
	}
	checkWords(t, "", cells, out, width)
}

func checkWords(t *testing.T, what string, cells []string, out string, width int) {
	t.Helper()
	plain := xansi.Strip(out)
	for _, l := range strings.Split(plain, "\n") {
		if w := xansi.StringWidth(l); w > width {
			t.Errorf("%s: a line is %d wide, more than %d: %q\n%s", what, w, width, l, plain)
			return
		}
	}
	have := map[rune]int{}
	for _, r := range plain {
		have[r]++
	}
	for _, c := range cells {
		for _, word := range strings.Fields(c) {
			if xansi.StringWidth(word) <= minCell && !strings.Contains(plain, word) {
				t.Errorf("%s: the word %q is lost:\n%s", what, word, plain)
			}
			for _, r := range word {
				have[r]--
			}
		}
	}
	for r, n := range have {
		if n < 0 {
			t.Errorf("%s: %q is %d times fewer in the render than in the cells:\n%s", what, r, -n, plain)
		}
	}
}

// randomTable is a table of 1 to 12 columns and 0 to 4 rows whose cells
// hold 0 to 12 words of 1 to 20 characters: letters, CJK, emoji.
func randomTable(rng *rand.Rand) (md string, cells []string) {
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789東京都大阪城説明🚀✨🍜")
	word := func() string {
		r := make([]rune, 1+rng.IntN(min(20, 1+rng.IntN(12))))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	cols := 1 + rng.IntN(12)
	var b strings.Builder
	row := func() {
		for range cols {
			words := make([]string, rng.IntN(13))
			for i := range words {
				words[i] = word()
			}
			c := strings.Join(words, " ")
			cells = append(cells, c)
			b.WriteString("| " + c + " ")
		}
		b.WriteString("|\n")
	}
	row()
	b.WriteString(strings.Repeat("|---", cols) + "|\n")
	for range rng.IntN(5) {
		row()
	}
	return b.String(), cells
}

// notty is the style without colour, whose tables are easy to read.
var notty = func() ansi.StyleConfig {
	s, err := Style(NoColor)
	if err != nil {
		panic(err)
	}
	return s
}()

// TestLiveScrollbackHoldsWideTables streams the wide tables into a
// terminal 40 columns wide and 12 rows high, where they are taller than
// the screen: the scrollback holds the final render once, whatever was
// printed of a table (once its columns were decided) and drawn meanwhile.
func TestLiveScrollbackHoldsWideTables(t *testing.T) {
	t.Parallel()
	const columns, rows = 40, 12
	cases := tableCases(t)
	cases["answer"] = answers(t)[len(answers(t))-1]
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			final, err := New(dark, columns).Final(a)
			if err != nil {
				t.Fatal(err)
			}
			tm := newTerm(t, columns, rows)
			l := newLive(tm, dark, columns, columns, rows)
			streamLive(l, a, func(int) {})
			if err := l.Finish(); err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(tm.lines(), "\n"), strings.Join(plainLines(final), "\n"); g != w {
				t.Errorf("the terminal differs from the final render: %s", firstDiff(g, w))
			}
		})
	}
}

// A table too wide for the width keeps all its text: its columns share
// the width and its cells wrap.
func Example_wideTable() {
	style, _ := Style(NoColor)
	md := "| Option | Cost | Why |\n|---|---|---|\n" +
		"| SQLite | free | one file on disk and no server to run |\n" +
		"| Postgres | low | roles, replication and extensions |\n"
	out, _ := New(style, 36).Final(md)
	for _, line := range strings.Split(strings.Trim(out, "\n"), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
	// Output:
	//    Option   | Cost | Why
	//   ----------|------|--------------
	//    SQLite   | free | one file on
	//             |      | disk and no
	//             |      | server to
	//             |      | run
	//    Postgres | low  | roles,
	//             |      | replication
	//             |      | and
	//             |      | extensions
}
