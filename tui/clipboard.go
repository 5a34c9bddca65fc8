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
	return m, m.copyText(md, "")
}

// copyText puts s on the clipboard, through the terminal and the
// system's; what says what was copied, for the status line ("" for
// the answer).
func (m Model) copyText(s, what string) tea.Cmd {
	write := m.cfg.Clipboard
	if write == nil {
		write = clipboard.WriteAll
	}
	return tea.Batch(tea.SetClipboard(s), func() tea.Msg {
		return copiedMsg{chars: len([]rune(s)), what: what, err: write(s)}
	})
}

// lastAnswer is the markdown of the latest answer with text.
func (m Model) lastAnswer() string {
	if t := m.lastAnswerTurn(); t != nil {
		return t.answer()
	}
	return ""
}

// lastAnswerTurn is the latest turn whose answer has text, or nil.
func (m Model) lastAnswerTurn() *turn {
	for i := len(m.turns) - 1; i >= 0; i-- {
		if strings.TrimSpace(m.turns[i].answer()) != "" {
			return m.turns[i]
		}
	}
	return nil
}

func copiedNotice(msg copiedMsg) string {
	if msg.what != "" {
		if msg.err != nil {
			return msg.what + " · through the terminal (OSC 52)"
		}
		return msg.what
	}
	if msg.err != nil {
		return fmt.Sprintf("copied the answer (%d characters) through the terminal (OSC 52)", msg.chars)
	}
	return fmt.Sprintf("copied the answer (%d characters) to the clipboard", msg.chars)
}
