package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
)

// inputMaxHeight is how tall the input grows before it scrolls.
const inputMaxHeight = 6

// newInput returns the question box: Enter sends (the chat handles it),
// Alt+Enter or Ctrl+J breaks the line, and the keys the transcript
// scrolls with are taken out of its map. Its emacs keys (Ctrl+A, E, K,
// U, W …) stay: the chat takes Ctrl+U and Ctrl+T only when the input
// has no use for them (actions.go), and Ctrl+E only after Ctrl+X.
func newInput() textarea.Model {
	ta := textarea.New()
	ta.Placeholder = "Ask anything · enter sends · ctrl+j for a new line"
	ta.ShowLineNumbers = false
	ta.Prompt = "┃ "
	ta.CharLimit = 0
	ta.DynamicHeight = true
	ta.MinHeight = 1
	ta.MaxHeight = inputMaxHeight
	ta.SetVirtualCursor(false)
	ta.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"))
	ta.KeyMap.LineNext.SetKeys("down") // ctrl+n starts a new conversation
	ta.KeyMap.PageUp.SetKeys()
	ta.KeyMap.PageDown.SetKeys()
	ta.KeyMap.InputEnd.SetKeys("alt+>") // ctrl+end follows the transcript
	return ta
}

// updateInput hands msg to the input; if the input grew or shrank, the
// transcript gets the rows it left.
func (m Model) updateInput(msg tea.Msg) (tea.Model, tea.Cmd) {
	h := m.input.Height()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Height() != h {
		m.layout()
	}
	m.syncKeys()
	return m, cmd
}
