// Package tui is tok's interactive chat: a Bubble Tea program that
// streams answers into a scrolling transcript, rendered as markdown while
// they arrive, with a stop key that aborts the request.
package tui

import (
	"context"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

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
	// toolNotes are the tool servers that failed to start (toolsReady).
	toolNotes []string
	model     string // the model the server named

	width, height int

	// The stream in flight, if any.
	streamID int // the current stream's ID; others' messages are dropped
	cancel   context.CancelFunc
	stream   *streamRef // once it opened, the stop key interrupts it
	events   chan item
	due      time.Time // when the events not yet drawn will be (handleStream)
	blinkOn  bool      // the cursor's phase
	notice   string

	pick   picker // the saved conversations, while Ctrl+S shows them
	convID string // the conversation in the history, once saved or picked

	// armed is the number of the Ctrl+C after which another quits, or 0;
	// arms counts them.
	armed, arms int

	approval approval // the question about a tool call, if any (approval.go)

	recall  recall              // the prompts Up and Down walk (recall.go)
	eps     endpointList        // Ctrl+L's list, while it shows (endpoints.go)
	epName  string              // the config file's endpoint in use, or ""
	earlier []earlierChat       // the conversations Ctrl+N set aside (newchat.go)
	code    codeCopy            // Alt+Y's place among the last answer's code blocks (codecopy.go)
	files   []client.Attachment // for the next question (files.go)
	ctrlX   bool                // Ctrl+X was pressed: Ctrl+E opens the editor (editor.go)
	memo    *viewMemo           // the last View's pieces (frame.go)
	ver     int                 // the model's version for the memo (see touch)
}

// New returns the chat, ready for tea.NewProgram.
func New(cfg Config) Model {
	if cfg.Describe == nil {
		cfg.Describe = func(err error) string { return err.Error() }
	}
	if cfg.Reason == nil {
		cfg.Reason = cfg.Describe
	}
	m := Model{cfg: cfg, keys: defaultKeyMap(), help: help.New(), scroll: newScroller(), dark: cfg.Dark,
		recall: newRecall(), epName: cfg.EndpointName, memo: &viewMemo{}}
	m.paint.crashTest = cfg.Crash == "draw"
	m.input = newInput()
	m.input.Focus()
	m.restyle(cfg.Dark)
	m.notice = cfg.Notice
	m.files = cfg.Attach
	if c := cfg.Conversation; c != nil {
		m.turns, m.convID = turnsFrom(c), c.ID
	}
	m.syncKeys()
	return m
}

// Init asks the terminal for its background colour, to pick the style,
// and reads the history's prompts for Up (recall.go); and notes when
// Bubble Tea's renderer began to tick.
func (m Model) Init() tea.Cmd {
	if m.memo != nil {
		m.memo.ticks = time.Now() // see frameDue
	}
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.cfg.Tools != nil {
		cmds = append(cmds, waitForPrompt(m.cfg.Tools.Prompts()), toolsReady(m.cfg.Tools))
	}
	if m.cfg.recallsHistory() {
		cmds = append(cmds, loadPrompts(m.cfg.History))
	}
	return tea.Batch(cmds...)
}

// Update routes each message to its handler.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(streamMsg); !ok {
		m.touch() // a stream's events show at the next frame (handleStream)
	}
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
		m.drawFrame()
		return m, nil
	case blinkMsg:
		return m.handleBlink(msg)
	case promptMsg:
		return m.handlePrompt(msg)
	case toolsReadyMsg:
		m.toolNotes = append(m.toolNotes, msg...)
		m.refresh()
		return m, nil
	case attachedMsg:
		return m.handleAttached(msg)
	case answeredMsg:
		return m.handleAnswered(msg)
	case promptsMsg, switchedMsg:
		return m.handleSessionMsg(msg), nil
	case copiedMsg:
		m.notice = copiedNotice(msg)
		return m, nil
	case editedMsg, pagedMsg:
		return m.handleProgram(msg)
	case disarmMsg:
		return m.handleDisarm(msg), nil
	case pickerItemsMsg, loadedMsg, list.FilterMatchesMsg:
		return m.handlePicker(msg)
	}
	return m.updateInput(msg)
}

