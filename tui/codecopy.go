package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/render"
)

// codeCopy is where Alt+Y is among the last answer's code blocks, and
// those blocks, read once per answer text (render.CodeBlocks).
type codeCopy struct {
	back int // the blocks copied back from the last: 1 is the last; 0, none yet

	turn   *turn // the answer the blocks are of
	size   int   // its text's length when they were read
	blocks []render.CodeBlock
}

// copyCode copies the last answer's last code block; pressed again, the
// one before it, and after the first the last again (any other key
// starts again at the last: handleKey). The block's text is as the model
// wrote it, dedented, without the styling or the wrapping on screen.
func (m Model) copyCode() (tea.Model, tea.Cmd) {
	blocks := m.codeBlocks()
	if len(blocks) == 0 {
		m.code.back = 0
		m.notice = "no code block in the last answer"
		return m, nil
	}
	m.code.back = m.code.back%len(blocks) + 1
	i := len(blocks) - m.code.back
	what := "copied " + blockLabel(blocks[i], i, len(blocks))
	m.notice = what
	return m, m.copyText(blocks[i].Text, what)
}

// blockLabel says which block b is: "block 2/3 · go · 14 lines".
func blockLabel(b render.CodeBlock, i, n int) string {
	s := fmt.Sprintf("block %d/%d", i+1, n)
	if b.Lang != "" {
		s += " · " + render.Line(b.Lang, 20)
	}
	if lines := b.Lines(); lines == 1 {
		s += " · 1 line"
	} else {
		s += fmt.Sprintf(" · %d lines", lines)
	}
	return s
}

// hasCode reports whether the last answer has a code block, for the
// help line.
func (m *Model) hasCode() bool { return len(m.codeBlocks()) > 0 }

// codeBlocks are the last answer's code blocks. They are read again only
// when the answer is another, or its text grew; a new answer starts
// Alt+Y again at its last block.
func (m *Model) codeBlocks() []render.CodeBlock {
	t := m.lastAnswerTurn()
	if t == nil {
		m.code = codeCopy{}
		return nil
	}
	if size := answerSize(t); t != m.code.turn || size != m.code.size {
		back := m.code.back
		if t != m.code.turn {
			back = 0
		}
		m.code = codeCopy{back: back, turn: t, size: size, blocks: render.CodeBlocks(t.answer())}
	}
	return m.code.blocks
}

// answerSize is the length of t.answer(), without building it: the help
// line asks on every key.
func answerSize(t *turn) int {
	n := 0
	for _, p := range t.parts {
		if p.kind == partText {
			n += p.text.Len()
		}
	}
	return n
}
