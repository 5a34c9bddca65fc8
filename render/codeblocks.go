package render

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// CodeBlock is a fenced code block of an answer, as the model wrote it.
type CodeBlock struct {
	// Lang is the first word of the fence's info string ("go" for
	// ```go title=x), or "".
	Lang string
	// Text is the block's lines, dedented, without styling or wrapping,
	// joined by "\n", without a final newline.
	Text string
	// Closed reports whether a closing fence ended the block. An answer
	// that stopped mid-block ends in one that is not.
	Closed bool
}

// Lines is how many lines the block has.
func (b CodeBlock) Lines() int { return strings.Count(b.Text, "\n") + 1 }

// CodeBlocks returns the fenced code blocks of markdown, in order, for a
// clipboard or a pipe: tok's Alt+Y and --extract.
//
// The blocks are read from the markdown, not from its render, through
// goldmark's CommonMark parser (glamour's), so a fence inside a list item
// or a block quote is found with the item's indentation or the quote's
// "> " taken off, as it is drawn. Each block's text is then dedented:
// the leading whitespace its non-blank lines share is removed (a blank
// line loses what it has of it). A fence left open at the end (an
// answer that stopped) is a block that is not Closed. Blocks with no
// text but blank lines are left out. Indented code blocks (four spaces,
// no fence) are left out too: they have no language, and indented prose
// reads as one by accident, so a script could run it.
//
// The markdown is sanitised first (see Sanitize): no block carries a
// control sequence, and CRLF line ends are LF.
func CodeBlocks(markdown string) []CodeBlock {
	src := []byte(Sanitize(markdown))
	doc := codeParser().Parse(text.NewReader(src))
	var blocks []CodeBlock
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fc, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		var b strings.Builder
		for i := 0; i < fc.Lines().Len(); i++ {
			seg := fc.Lines().At(i)
			b.Write(seg.Value(src))
		}
		code := dedent(strings.TrimSuffix(b.String(), "\n"))
		if strings.TrimSpace(code) != "" {
			_, closed := fc.Attribute(closedAttr)
			blocks = append(blocks, CodeBlock{Lang: string(fc.Language(src)), Text: code, Closed: closed})
		}
		return ast.WalkSkipChildren, nil
	})
	return blocks
}

// codeParser is goldmark's CommonMark block parser, its fences marked
// when a closing fence ends them, and no inline parsing: only the block
// structure matters here.
func codeParser() parser.Parser {
	var blocks []util.PrioritizedValue
	for _, p := range parser.DefaultBlockParsers() {
		if bp, ok := p.Value.(parser.BlockParser); ok && bp == parser.NewFencedCodeBlockParser() {
			p.Value = closeMarker{bp}
		}
		blocks = append(blocks, p)
	}
	return parser.NewParser(parser.WithBlockParsers(blocks...))
}

// closedAttr marks a fenced code block that a closing fence ended.
var closedAttr = []byte("tok-closed")

// closeMarker is goldmark's fenced code block parser, which says when a
// closing fence ended a block: its Continue returns Close only then (at
// the end of the document, or of the list item or quote that holds it,
// the block is closed without a Continue).
type closeMarker struct{ parser.BlockParser }

func (c closeMarker) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	st := c.BlockParser.Continue(node, reader, pc)
	if st&parser.Close != 0 {
		node.SetAttribute(closedAttr, true)
	}
	return st
}

// dedent removes the leading spaces and tabs that code's non-blank lines
// share; a blank line loses as much of them as it has.
func dedent(code string) string {
	lines := strings.Split(code, "\n")
	prefix, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = lead, false
			continue
		}
		prefix = commonPrefix(prefix, lead)
	}
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = l[len(prefix):]
		} else { // a blank line with less of the prefix
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// JoinCode is blocks' text as a script reads it: each block ends in a
// newline, and a blank line separates one from the next.
func JoinCode(blocks []CodeBlock) string {
	var b bytes.Buffer
	for i, c := range blocks {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
