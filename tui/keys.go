package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key the chat answers, outside the input's own editing
// keys. The help line shows only the keys that do something in the
// current state (see Model.syncKeys).
type keyMap struct {
	Send      key.Binding
	Newline   key.Binding // shown in help; the input handles it
	Stop      key.Binding
	Interrupt key.Binding // Ctrl+C: stops an answer, else clears the draft, else quits
	Quit      key.Binding // Ctrl+D on an empty input
	Retry     key.Binding
	Copy      key.Binding
	CopyCode  key.Binding // the last answer's code blocks, last first (codecopy.go); shown with Copy
	Edit      key.Binding // the draft in $EDITOR (editor.go); also CtrlX, then CtrlXE
	CtrlX     key.Binding // Ctrl+X Ctrl+E edits, as in bash
	CtrlXE    key.Binding
	Page      key.Binding // the last answer in $PAGER
	PageUp    key.Binding
	PageDown  key.Binding
	HalfUp    key.Binding // on an empty input; else the input's own Ctrl+U
	Follow    key.Binding
	Pick      key.Binding // the saved conversations
	Older     key.Binding // up on the input's first line: the prompt sent before (recall.go)
	Newer     key.Binding // down on its last line, while walking: the one after
	NewChat   key.Binding // a new conversation (newchat.go)
	Endpoint  key.Binding // the config file's endpoints, for the next question (endpoints.go)
	Expand    key.Binding // tool results whole, or folded; else the input's own Ctrl+T
	Approve   key.Binding // shown in help while a tool call waits; approval.go reads the keys

	live []key.Binding // the bindings the help line shows
}

func defaultKeyMap() keyMap {
	return keyMap{
		Send:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Newline:   key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"), key.WithHelp("ctrl+j", "newline")),
		Stop:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Quit:      key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "quit")),
		Retry:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "retry")),
		Copy:      key.NewBinding(key.WithKeys("ctrl+y"), key.WithHelp("ctrl+y", "copy answer")),
		CopyCode:  key.NewBinding(key.WithKeys("alt+y")),
		Edit:      key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "editor")),
		CtrlX:     key.NewBinding(key.WithKeys("ctrl+x")),
		CtrlXE:    key.NewBinding(key.WithKeys("ctrl+e")),
		Page:      key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "pager")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "scroll")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown")),
		HalfUp:    key.NewBinding(key.WithKeys("ctrl+u")),
		Follow:    key.NewBinding(key.WithKeys("ctrl+end", "end"), key.WithHelp("end", "follow")),
		Pick:      key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "history")),
		Older:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "past prompts")),
		Newer:     key.NewBinding(key.WithKeys("down")),
		NewChat:   key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "new")),
		Endpoint:  key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "endpoint")),
		Expand:    key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "tool results")),
		Approve:   key.NewBinding(key.WithKeys("y", "a", "A", "n"), key.WithHelp("y/a/A/n", "run once/for this chat/always/no")),
	}
}

// ShortHelp is the help line: the keys that do something now (see
// Model.syncKeys).
func (k keyMap) ShortHelp() []key.Binding { return k.live }

// FullHelp is ShortHelp in one column; the chat shows only the short line.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.live} }

// syncKeys works out which keys do something now, for the help line.
// Bindings stay enabled (a disabled binding never matches), so a key
// that does nothing in this state is simply not shown.
func (m *Model) syncKeys() {
	k := &m.keys
	if m.eps.open {
		k.live = append(k.live[:0], endpointListKeys...)
		return
	}
	streaming := m.live() != nil
	last := len(m.turns) > 0 && m.turns[len(m.turns)-1].state != stateDone
	k.live = k.live[:0]
	add := func(b key.Binding, show bool) {
		if show {
			k.live = append(k.live, b)
		}
	}
	asking := m.approval.prompt != nil && !m.approval.reason
	add(k.Approve, asking)
	add(k.Stop, streaming)
	add(k.Send, !streaming || m.approval.reason)
	add(k.Newline, !streaming && m.input.Value() != "")
	// Quit (or clear) early: the way out must not be the key a narrow
	// line cuts. The rest by how often they are wanted.
	if m.input.Value() != "" && m.armed == 0 {
		k.Interrupt.SetHelp("ctrl+c", "clear")
	} else {
		k.Interrupt.SetHelp("ctrl+c", "quit")
	}
	add(k.Interrupt, !streaming)
	add(k.Follow, !m.scroll.follow)
	add(k.Retry, !streaming && last)
	if !streaming && m.hasCode() { // one entry for both, as pgup/pgdn
		k.Copy.SetHelp("ctrl+y/alt+y", "copy/code")
	} else {
		k.Copy.SetHelp("ctrl+y", "copy")
	}
	add(k.Copy, !streaming && m.lastAnswer() != "")
	add(k.PageUp, m.scroll.more)
	add(k.Expand, m.paint.expand || m.hasFolded())
	add(k.Edit, !asking && m.cfg.Programs.Edit != nil)
	add(k.Page, !streaming && m.cfg.Programs.Page != nil && m.lastAnswer() != "")
	add(k.NewChat, !streaming && len(m.turns) > 0)
	add(k.Pick, !streaming && m.cfg.History != nil)
	add(k.Endpoint, !streaming && m.canSwitch())
	// Up last of all: a shell's habit needs the reminder least.
	add(k.Older, m.recall.walking() || !streaming && m.input.Value() == "" && len(m.recall.entries) > 0)
}
