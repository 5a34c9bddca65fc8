package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/render"
)

// picker lists the saved conversations, newest used first, with a
// filter (/), in place of the transcript; Enter opens one, Esc closes.
type picker struct {
	open bool
	list *list.Model // replaced, not changed, on an update: copies of the chat share it
}

// pickerMax is how many conversations the picker lists.
const pickerMax = 500

// convItem is a saved conversation in the picker.
type convItem struct{ s history.Summary }

func (i convItem) Title() string {
	if i.s.Title == "" {
		return "(untitled)"
	}
	return render.Line(i.s.Title, lineMax)
}

func (i convItem) Description() string {
	parts := []string{i.s.ID[:min(8, len(i.s.ID))], ago(i.s.Used, time.Now())}
	if i.s.Turns == 1 {
		parts = append(parts, "1 turn")
	} else {
		parts = append(parts, fmt.Sprintf("%d turns", i.s.Turns))
	}
	if i.s.Model != "" {
		parts = append(parts, render.Line(i.s.Model, 60))
	}
	return strings.Join(parts, " · ")
}

func (i convItem) FilterValue() string { return i.s.Title + " " + i.s.ID }

// ago says how long ago t was, in a few characters.
func ago(t, now time.Time) string {
	switch d := now.Sub(t); {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return t.Local().Format("2006-01-02")
}

// pickerItemsMsg is the saved conversations, listed for the picker.
type pickerItemsMsg struct {
	items []history.Summary
	err   error
}

// loadedMsg is a conversation picked and loaded from the history.
type loadedMsg struct {
	conv *history.Conversation
	err  error
}

func listConversations(st *history.Store) tea.Cmd {
	return func() tea.Msg {
		items, err := st.List(context.Background(), pickerMax)
		return pickerItemsMsg{items, err}
	}
}

func loadConversation(st *history.Store, id string) tea.Cmd {
	return func() tea.Msg {
		c, err := st.Load(context.Background(), id)
		return loadedMsg{c, err}
	}
}

// openPicker shows the saved conversations, once listed.
func (m Model) openPicker() (tea.Model, tea.Cmd) {
	switch {
	case m.cfg.History == nil:
		m.notice = "no history to pick from"
		return m, nil
	case m.live() != nil:
		m.notice = "stop the answer (esc) to pick another conversation"
		return m, nil
	}
	d := list.NewDefaultDelegate()
	d.Styles = list.NewDefaultItemStyles(m.dark)
	l := list.New(nil, d, m.width, m.scroll.height)
	l.Title = "Conversations"
	l.Styles.Title = m.paint.st.Header
	l.SetShowHelp(false)
	l.SetStatusBarItemName("conversation", "conversations")
	l.DisableQuitKeybindings()
	m.pick = picker{open: true, list: &l}
	m.syncKeys()
	return m, listConversations(m.cfg.History)
}

// handlePicker routes the picker's messages: its items, the filter's
// matches, the conversation it loaded.
func (m Model) handlePicker(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pickerItemsMsg:
		return m.showItems(msg)
	case loadedMsg:
		return m.showLoaded(msg), nil
	}
	if !m.pick.open {
		return m, nil
	}
	l, cmd := m.pick.list.Update(msg)
	m.pick.list = &l
	return m, cmd
}

func (m Model) showItems(msg pickerItemsMsg) (tea.Model, tea.Cmd) {
	if !m.pick.open {
		return m, nil
	}
	if msg.err != nil {
		m.pick.open, m.notice = false, "the history cannot be read: "+render.Line(msg.err.Error(), errMax)
		m.syncKeys()
		return m, nil
	}
	items := make([]list.Item, len(msg.items))
	for i, s := range msg.items {
		items[i] = convItem{s}
	}
	l := *m.pick.list
	cmd := l.SetItems(items)
	m.pick.list = &l
	return m, cmd
}

// handlePickerKey routes a key while the picker shows: Enter opens the
// conversation chosen, Esc closes (or clears the filter first), Ctrl+C
// closes; the rest go to the list.
func (m Model) handlePickerKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	filtering := m.pick.list.FilterState() == list.Filtering
	switch {
	case key.Matches(msg, m.keys.Interrupt), key.Matches(msg, m.keys.Pick),
		msg.String() == "esc" && !filtering && m.pick.list.FilterState() == list.Unfiltered:
		m.pick.open = false
		m.syncKeys()
		return m, nil
	case msg.String() == "enter" && !filtering:
		item, ok := m.pick.list.SelectedItem().(convItem)
		if !ok {
			return m, nil
		}
		return m, loadConversation(m.cfg.History, item.s.ID)
	}
	l, cmd := m.pick.list.Update(msg)
	m.pick.list = &l
	return m, cmd
}

// showLoaded puts the conversation picked in the chat: its turns, drawn
// from the bottom, and continued by the next question.
func (m Model) showLoaded(msg loadedMsg) Model {
	m.pick.open = false
	if msg.err != nil {
		m.notice = "the conversation cannot be read: " + render.Line(msg.err.Error(), errMax)
		m.syncKeys()
		return m
	}
	m.turns, m.convID = turnsFrom(msg.conv), msg.conv.ID
	m.model, m.dialect = "", ""
	if n := len(m.turns); n > 0 {
		m.model = m.turns[n-1].model
	}
	m.notice = "continuing “" + render.Line(msg.conv.Title, 60) + "”"
	m.scroll.bottom(m.source())
	m.syncKeys()
	return m
}

// windowView is the transcript's window, or the picker in its place.
func (m Model) windowView() string {
	if m.eps.open {
		return m.endpointsView()
	}
	if !m.pick.open {
		marker := ""
		if !m.scroll.follow && m.scroll.unseen {
			marker = m.markerView()
		}
		return m.scroll.view(marker)
	}
	lines := strings.Split(m.pick.list.View(), "\n")
	for len(lines) < m.scroll.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.scroll.height], "\n")
}

// loadedNote says where the turns that came from the history are, for
// the transcript printed on exit.
func (m Model) loadedNote() string { return loadedNote(m.turns, m.convID) }

// loadedNote says where the turns of conversation id that came from the
// history are.
func loadedNote(turns []*turn, id string) string {
	n := 0
	for _, t := range turns {
		if t.loaded {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case n == 1:
		return fmt.Sprintf("\n  (1 earlier turn: tok history show %s)\n", id)
	}
	return fmt.Sprintf("\n  (%d earlier turns: tok history show %s)\n", n, id)
}
