package render

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	east "github.com/yuin/goldmark-emoji/ast"
	"github.com/yuin/goldmark-emoji/definition"
	"github.com/yuin/goldmark/ast"
	astext "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// tables lays out the markdown tables glamour would cut. Glamour draws a
// table with Lip Gloss's table, which at a width too narrow for it
// shrinks columns below their words, never wraps a header, and cuts what
// is left over; so tok takes those tables out of glamour's hands:
//
//   - A table at the top level that fits the width is glamour's, as it
//     always was.
//   - Any other table (one inside a quote or a list item too, whose
//     rule glamour draws without the quote bar) is replaced, before
//     glamour renders, by a one-line paragraph holding a token, an OSC
//     sequence that model text cannot hold (it is sanitized). Glamour
//     renders the rest of the answer around it, and place swaps the
//     token's line for tok's layout of the table, each line behind the
//     token's prefix (margin, quote bar) and as wide as the room to its
//     right: a grid whose columns share the width fairly and whose cells
//     wrap (see shareWidths), or a list of "name: value" blocks where
//     even that cannot fit.
//   - Cells are rendered by glamour's own elements in glamour's table
//     style, so they look as glamour's cells do; links are shown inline
//     rather than in a list after the table.
//
// The layout is a function of the table's text and the width alone, so a
// table's lines are the same however the answer around it was cut (see
// Stream).
type tables struct {
	opts   ansi.Options
	cells  *ansi.ANSIRenderer // renders cells (made on first use); its context has no block open
	ctx    ansi.RenderContext
	placed []*table // the tables the current render replaced by tokens
	err    error
}

// table is a table's cells, rendered.
type table struct {
	token string
	head  []string // the header row
	keys  []string // the header row in the strong style, for the list layout
	rows  [][]string
	align []astext.Alignment
}

func newTables(opts ansi.Options) *tables { return &tables{opts: opts} }

// renderer makes the cells' renderer when a table first needs it: most
// answers have none.
func (t *tables) renderer() {
	if t.cells == nil {
		opts := t.opts
		opts.InlineTableLinks = true
		t.cells, t.ctx = ansi.NewRenderer(opts), ansi.NewRenderContext(opts)
	}
}

func (t *tables) reset() { t.placed, t.err = t.placed[:0], nil }

// Transform implements parser.ASTTransformer.
func (t *tables) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var found []*astext.Table
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if tn, ok := n.(*astext.Table); ok && entering {
			found = append(found, tn)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if len(found) == 0 {
		return
	}
	t.renderer()
	src := reader.Source()
	for _, n := range found {
		tb := t.read(n, src)
		if n.Parent().Kind() == ast.KindDocument && tb.natural() <= t.docWidth() {
			continue // glamour's: it fits
		}
		tb.token = fmt.Sprintf("\x1b]9999;tok-table-%d\a", len(t.placed))
		tb.keys = t.keys(tb.head)
		// An emoji is the one inline node glamour renders from its own
		// bytes rather than from the source's.
		p := ast.NewParagraph()
		p.AppendChild(p, east.NewEmoji(nil, &definition.Emoji{Unicode: []rune(tb.token)}))
		n.Parent().ReplaceChild(n.Parent(), n, p)
		t.placed = append(t.placed, tb)
	}
}

// read renders a table's cells.
func (t *tables) read(n *astext.Table, src []byte) *table {
	tb := &table{align: n.Alignments}
	for row := n.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, t.cell(c, src))
		}
		if row.Kind() == astext.KindTableHeader {
			tb.head = cells
		} else {
			tb.rows = append(tb.rows, cells)
		}
	}
	return tb
}

// keys renders the header row's text in the strong style, as glamour
// renders **text**: the names of the list layout.
func (t *tables) keys(head []string) []string {
	keys := make([]string, len(head))
	for j, h := range head {
		var b bytes.Buffer
		el := &ansi.BaseElement{Token: xansi.Strip(h), Style: t.opts.Styles.Strong}
		if err := el.Render(&b, t.ctx); err != nil && t.err == nil {
			t.err = fmt.Errorf("render table header: %w", err)
		}
		keys[j] = b.String()
	}
	return keys
}

