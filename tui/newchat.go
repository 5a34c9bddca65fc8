package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// earlierChat is a conversation Ctrl+N set aside: its turns stay for
// the transcript printed on exit, and its id, if it was saved, says
// where the history keeps it.
type earlierChat struct {
	id    string
	turns []*turn
}

// newConversation is Ctrl+N: the transcript clears and the next question
// begins a new conversation, with a new id in the history; the one set
// aside was saved as it streamed, each answer's end included, so there
// is nothing left to close. While an answer streams it says to stop it
// first, as Ctrl+S and Ctrl+L do: a key pressed to start afresh should
// not throw away an answer still arriving. The draft stays.
func (m Model) newConversation() (tea.Model, tea.Cmd) {
	switch {
	case m.live() != nil:
		m.notice = "stop the answer (esc) first, then ctrl+n starts a new conversation"
		return m, nil
	case len(m.turns) == 0:
		m.notice = "this conversation is new already"
		return m, nil
	}
	m.earlier = append(m.earlier, earlierChat{id: m.convID, turns: m.turns})
	m.notice = "a new conversation"
	if m.convID != "" && m.cfg.History != nil {
		m.notice += fmt.Sprintf(" · the last one is saved: tok history show %s", m.convID[:min(8, len(m.convID))])
	}
	m.turns, m.convID = nil, ""
	m.model, m.dialect = "", ""
	m.scroll.bottom(m.source())
	m.syncKeys()
	return m, nil
}

// earlierText is the conversations Ctrl+N set aside, for the transcript
// printed on exit: each one's turns as draw writes them (a note for
// those loaded from the history), then a line that says a new one began.
func (m Model) earlierText(draw func(*turn) string) string {
	var b strings.Builder
	for _, e := range m.earlier {
		b.WriteString(loadedNote(e.turns, e.id))
		for _, t := range e.turns {
			if !t.loaded {
				b.WriteString(draw(t))
			}
		}
		b.WriteString("\n  ── a new conversation (ctrl+n) ──\n")
	}
	return b.String()
}
