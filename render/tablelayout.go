package render

import (
	"strings"

	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	astext "github.com/yuin/goldmark/extension/ast"
)

// minCell is the narrowest a column is made, unless its text is
// narrower: below it, a table is shown as a list (see shareWidths).
const minCell = 4

// wholeWord is the longest word a grid keeps whole: a table whose columns
// cannot each hold their words up to this long is shown as a list, since
// a grid whose words break inside ("gatewa" / "y") is harder to read than
// name: value lines. A longer word (a path, a URL) breaks.
const wholeWord = 10

// glyphs are the lines a grid is drawn with: glamour's (Lip Gloss's normal
// border, or the style's separators).
type glyphs struct{ col, row, cross string }

func glyphsOf(s ansi.StyleTable) glyphs {
	g := glyphs{col: "│", row: "─", cross: "┼"}
	if s.ColumnSeparator != nil && s.RowSeparator != nil {
		g.col, g.row = *s.ColumnSeparator, *s.RowSeparator
		if s.CenterSeparator != nil {
			g.cross = *s.CenterSeparator
		}
	}
	return g
}

// columns is the table's column count: the widest row's.
func (tb *table) columns() int {
	n := len(tb.head)
	for _, r := range tb.rows {
		n = max(n, len(r))
	}
	return n
}

// each calls f with every cell of column j, header first; a missing cell
// is "".
func (tb *table) each(j int, f func(cell string)) {
	for _, r := range append([][]string{tb.head}, tb.rows...) {
		if j < len(r) {
			f(r[j])
		} else {
			f("")
		}
	}
}

// colSize is what a column's cells ask of its width.
type colSize struct {
	max   int // the widest cell: the width at which nothing wraps
	word  int // the widest word (or part of one after a hyphen): the width at which no word breaks
	glyph int // the widest character: the least width that holds the text
}

func (tb *table) sizes() []colSize {
	cols := make([]colSize, tb.columns())
	for j := range cols {
		c := colSize{glyph: 1}
		tb.each(j, func(cell string) {
			c.max = max(c.max, xansi.StringWidth(cell))
			for _, w := range strings.FieldsFunc(xansi.Strip(cell), isSpace) {
				for _, part := range strings.SplitAfter(w, "-") { // xansi.Wrap breaks after a hyphen
					c.word = max(c.word, xansi.StringWidth(part))
				}
				for _, g := range w {
					c.glyph = max(c.glyph, xansi.StringWidth(string(g)))
				}
			}
		})
		cols[j] = c
	}
	return cols
}

// natural is the width glamour draws the table at without shrinking it:
// each column as wide as its widest cell, a space either side, and a
// separator between columns.
func (tb *table) natural() int {
	w := 3*tb.columns() - 1
	for _, c := range tb.sizes() {
		w += c.max
	}
	return w
}

// shareWidths decides the widths of the columns' text in a grid whose
// text is budget wide, and reports false when no grid fits.
//
// A table that fits is as wide as the budget, as glamour draws one: the
// narrowest column widens, one at a time. Else each column gets its
// minimum, its widest word (capped at wholeWord, or half the budget if
// that is less, but never below minCell or the column's own width), and
// the rest of the width goes max–min fairly (share): the columns that
// want little get it all, the widest are cut to one level. If the
// minimums cannot fit, there is no grid.
func shareWidths(cols []colSize, budget int) ([]int, bool) {
	n := len(cols)
	w := make([]int, n)
	if n == 0 {
		return w, true
	}
	total := 0
	for j, c := range cols {
		w[j] = c.max
		total += c.max
	}
	if total <= budget {
		for ; total < budget; total++ {
			w[narrowest(w)]++
		}
		return w, true
	}
	word := max(minCell, min(wholeWord, budget/2))
	mins, floor := make([]int, n), 0
	for j, c := range cols {
		mins[j] = max(c.glyph, min(c.max, c.word, word), min(c.max, minCell))
		floor += mins[j]
	}
	if floor > budget {
		return nil, false
	}
	share(w, mins, cols, budget-floor)
	return w, true
}