// cell renders a cell's inline content as glamour's TableCellElement does.
func (t *tables) cell(c ast.Node, src []byte) string {
	var b bytes.Buffer
	style := t.opts.Styles.Table.StylePrimitive
	for n := c.FirstChild(); n != nil; n = n.NextSibling() {
		el := t.cells.NewElement(n, src).Renderer
		if el == nil {
			continue
		}
		var err error
		if r, ok := el.(ansi.StyleOverriderElementRenderer); ok {
			err = r.StyleOverrideRender(&b, t.ctx, style)
		} else {
			var bb bytes.Buffer
			if err = el.Render(&bb, t.ctx); err == nil {
				err = (&ansi.BaseElement{Token: bb.String(), Style: style}).Render(&b, t.ctx)
			}
		}
		if err != nil && t.err == nil {
			t.err = fmt.Errorf("render table cell: %w", err)
		}
	}
	return strings.ReplaceAll(b.String(), "\n", " ")
}

// docWidth is the width glamour gives a table at the top level.
func (t *tables) docWidth() int {
	d := t.opts.Styles.Document
	return t.opts.WordWrap - int(deref(d.Indent)) - 2*int(deref(d.Margin))
}

// place swaps each token's line in glamour's output for its table. The
// table starts a line of its own, behind the line's indent (the margin,
// quote bars); glamour may have run other text of a list item into the
// token's line, which keeps its own lines, before and after the table.
// The tokens come in the order of the tables in the text, and so in the
// output: one pass writes it, whatever the number of tables.
func (t *tables) place(out string) string {
	if len(t.placed) == 0 {
		return out
	}
	var b strings.Builder
	b.Grow(len(out))
	done := 0 // out[:done] is written
	for _, tb := range t.placed {
		at := strings.Index(out[done:], tb.token)
		if at < 0 {
			continue
		}
		at += done
		start := strings.LastIndexByte(out[:at], '\n') + 1
		end := len(out)
		if i := strings.IndexByte(out[at:], '\n'); i >= 0 {
			end = at + i
		}
		b.WriteString(out[done:start])
		t.placeOne(&b, tb, out[start:at], out[at+len(tb.token):end])
		done = end
	}
	b.WriteString(out[done:])
	return b.String()
}

// placeOne writes the lines of tb in place of its token's line, where
// before and after are what the line holds around the token.
func (t *tables) placeOne(b *strings.Builder, tb *table, before, after string) {
	indent := t.indent(before)
	width := t.opts.WordWrap - xansi.StringWidth(indent) - int(deref(t.opts.Styles.Document.Margin))
	if len(indent) < len(before) && strings.TrimSpace(xansi.Strip(before[len(indent):])) != "" {
		b.WriteString(strings.TrimRight(before, " ") + "\n")
	}
	for i, l := range tb.layout(width, glyphsOf(t.opts.Styles.Table)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(indent + l)
	}
	if rest := strings.TrimSpace(xansi.Strip(after)); rest != "" {
		b.WriteString("\n" + indent + strings.TrimLeft(after, " "))
	}
}

// indent is the start of a line that holds nothing but spaces, quote
// bars and their styles: what each line of a table placed there starts
// with.
func (t *tables) indent(line string) string {
	bar := " "
	if tok := t.opts.Styles.BlockQuote.IndentToken; tok != nil {
		bar += *tok
	} else {
		bar += "│"
	}
	end := 0
	for i := 0; i < len(line); {
		if line[i] == '\x1b' {
			i += escLen(line[i:])
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		if !strings.ContainsRune(bar, r) {
			break
		}
		i += size
		end = i
	}
	return line[:end]
}

func deref(u *uint) uint {
	if u == nil {
		return 0
	}
	return *u
}
