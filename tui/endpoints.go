package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/render"
)

// EndpointChoice is an endpoint Ctrl+L offers.
type EndpointChoice struct {
	Name   string // the config file's name for it
	Detail string // what it is, in a few words: provider · model, an address
}

// Target is what answers the chat's questions, as Config's fields of
// the same names give it for the first: Ctrl+L puts the Target of the
// endpoint picked in their place, for the next question on. The
// conversation goes on: the next request carries it whole.
type Target struct {
	Label           string // the header's name for it (Config.Endpoint)
	Open            Opener
	Describe        func(error) string
	Reason          func(error) string
	InterruptWait   time.Duration
	NewConversation func(title string) history.Conversation
	Images          bool // the endpoint reads images (Config.Images)
}

// endpointList is Ctrl+L's list of the config file's endpoints, shown
// in place of the transcript: Up and Down choose (or a digit), Enter
// picks, Esc closes.
type endpointList struct {
	open bool
	sel  int
}

// endpointListKeys are the help line's while the list shows.
var endpointListKeys = []key.Binding{
	key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose")),
	key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ask it next")),
	key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
}

// switchedMsg is the Target of the endpoint picked, or why it has none.
type switchedMsg struct {
	name   string
	target Target
	err    error
}

func switchEndpoint(sw func(context.Context, string) (Target, error), name string) tea.Cmd {
	return func() tea.Msg {
		t, err := sw(context.Background(), name)
		return switchedMsg{name, t, err}
	}
}

// canSwitch reports whether Ctrl+L has an endpoint to offer other than
// the one in use.
func (m *Model) canSwitch() bool {
	n := len(m.cfg.Endpoints)
	return m.cfg.Switch != nil && (n > 1 || n == 1 && m.cfg.Endpoints[0].Name != m.epName)
}

// openEndpoints shows the list, the endpoint in use chosen; while an
// answer streams it says to stop it first, as Ctrl+S does.
func (m Model) openEndpoints() (tea.Model, tea.Cmd) {
	switch {
	case len(m.cfg.Endpoints) == 0 || m.cfg.Switch == nil:
		m.notice = m.cfg.NoEndpoints
		if m.notice == "" {
			m.notice = "no endpoints to pick from"
		}
		return m, nil
	case m.live() != nil:
		m.notice = "stop the answer (esc) to pick another endpoint"
		return m, nil
	}
	m.eps = endpointList{open: true}
	for i, e := range m.cfg.Endpoints {
		if e.Name == m.epName {
			m.eps.sel = i
		}
	}
	m.syncKeys()
	return m, nil
}

// handleEndpointKey routes a key while the list shows.
func (m Model) handleEndpointKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	n := len(m.cfg.Endpoints)
	switch k := msg.String(); k {
	case "up", "k", "ctrl+p", "shift+tab":
		m.eps.sel = (m.eps.sel + n - 1) % n
	case "down", "j", "ctrl+n", "tab":
		m.eps.sel = (m.eps.sel + 1) % n
	case "enter":
		return m.pickEndpoint(m.eps.sel)
	case "esc", "q", "ctrl+c", "ctrl+l":
		m.eps.open = false
		m.syncKeys()
	default:
		if len(k) == 1 && k[0] >= '1' && int(k[0]-'0') <= min(n, 9) {
			return m.pickEndpoint(int(k[0] - '1'))
		}
	}
	return m, nil
}

// pickEndpoint closes the list and makes the Target of endpoint i.
func (m Model) pickEndpoint(i int) (tea.Model, tea.Cmd) {
	m.eps.open = false
	m.syncKeys()
	name := m.cfg.Endpoints[i].Name
	if name == m.epName {
		m.notice = "the next question goes to " + render.Line(name, 60) + " already"
		return m, nil
	}
	m.notice = "switching to " + render.Line(name, 60) + "…"
	return m, switchEndpoint(m.cfg.Switch, name)
}

// handleSwitched puts the endpoint picked in place for the next
// question, and says so; or says why it cannot answer.
func (m Model) handleSwitched(msg switchedMsg) Model {
	name := render.Line(msg.name, 60)
	if msg.err != nil {
		m.notice = "cannot switch to " + name + ": " + render.Line(msg.err.Error(), errMax)
		return m
	}
	t := msg.target
	m.cfg.Open, m.cfg.Endpoint, m.cfg.InterruptWait, m.cfg.Images = t.Open, t.Label, t.InterruptWait, t.Images
	if t.Describe != nil {
		m.cfg.Describe, m.cfg.Reason = t.Describe, t.Describe
	}
	if t.Reason != nil {
		m.cfg.Reason = t.Reason
	}
	if t.NewConversation != nil {
		m.cfg.NewConversation = t.NewConversation
	}
	m.epName = msg.name
	m.model, m.dialect = "", "" // the last answer's: the header names the new one
	m.notice = "the next question goes to " + name
	m.refresh() // the greeting names it too
	m.syncKeys()
	return m
}

// endpointsView is the list, in the transcript's place: a title, then
// an endpoint a line, the one chosen marked, the one in use said.
func (m Model) endpointsView() string {
	st := m.paint.st
	lines := []string{"", " " + st.Header.Render("Endpoints") + st.Muted.Render(" · the next question goes to the one picked; the conversation goes on"), ""}
	width := 0
	for _, e := range m.cfg.Endpoints {
		width = max(width, xansi.StringWidth(render.Line(e.Name, 40)))
	}
	first := max(0, m.eps.sel-(m.scroll.height-len(lines))+1) // keep the chosen one in view
	for i := first; i < len(m.cfg.Endpoints); i++ {
		e := m.cfg.Endpoints[i]
		mark, num, name := "   ", " ", render.Line(e.Name, 40)
		if i == m.eps.sel {
			mark = st.UserMark.Render(" ❯ ")
		}
		if i < 9 {
			num = fmt.Sprint(i + 1) // a digit picks it
		}
		pad := strings.Repeat(" ", width-xansi.StringWidth(name))
		line := mark + num + " " + name + pad + "  " + st.Muted.Render(render.Line(e.Detail, lineMax))
		if e.Name == m.epName {
			line += st.Notice.Render("  · in use")
		}
		lines = append(lines, xansi.Truncate(line, m.width, "…"))
	}
	for len(lines) < m.scroll.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.scroll.height], "\n")
}
