package tui

import (
	"context"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/history"
)

// recallMax bounds the prompts Up walks: this process's and the
// history's together.
const recallMax = 1000

// recall is the input's history, as a shell's: Up on the input's first
// line puts the prompt sent before in the input, Down on its last line
// the one after, and Down past the newest gives back the draft that was
// being typed. The prompts are this process's, newest first, then the
// history's (the saved conversations', across runs), each once.
//
// A prompt recalled and edited is sent as edited; walking on from it
// drops the edit (the draft alone is kept), as bash does without
// history-preserve.
type recall struct {
	entries []string // newest first, each once, at most recallMax
	pos     int      // the entry in the input, or -1: the draft
	draft   string   // the input as it was before the walk began
}

func newRecall() recall { return recall{pos: -1} }

// add puts a prompt just sent at the front, and ends the walk.
func (r *recall) add(q string) {
	r.pos, r.draft = -1, ""
	if len(q) > history.PromptMax {
		return // as the history's own are left out
	}
	out := make([]string, 0, min(len(r.entries)+1, recallMax))
	out = append(out, q)
	for _, e := range r.entries {
		if e != q && len(out) < recallMax {
			out = append(out, e)
		}
	}
	r.entries = out
}

// merge adds the history's prompts, newest first, behind this
// process's: they were asked before it started. The walk's place holds.
func (r *recall) merge(saved []string) {
	out := slices.Clip(r.entries)
	for _, e := range saved {
		if len(out) < recallMax && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	r.entries = out
}

// reset ends the walk and forgets the draft: the input was cleared.
func (r *recall) reset() { r.pos, r.draft = -1, "" }

// hasOlder reports whether there is an entry before the one shown.
func (r *recall) hasOlder() bool { return r.pos+1 < len(r.entries) }

// walking reports whether the input shows an entry, not the draft.
func (r *recall) walking() bool { return r.pos >= 0 }

// older is the entry before the one shown, keeping current as the draft
// when the walk begins; false at the oldest.
func (r *recall) older(current string) (string, bool) {
	if r.pos+1 >= len(r.entries) {
		return "", false
	}
	if r.pos < 0 {
		r.draft = current
	}
	r.pos++
	return r.entries[r.pos], true
}

// newer is the entry after the one shown, or the draft past the newest;
// false when not walking.
func (r *recall) newer() (string, bool) {
	switch {
	case r.pos < 0:
		return "", false
	case r.pos == 0:
		r.pos = -1
		d := r.draft
		r.draft = ""
		return d, true
	}
	r.pos--
	return r.entries[r.pos], true
}

// promptsMsg is the history's prompts, for the walk.
type promptsMsg struct {
	prompts []string
	err     error
}

// loadPrompts reads the history's newest prompts.
func loadPrompts(st *history.Store) tea.Cmd {
	return func() tea.Msg {
		p, err := st.Prompts(context.Background(), recallMax)
		return promptsMsg{p, err}
	}
}

// handlePrompts takes the history's prompts. A history that cannot be
// read costs the walk its older prompts and nothing else: the chat says
// so when it saves (or cannot).
func (m Model) handlePrompts(msg promptsMsg) Model {
	if msg.err == nil {
		m.recall.merge(msg.prompts)
		m.syncKeys()
	}
	return m
}

// handleSessionKey routes the keys that change what the input holds or
// what the next question goes to: Up on the input's first line and Down
// on its last walk the prompts sent (recall), Ctrl+N starts a new
// conversation (newchat.go), Ctrl+L picks an endpoint (endpoints.go).
// done reports whether msg was one of them.
func (m Model) handleSessionKey(msg tea.KeyPressMsg) (next tea.Model, cmd tea.Cmd, done bool) {
	switch {
	case key.Matches(msg, m.keys.NewChat):
		next, cmd = m.newConversation()
	case key.Matches(msg, m.keys.Endpoint):
		next, cmd = m.openEndpoints()
	case key.Matches(msg, m.keys.Older) && m.onFirstLine() && m.recall.hasOlder():
		next, cmd = m.recallOlder()
	case key.Matches(msg, m.keys.Newer) && m.onLastLine() && m.recall.walking():
		next, cmd = m.recallNewer()
	default:
		return m, nil, false
	}
	return next, cmd, true
}

// handleSessionMsg takes the history's prompts, or the endpoint Ctrl+L
// picked.
func (m Model) handleSessionMsg(msg tea.Msg) Model {
	switch msg := msg.(type) {
	case promptsMsg:
		return m.handlePrompts(msg)
	case switchedMsg:
		return m.handleSwitched(msg)
	}
	return m
}

// recallsHistory reports whether the walk reads the saved prompts: only
// when the chat saves its own (not with --no-save, nor without a
// history).
func (c Config) recallsHistory() bool { return c.History != nil && c.Save }

// onFirstLine reports whether the input's cursor is on its first row,
// where Up leaves the text for the prompt before.
func (m *Model) onFirstLine() bool {
	return m.input.Line() == 0 && m.input.LineInfo().RowOffset == 0
}

// onLastLine reports whether the input's cursor is on its last row.
func (m *Model) onLastLine() bool {
	li := m.input.LineInfo()
	return m.input.Line() == m.input.LineCount()-1 && li.RowOffset >= li.Height-1
}

// recallOlder shows the prompt sent before the one in the input.
func (m Model) recallOlder() (tea.Model, tea.Cmd) {
	q, ok := m.recall.older(m.input.Value())
	if !ok {
		return m, nil
	}
	m.setDraft(q)
	return m, nil
}

// recallNewer shows the prompt sent after the one in the input, or the
// draft.
func (m Model) recallNewer() (tea.Model, tea.Cmd) {
	q, ok := m.recall.newer()
	if !ok {
		return m, nil
	}
	m.setDraft(q)
	return m, nil
}

// setDraft puts s in the input, the cursor at its end, and gives the
// transcript the rows the input leaves.
func (m *Model) setDraft(s string) {
	h := m.input.Height()
	m.input.SetValue(s)
	if m.input.Height() != h {
		m.layout()
	}
	m.syncKeys()
}