// share sets w to mins plus rest shared max–min fairly: the columns
// that want little get all they want, and the rest are cut to one level,
// the highest at which the widths still add up to the budget (water
// filling). So a table with one long prose column wraps that column and
// leaves the short ones whole, where a share in proportion to the want
// would wrap every column a little. Cells left over from the level go to
// the columns at it that want the most, leftmost first.
func share(w, mins []int, cols []colSize, rest int) {
	budget, top := rest, 0
	for j, c := range cols {
		budget += mins[j]
		top = max(top, c.max)
	}
	at := func(level int) int {
		sum := 0
		for j, c := range cols {
			w[j] = max(mins[j], min(level, c.max))
			sum += w[j]
		}
		return sum
	}
	lo, hi := 0, top // at(lo) <= budget, the mins fit
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if at(mid) <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for given := at(lo); given < budget; given++ {
		best := -1
		for j, c := range cols {
			if w[j] == lo && w[j] < c.max && (best < 0 || c.max > cols[best].max) {
				best = j
			}
		}
		if best < 0 {
			return
		}
		w[best]++
	}
}

// isSpace is where xansi.Wrap may break a line (a no-break space is not).
func isSpace(r rune) bool { return r == ' ' || r == '\t' }

func narrowest(w []int) int {
	at := 0
	for j := range w {
		if w[j] < w[at] {
			at = j
		}
	}
	return at
}

// layout draws the table width wide: a grid, or a list if no grid fits.
func (tb *table) layout(width int, g glyphs) []string {
	n := tb.columns()
	if w, ok := shareWidths(tb.sizes(), width-(3*n-1)); ok {
		return tb.grid(w, g)
	}
	return tb.list(width)
}

// grid draws the table as glamour does, its cells wrapped in their
// columns: a space either side of each cell, a separator between, and a
// rule under the header.
func (tb *table) grid(w []int, g glyphs) []string {
	lines := tb.row(tb.head, w, g)
	rule := make([]string, len(w))
	for j := range w {
		rule[j] = strings.Repeat(g.row, w[j]+2)
	}
	lines = append(lines, strings.Join(rule, g.cross))
	for _, r := range tb.rows {
		lines = append(lines, tb.row(r, w, g)...)
	}
	return lines
}

func (tb *table) row(cells []string, w []int, g glyphs) []string {
	wrapped := make([][]string, len(w))
	height := 1
	for j := range w {
		if j < len(cells) {
			wrapped[j] = wrapCell(cells[j], w[j])
		}
		height = max(height, len(wrapped[j]))
	}
	lines := make([]string, height)
	parts := make([]string, len(w))
	for i := range lines {
		for j := range w {
			s := ""
			if i < len(wrapped[j]) {
				s = wrapped[j][i]
			}
			parts[j] = " " + tb.pad(s, w[j], j) + " "
		}
		lines[i] = strings.Join(parts, g.col)
	}
	return lines
}

// pad aligns s in a column width wide, as the table's delimiter row says.
func (tb *table) pad(s string, width, j int) string {
	gap := max(0, width-xansi.StringWidth(s))
	a := astext.AlignNone
	if j < len(tb.align) {
		a = tb.align[j]
	}
	switch a {
	case astext.AlignRight:
		return strings.Repeat(" ", gap) + s
	case astext.AlignCenter:
		return strings.Repeat(" ", gap/2) + s + strings.Repeat(" ", gap-gap/2)
	}
	return s + strings.Repeat(" ", gap)
}

// list draws the table as one block of "name: value" lines a row, for a
// width too narrow for its columns; a value's wrapped lines are indented.
func (tb *table) list(width int) []string {
	keys := tb.keys
	if len(keys) == 0 {
		keys = tb.head
	}
	rows := tb.rows
	if len(rows) == 0 {
		rows = [][]string{nil} // the names alone
	}
	var lines []string
	for i, r := range rows {
		if i > 0 {
			lines = append(lines, "")
		}
		for j := range tb.columns() {
			key, cell := "", ""
			if j < len(keys) {
				key = keys[j]
			}
			if j < len(r) {
				cell = r[j]
			}
			item := strings.TrimRight(key+": "+cell, " ")
			for k, l := range wrapCell(item, max(width-2, 2)) {
				if k > 0 {
					l = "  " + l
				}
				lines = append(lines, l)
			}
		}
	}
	return lines
}
