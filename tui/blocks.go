package tui

import (
	"github.com/tokcli/tok/render"
)

// blockKind is what a block of the transcript draws.
type blockKind int

const (
	blockHello    blockKind = iota // the greeting of an empty chat
	blockLive                      // the streaming turn: its head, body or end (painter.liveLines)
	blockQuestion                  // a finished turn's question
	blockText                      // a piece of a finished answer's text
	blockThinking                  // its reasoning, folded
	blockTool                      // a tool call
	blockEnding                    // how the answer ended, if not on its own
)

// block is a piece of the transcript that draws on its own. A finished
// turn is cut into blocks, its text into pieces of about pieceSize bytes
// (render.Doc), so the chat draws only the blocks on screen: opening a
// long conversation, or resizing it, costs what the window shows, not
// what the conversation holds. A block keeps its lines for the width and
// style they were drawn at.
//
// Invariant: a finished turn's blocks' lines, in order, are
// painter.lines' for the turn (the tests compare them).
type block struct {
	kind  blockKind
	turn  *turn
	part  *part
	piece int  // the piece of part's text, for blockText
	gap   bool // a blank line first: the block before ends in text
	lines []string
	width int // the width and style generation lines were drawn at
	gen   int
}

// pieceSize is about how much markdown one text block holds: a screen or
// two of text, a few milliseconds to render.
const pieceSize = 2 << 10

// blocks returns the finished turn's blocks, made once (retry drops them).
func (t *turn) finishedBlocks() []*block {
	if t.blocks != nil {
		return t.blocks
	}
	bs := []*block{{kind: blockQuestion, turn: t}}
	prev := blockQuestion
	for _, p := range t.parts {
		switch p.kind {
		case partText:
			if p.doc == nil {
				p.doc = render.NewDoc(p.text.String(), pieceSize)
			}
			for i := range p.doc.Len() {
				bs = append(bs, &block{kind: blockText, turn: t, part: p, piece: i})
			}
			prev = blockText
			continue
		case partThinking:
			bs = append(bs, &block{kind: blockThinking, turn: t, part: p, gap: prev == blockQuestion || prev == blockTool})
			prev = blockThinking
		case partTool:
			bs = append(bs, &block{kind: blockTool, turn: t, part: p, gap: prev == blockQuestion || prev == blockTool})
			prev = blockTool
		}
	}
	t.blocks = append(bs, &block{kind: blockEnding, turn: t})
	return t.blocks
}

// draw returns the block's lines at the painter's width and style.
func (p *painter) draw(b *block) []string {
	if b.lines != nil && b.width == p.width && b.gen == p.gen {
		return b.lines
	}
	var out []string
	if b.gap {
		out = append(out, "")
	}
	t := b.turn
	switch b.kind {
	case blockQuestion:
		if p.crashTest && t.question == "crash" {
			panic("a crash test in drawing")
		}
		out = append(append(out, ""), p.question(t.displayed())...)
	case blockText:
		out = append(out, p.piece(b.part, b.piece)...)
	case blockThinking:
		out = append(out, p.thinking(b.part, true)...)
	case blockTool:
		out = append(out, p.toolBlock(b.part, false)...)
	case blockEnding:
		out = append(out, p.ending(t)...)
	}
	if out == nil {
		out = []string{} // drawn, and empty
	}
	b.lines, b.width, b.gen = out, p.width, p.gen
	return out
}

// piece renders piece i of a finished text part; the last piece ends
// with one blank line, as painter.text's final render does.
func (p *painter) piece(part *part, i int) []string {
	r, err := p.docRenderer()
	var lines []string
	if err == nil {
		lines, err = r.Piece(part.doc, i)
	}
	if err != nil {
		lines = p.plain(part.doc.Text(i))
	}
	if i == part.doc.Len()-1 {
		return trimBlank(lines)
	}
	return lines
}

// docRenderer is the renderer of finished text at the painter's
// markdown width and style, made once for each.
func (p *painter) docRenderer() (*render.DocRenderer, error) {
	if p.docs != nil && p.docsWidth == p.mdWidth && p.docsGen == p.gen {
		return p.docs, nil
	}
	r, err := render.NewDocRenderer(*p.md, p.mdWidth)
	if err != nil {
		return nil, err
	}
	p.docs, p.docsWidth, p.docsGen = r, p.mdWidth, p.gen
	return r, nil
}
