package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
)

// viewMemo keeps the last View's pieces, so that a View costs what
// changed on the screen, not the whole screen: Bubble Tea asks for a View
// after every message, and while an answer streams most messages (a
// stream's events, drawn at the next frame) change nothing visible.
//
// Invariant: the memo changes the cost of View, never its result. The
// whole screen is kept for a version of the model (see Model.touch),
// which every message but a stream's events takes anew; the input's and
// the help line's pieces, the dearest to draw, are kept for what they
// are drawn from (inputKey, the help's bindings), so a frame of the
// transcript does not draw them again.
//
// Copies of a Model share their memo; versions are handed out by the
// memo, so two copies that went different ways never share a version.
type viewMemo struct {
	seq   int       // the last version handed out
	ticks time.Time // when Bubble Tea's renderer began to tick (Init)

	ver     int // the version content and cursor were drawn for
	content string
	cursor  *tea.Cursor

	header    string
	headerKey headerKey
	input     string
	inputCur  *tea.Cursor
	inputKey  inputKey
	inputOK   bool
	help      string
	helpKeys  []helpEntry // the bindings the help line shows
	helpSize  [2]int      // and the width and style generation
	rule      string
	ruleKey   [2]int // width, style generation
	b         strings.Builder
}

// touch gives the model a new version: what it shows may have changed.
func (m *Model) touch() {
	if m.memo != nil {
		m.memo.seq++
		m.ver = m.memo.seq
	}
}

// screen is the whole screen and the terminal cursor's place (nil: no
// cursor), drawn again only if the model changed since the last View.
func (m Model) screen() (string, *tea.Cursor) {
	c := m.memo
	if c.ver == m.ver && c.content != "" {
		return c.content, c.cursor
	}
	input, cur := m.inputView()
	inputTop := m.scroll.height + 2
	b := &c.b
	b.Reset()
	b.Grow(len(c.content))
	for i, s := range [...]string{m.headerView(), m.windowView(), m.ruleView(), input, m.statusView(), m.helpView()} {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	if cur != nil {
		moved := *cur
		moved.Y += inputTop
		cur = &moved
	}
	c.ver, c.content, c.cursor = m.ver, b.String(), cur
	return c.content, c.cursor
}

// inputKey is what the input's view is drawn from.
type inputKey struct {
	value, prompt, placeholder  string
	line, col, top              int
	width, height, gen          int
	focused, virtual, selecting bool
	from, to                    textarea.Position
}

// inputView is the input's view and its cursor, drawn again only when
// the input changed.
func (m Model) inputView() (string, *tea.Cursor) {
	from, to, sel := m.input.Selection()
	k := inputKey{value: m.input.Value(), prompt: m.input.Prompt, placeholder: m.input.Placeholder,
		line: m.input.Line(), col: m.input.Column(), top: m.input.ScrollYOffset(),
		width: m.input.Width(), height: m.input.Height(), gen: m.paint.gen,
		focused: m.input.Focused(), virtual: m.input.VirtualCursor(), selecting: sel, from: from, to: to}
	c := m.memo
	if !c.inputOK || c.inputKey != k {
		c.input, c.inputCur, c.inputKey, c.inputOK = m.input.View(), m.input.Cursor(), k, true
	}
	return c.input, c.inputCur
}

// headerKey is what the header is drawn from (the endpoint changes
// with Ctrl+L).
type headerKey struct {
	endpoint       string
	model, dialect string
	width, gen     int
}

// helpEntry is a binding as the help line shows it.
type helpEntry struct {
	help key.Help
	on   bool
}

// Frames are drawn in time for Bubble Tea's renderer, which writes the
// latest view to the terminal on a ticker of its own, at 60 Hz from just
// before Init (charm.land/bubbletea/v2 Program.Run, startRenderer). A
// frame drawn frameMargin before a tick is on the terminal at the tick:
// a token waits for one tick at most, not for one of the chat's frames
// and then one of the renderer's; and every frame drawn is one written.
const (
	rendererTick = time.Second / 60 // Bubble Tea's default FPS, as it computes it
	frameMargin  = 2 * time.Millisecond
)

// frameDue is when to draw the events that arrived at now: frameMargin
// before the renderer's next tick (one due a moment ago is still due).
func (m *Model) frameDue(now time.Time) time.Time {
	ticks := time.Unix(0, 0) // no Init (tests): any phase
	if m.memo != nil && !m.memo.ticks.IsZero() {
		ticks = m.memo.ticks
	}
	since := now.Sub(ticks) + frameMargin - time.Millisecond
	return ticks.Add((since/rendererTick+1)*rendererTick - frameMargin)
}
