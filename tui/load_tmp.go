package tui

import "github.com/tokcli/tok/history"

// loadedMsg (baseline: replaced by the picker's).
type loadedMsg struct{ conv *history.Conversation }

func (m Model) handleLoaded(msg loadedMsg) Model {
	m.turns = turnsFrom(msg.conv)
	m.layout()
	return m
}
