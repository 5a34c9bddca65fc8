package render

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/glamour/v2/ansi"
)

// Doc is a finished answer's markdown cut into pieces that render one at
// a time, so a long answer shows its last screen, or redraws it at a new
// width, without rendering the rest. Cutting reads the text once and
// renders nothing; a [DocRenderer] renders a piece.
//
// Invariants:
//   - Pieces are cut only where [Stream] cuts finished blocks (a blank
//     line where no construct is open; see scanner), and each renders
//     after a stand-in of the block before it, as Stream renders its
//     finished blocks; so the pieces' lines, in order, are
//     Stream.Final's render of the whole, except where Stream declines a
//     cut because the block's lines change once the next block is
//     rendered after it (a case the tests look for and have not found).
//   - A link reference definition anywhere makes the whole one piece: it
//     can change any block.
//   - Model text is sanitized and tabs expanded, as Stream does.
type Doc struct {
	src    string
	starts []int    // where each piece starts; starts[0] is 0
	ctx    []string // a stand-in for the block before each piece; "" for the first
}

// NewDoc cuts markdown into pieces of about size bytes (one block may be
// longer).
func NewDoc(markdown string, size int) *Doc {
	src := markdown
	if !plain(markdown) {
		var clean Sanitizer
		src = clean.Clean(markdown) + clean.Flush()
	}
	src = strings.ReplaceAll(src, "\t", "    ")
	d := &Doc{src: src, starts: []int{0}, ctx: []string{""}}
	sc := newScanner()
	sc.scan(src)
	if sc.refDef {
		return d
	}
	prev := 0 // the start of the block before the cut
	for _, cut := range sc.cuts {
		if cut-d.starts[len(d.starts)-1] >= size {
			d.starts = append(d.starts, cut)
			d.ctx = append(d.ctx, standIn(src[prev:cut]))
		}
		prev = cut
	}
	return d
}

// Len returns the number of pieces, at least one.
func (d *Doc) Len() int { return len(d.starts) }

// Text returns piece i's markdown, sanitized.
func (d *Doc) Text(i int) string {
	end := len(d.src)
	if i+1 < len(d.starts) {
		end = d.starts[i+1]
	}
	return d.src[d.starts[i]:end]
}

// DocRenderer renders the pieces of [Doc]s at one style and width. It
// owns a glamour renderer, so it is not safe for concurrent use.
type DocRenderer struct {
	tr    *termRenderer
	width int
	heads map[string][]string // stand-ins' own lines
}

// NewDocRenderer returns a renderer of pieces at the style and width.
func NewDocRenderer(style ansi.StyleConfig, width int) (*DocRenderer, error) {
	tr, err := newTermRenderer(style, width)
	if err != nil {
		return nil, fmt.Errorf("new glamour renderer: %w", err)
	}
	return &DocRenderer{tr: tr, width: width, heads: map[string][]string{}}, nil
}

// Piece returns the lines piece i of d adds to d's render: every piece
// but the last without its trailing blank lines (the spacing after a
// block belongs to the block after it).
func (r *DocRenderer) Piece(d *Doc, i int) ([]string, error) {
	piece, ctx := d.Text(i), d.ctx[i]
	lines, err := r.lines(ctx + piece)
	if err != nil {
		return nil, err
	}
	if ctx != "" {
		head, err := r.head(ctx)
		if err != nil {
			return nil, err
		}
		if hasLinePrefix(lines, head) {
			lines = lines[len(head):]
		} else if lines, err = r.lines(piece); err != nil {
			return nil, err
		}
	}
	if i < d.Len()-1 {
		lines = trimBlankTail(lines)
	}
	return lines, nil
}

func (r *DocRenderer) head(ctx string) ([]string, error) {
	if h, ok := r.heads[ctx]; ok {
		return h, nil
	}
	h, err := r.lines(ctx)
	if err != nil {
		return nil, err
	}
	h = trimBlankTail(h)
	if len(ctx) < 256 { // the stand-in word; a list or quote block is kept only while short
		r.heads[ctx] = h
	}
	return h, nil
}

func (r *DocRenderer) lines(md string) ([]string, error) {
	out, err := r.tr.Render(md)
	if err != nil {
		return nil, fmt.Errorf("render markdown: %w", err)
	}
	return splitDoc(out), nil
}

// plain reports whether s is text the Sanitizer leaves as it is: valid
// UTF-8 without a control character (but newline and tab), DEL or a C1
// control. Most answers are, and skip the Sanitizer's rune-by-rune copy.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return false
		}
	}
	return utf8.ValidString(s)
}
