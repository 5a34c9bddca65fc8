package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
	"github.com/tokcli/tok/render"
)

// copyAnswer copies the last answer's markdown: through the terminal
// (OSC 52, which works over SSH) and to the system clipboard where
// there is one. It is sanitised: pasted into a terminal, it must not
// carry the sequences the model sent.
func (m Model) copyAnswer() (tea.Model, tea.Cmd) {
	md := render.Sanitize(m.lastAnswer())
	if md == "" {
		m.notice = "no answer to copy yet"
		return m, nil
	}
	return m, tea.Batch(tea.SetClipboard(md), writeClipboard(md))
}

// lastAnswer is the markdown of the latest answer with text.
func (m Model) lastAnswer() string {
	for i := len(m.turns) - 1; i >= 0; i-- {
		if a := m.turns[i].answer(); strings.TrimSpace(a) != "" {
			return a
		}
	}
	return ""
}

func writeClipboard(s string) tea.Cmd {
	return func() tea.Msg {
		return copiedMsg{chars: len([]rune(s)), err: clipboard.WriteAll(s)}
	}
}

func copiedNotice(msg copiedMsg) string {
	if msg.err != nil {
		return fmt.Sprintf("copied the answer (%d characters) through the terminal (OSC 52)", msg.chars)
	}
	return fmt.Sprintf("copied the answer (%d characters) to the clipboard", msg.chars)
}