// View draws the header, the transcript window, the input and the status
// line, and places the terminal's cursor in the input. What it draws is
// kept until the model changes (see viewMemo).
func (m Model) View() tea.View {
	if m.width == 0 {
		return tea.NewView("")
	}
	if n := len(m.turns); n > 0 && m.crashTest("view", m.turns[n-1].question) {
		panic("a crash test in View")
	}
	if m.memo == nil {
		m.memo = &viewMemo{} // a Model not made by New: nothing is kept
	}
	content, cur := m.screen()
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "tok"
	if cur != nil {
		c := *cur
		v.Cursor = &c
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
	m.scroll.resize(max(m.height-chrome, 1), m.source())
	if m.pick.open { // a list made by list.New; the zero one cannot be sized
		l := *m.pick.list
		l.SetSize(m.width, m.scroll.height)
		m.pick.list = &l
	}
}

// refresh redraws the transcript's window after a change.
func (m *Model) refresh() {
	if t := m.live(); t != nil {
		t.shown = progress{t.outputTokens(), t.firstText, t.rate()}
	}
	m.scroll.update(m.source())
}

// source is the transcript as blocks (see block): each finished turn's,
// then the live turn's three (painter.liveLines), drawn with its cursor;
// or the greeting.
func (m *Model) source() source {
	m.paint.hello, m.paint.liveOK = nil, false
	if m.width == 0 {
		return source{paint: &m.paint}
	}
	if len(m.turns) == 0 {
		m.paint.hello = m.hello()
		return source{n: 1, paint: &m.paint}
	}
	blocks := m.paint.blocks[:0] // reused: a source lives for one update
	for _, t := range m.turns {
		if !t.state.live() {
			blocks = append(blocks, t.finishedBlocks()...)
			continue
		}
		if t.liveBlocks == nil {
			for i := range 3 {
				t.liveBlocks = append(t.liveBlocks, &block{kind: blockLive, turn: t, piece: i})
			}
		}
		blocks = append(blocks, t.liveBlocks...)
	}
	m.paint.blocks, m.paint.cursor = blocks, m.cursor()
	return source{n: len(blocks), paint: &m.paint}
}

// cursor is the live answer's cursor in its blink's phase.
func (m *Model) cursor() string {
	if m.blinkOn {
		return render.Cursor
	}
	return " "
}

// hello is the greeting of an empty chat.
func (m *Model) hello() []string {
	hello := lipgloss.Wrap("Ask a question below: answers stream from "+render.Line(m.cfg.Endpoint, lineMax)+".", max(m.width-4, 10), "/")
	lines := []string{""}
	for _, l := range strings.Split(hello, "\n") {
		lines = append(lines, "  "+m.paint.st.Muted.Render(l))
	}
	for _, n := range slices.Concat(m.cfg.ToolNotes, m.toolNotes) {
		lines = append(lines, "", "  "+m.paint.st.Error.Render(render.Line("⚙ "+n, lineMax)))
	}
	return lines
}

// restyle picks the styles for the background.
func (m *Model) restyle(dark bool) {
	m.dark = dark
	st, md := newStyles(dark), m.cfg.Style(dark)
	m.paint.st, m.paint.md = &st, &md // a Model is copied at every update: keep it small
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
// The turns that came from the history are left out but for a line that
// says where they are: a long conversation would fill the scrollback.
// Should drawing it panic (after a crash in drawing, say), it is the
// plain text of the questions and answers.
func (m Model) Transcript() (out string) {
	defer func() {
		if recover() != nil {
			out = m.plainTranscript()
		}
	}()
	return m.transcript(m.drawnTurn)
}

// plainTranscript is the conversation without markdown or styles.
func (m Model) plainTranscript() string { return m.transcript(plainTurn) }

// transcript is the conversations Ctrl+N set aside, then this one: each
// turn as draw writes it, but for those from the history.
func (m Model) transcript(draw func(*turn) string) string {
	var b strings.Builder
	b.WriteString(m.earlierText(draw))
	b.WriteString(m.loadedNote())
	for _, t := range m.turns {
		if !t.loaded {
			b.WriteString(draw(t))
		}
	}
	return b.String()
}

// drawnTurn is a turn as the chat drew it, without the cursor.
func (m Model) drawnTurn(t *turn) string {
	var b strings.Builder
	for _, l := range m.paint.lines(t, "") {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// plainTurn is a turn's question and answer, sanitised, without
// markdown or styles.
func plainTurn(t *turn) string {
	s := "\n❯ " + render.Sanitize(t.question) + "\n\n"
	if a := strings.TrimSpace(render.Sanitize(t.answer())); a != "" {
		s += a + "\n"
	}
	return s
}
