// Package tui is tok's interactive chat: a Bubble Tea program that
// streams answers into a scrolling transcript, rendered as markdown while
// they arrive, with a stop key that aborts the request.
package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2/ansi"
	"charm.land/lipgloss/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// Config is what the chat talks to and how it looks.
type Config struct {
	// Open starts a streamed answer; the conversation so far is its input.
	Open Opener
	// Endpoint names what answers, for the header: "demo model", a URL.
	Endpoint string
	// Describe turns an error into the one line shown under the answer.
	Describe func(error) string
	// Reason says in a few words why a request is retried (a status, an
	// error event); nil uses Describe.
	Reason func(error) string
	// Style returns the markdown style for a dark or light background.
	Style func(dark bool) ansi.StyleConfig
	// Dark is the background until the terminal reports its own.
	Dark bool
	// Width is the markdown's wrap width; 0 is the terminal's, at most
	// render.MaxWidth.
	Width int
	// InterruptWait is how long the stop key waits for a WebSocket
	// server to acknowledge the interrupt before it closes the socket.
	InterruptWait time.Duration
	// Crash is for testing the recovery from a panic, and empty in use:
	// asking "crash" then panics in Update ("update"), in drawing the
	// question ("draw", in Update and in Transcript), in View ("view"), a
	// command ("cmd") or the stream's reader ("stream").
	Crash string
}

// Model is the chat. Its zero value is not usable: call New.
type Model struct {
	cfg     Config
	keys    keyMap
	help    help.Model
	input   textarea.Model
	scroll  scroller
	paint   painter
	dark    bool
	turns   []*turn
	dialect client.Dialect
	model   string // the model the server named

	width, height int

	// The stream in flight, if any.
	streamID int // the current stream's ID; others' messages are dropped
	cancel   context.CancelFunc
	stream   *streamRef // once it opened, the stop key interrupts it
	events   chan item
	frame    bool // a frameMsg is on its way
	blinkOn  bool // the cursor's phase
	notice   string

	// armed is the number of the Ctrl+C after which another quits, or 0;
	// arms counts them.
	armed, arms int
}

// New returns the chat, ready for tea.NewProgram.
func New(cfg Config) Model {
	if cfg.Describe == nil {
		cfg.Describe = func(err error) string { return err.Error() }
	}
	if cfg.Reason == nil {
		cfg.Reason = cfg.Describe
	}
	m := Model{cfg: cfg, keys: defaultKeyMap(), help: help.New(), scroll: newScroller(), dark: cfg.Dark}
	m.paint.crashTest = cfg.Crash == "draw"
	m.input = newInput()
	m.input.Focus()
	m.restyle(cfg.Dark)
	m.syncKeys()
	return m
}

// Init asks the terminal for its background colour, to pick the style.
func (m Model) Init() tea.Cmd {
	return tea.RequestBackgroundColor
}

// Update routes each message to its handler.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.restyle(msg.IsDark())
		m.refresh()
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m.handleWheel(msg), nil
	case tea.PasteMsg:
		m.disarm()
		return m.updateInput(msg)
	case streamMsg:
		return m.handleStream(msg)
	case frameMsg:
		m.frame = false
		m.refresh()
		return m, nil
	case blinkMsg:
		return m.handleBlink(msg)
	case copiedMsg:
		m.notice = copiedNotice(msg)
		return m, nil
	case disarmMsg:
		return m.handleDisarm(msg), nil
	}
	return m.updateInput(msg)
}

// View draws the header, the transcript window, the input and the status
// line, and places the terminal's cursor in the input.
func (m Model) View() tea.View {
	if m.width == 0 {
		return tea.NewView("")
	}
	if n := len(m.turns); n > 0 && m.crashTest("view", m.turns[n-1].question) {
		panic("a crash test in View")
	}
	header := m.headerView()
	inputTop := m.scroll.height + 2
	var b strings.Builder
	b.WriteString(header)
	b.WriteByte('\n')
	b.WriteString(m.scroll.view(m.markerView()))
	b.WriteByte('\n')
	b.WriteString(m.ruleView())
	b.WriteByte('\n')
	b.WriteString(m.input.View())
	b.WriteByte('\n')
	b.WriteString(m.statusView())
	b.WriteByte('\n')
	b.WriteString(m.helpView())
	v := tea.NewView(b.String())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "tok"
	if c := m.input.Cursor(); c != nil {
		c.Y += inputTop
		v.Cursor = c
	}
	return v
}

// setSize lays the screen out: one line of header, the transcript, a
// rule, the input (it grows with its text), the status and help lines.
func (m *Model) setSize(width, height int) {
	m.width, m.height = width, height
	m.input.SetWidth(width)
	m.help.SetWidth(width)
	m.paint.width = width
	m.paint.mdWidth = render.Width(width, m.cfg.Width)
	m.layout()
}

// layout sizes the transcript to what the input leaves, and redraws it.
func (m *Model) layout() {
	chrome := 1 + 1 + m.input.Height() + 1 + 1
	m.scroll.resize(max(m.height-chrome, 1), m.transcript())
}

// refresh redraws the transcript's lines after a change.
func (m *Model) refresh() {
	m.scroll.setLines(m.transcript())
}

// transcript is every turn's lines, the live one drawn with its cursor.
func (m *Model) transcript() []string {
	if m.width == 0 {
		return nil
	}
	if len(m.turns) == 0 {
		hello := lipgloss.Wrap("Ask a question below: answers stream from "+render.Line(m.cfg.Endpoint, lineMax)+".", max(m.width-4, 10), "/")
		lines := []string{""}
		for _, l := range strings.Split(hello, "\n") {
			lines = append(lines, "  "+m.paint.st.Muted.Render(l))
		}
		return lines
	}
	var lines []string
	for _, t := range m.turns {
		cursor := ""
		if t.state.live() {
			cursor = " "
			if m.blinkOn {
				cursor = render.Cursor
			}
		}
		lines = append(lines, m.paint.lines(t, cursor)...)
	}
	return lines
}

// restyle picks the styles for the background.
func (m *Model) restyle(dark bool) {
	m.dark = dark
	m.paint.st = newStyles(dark)
	m.paint.md = m.cfg.Style(dark)
	m.paint.gen++
	m.help.Styles = m.paint.st.Help
	m.input.SetStyles(m.paint.st.Input)
}

// live returns the turn whose answer is streaming, or nil.
func (m *Model) live() *turn {
	if len(m.turns) == 0 || !m.turns[len(m.turns)-1].state.live() {
		return nil
	}
	return m.turns[len(m.turns)-1]
}

// Transcript is the conversation as it reads on exit: every question
// and its final answer, rendered at the last width, without the cursor.
// Should drawing it panic (after a crash in drawing, say), it is the
// plain text of the questions and answers.
func (m Model) Transcript() (out string) {
	defer func() {
		if recover() != nil {
			out = m.plainTranscript()
		}
	}()
	var b strings.Builder
	for _, t := range m.turns {
		for _, l := range m.paint.lines(t, "") {
			b.WriteString(strings.TrimRight(l, " "))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// plainTranscript is the conversation without markdown or styles.
func (m Model) plainTranscript() string {
	var b strings.Builder
	for _, t := range m.turns {
		b.WriteString("\n❯ " + render.Sanitize(t.question) + "\n\n")
		if a := strings.TrimSpace(render.Sanitize(t.answer())); a != "" {
			b.WriteString(a + "\n")
		}
	}
	return b.String()
}
