package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// handleKey routes a key: the chat's own keys first, then the input.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.notice = ""
	if !key.Matches(msg, m.keys.CopyCode) {
		m.code.back = 0 // the next Alt+Y starts again at the last block
	}
	if m.pick.open {
		return m.handlePickerKey(msg)
	}
	if m.eps.open {
		return m.handleEndpointKey(msg)
	}
	if !key.Matches(msg, m.keys.Interrupt) {
		m.disarm()
	}
	if m.approval.prompt != nil {
		if next, cmd, done := m.handleApprovalKey(msg); done {
			return next, cmd
		}
	}
	if cmd, ok := m.handleProgramKey(msg); ok {
		return m, cmd
	}
	if next, cmd, done := m.handleSessionKey(msg); done {
		return next, cmd
	}
	switch {
	case key.Matches(msg, m.keys.Pick):
		return m.openPicker()
	case key.Matches(msg, m.keys.Interrupt):
		return m.interrupt()
	case key.Matches(msg, m.keys.Stop):
		return m, m.stop()
	case key.Matches(msg, m.keys.Quit) && m.input.Value() == "":
		return m.quit()
	case key.Matches(msg, m.keys.Send):
		return m.send()
	case key.Matches(msg, m.keys.Retry):
		return m.retry()
	case key.Matches(msg, m.keys.Copy):
		return m.copyAnswer()
	case key.Matches(msg, m.keys.CopyCode):
		return m.copyCode()
	case key.Matches(msg, m.keys.Expand) && (m.paint.expand || m.hasFolded()):
		m.toggleExpand()
		m.syncKeys()
		return m, nil
	case m.handleScrollKey(msg):
		return m, nil
	}
	return m.updateInput(msg)
}

// handleScrollKey scrolls the transcript, reporting whether msg was a
// scroll key. End follows only while the view is scrolled up, and Ctrl+U
// scrolls only while the input is empty: otherwise they belong to the
// input.
func (m *Model) handleScrollKey(msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, m.keys.PageUp):
		m.scroll.scroll(-max(m.scroll.height-1, 1), m.source())
	case key.Matches(msg, m.keys.PageDown):
		m.scroll.scroll(max(m.scroll.height-1, 1), m.source())
	case key.Matches(msg, m.keys.HalfUp) && m.input.Value() == "":
		m.scroll.scroll(-max(m.scroll.height/2, 1), m.source())
	case key.Matches(msg, m.keys.Follow) && (msg.String() == "ctrl+end" || !m.scroll.follow):
		m.scroll.bottom(m.source())
	default:
		return false
	}
	m.syncKeys()
	return true
}

func (m Model) handleWheel(msg tea.MouseWheelMsg) Model {
	switch msg.Button {
	case tea.MouseWheelUp:
		m.scroll.scroll(-3, m.source())
	case tea.MouseWheelDown:
		m.scroll.scroll(3, m.source())
	}
	m.syncKeys()
	return m
}

// send asks the question in the input, with the conversation so far.
func (m Model) send() (tea.Model, tea.Cmd) {
	q := m.input.Value()
	if path, ok := fileArg(q); ok {
		return m.attach(path)
	}
	if strings.TrimSpace(q) == "" && len(m.files) == 0 || m.live() != nil {
		return m, nil
	}
	if m.crashTest("update", q) {
		panic("a crash test in Update")
	}
	m.input.Reset()
	m.recall.add(q)
	m.turns = append(m.turns, &turn{question: q, files: m.files})
	m.files = nil
	cmd := m.start(false)
	m.layout()
	if m.crashTest("cmd", q) {
		cmd = tea.Batch(cmd, func() tea.Msg { panic("a crash test in a command") })
	}
	return m, cmd
}

// retry asks the last question again, in a new turn; the answer it
// replaces is left out of the conversation.
func (m Model) retry() (tea.Model, tea.Cmd) {
	if len(m.turns) == 0 || m.live() != nil {
		return m, nil
	}
	last := m.turns[len(m.turns)-1]
	last.retried, last.cache, last.blocks = true, nil, nil
	m.turns = append(m.turns, &turn{question: last.question, files: last.files})
	cmd := m.start(true)
	m.refresh()
	return m, cmd
}

// start opens the stream for the last turn, saving it as it streams;
// retry: it asks the turn before it again.
func (m *Model) start(retry bool) tea.Cmd {
	m.streamID++
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.stream = cancel, &streamRef{}
	m.blinkOn = true
	ch := make(chan item, maxBatch)
	m.events = ch
	t := m.turns[len(m.turns)-1]
	t.streamID = m.streamID
	m.scroll.bottom(m.source())
	m.syncKeys()
	open := m.cfg.Open
	if m.crashTest("stream", t.question) {
		open = crashOpener
	}
	sv := m.saver(t.question, t.message().Described(), retry)
	return tea.Batch(startStream(ctx, open, conversation(m.turns), m.streamID, ch, sv, m.stream), blink(m.streamID))
}

// stop ends the answer being generated, as the stream's transport
// allows (client's Stream.Interrupt): an HTTP request is aborted, so the
// server sees the disconnect at once; over a WebSocket the server is
// asked to stop and given InterruptWait to acknowledge, else the socket
// is closed. Either way nothing more is shown; the stream's end, read
// aside, says which happened. The partial answer stays, marked stopped,
// and stays in the conversation.
func (m *Model) stop() tea.Cmd {
	t := m.live()
	if t == nil {
		return nil
	}
	var cmd tea.Cmd
	if s := m.stream.get(); s != nil {
		cmd = interruptStream(s, m.cfg.InterruptWait, m.streamID, m.events, m.cancel)
	} else {
		m.cancel() // still opening: abort it
	}
	m.clearApproval() // the runner's question died with the answer
	m.stream = nil
	m.streamID++ // whatever the stopped stream still sends is dropped
	t.state = stateStopped
	m.refresh()
	m.syncKeys()
	return cmd
}

// settleStop notes how the turn of stream id stopped, once its stream
// ended: interrupted, or its connection closed (a WebSocket's).
func (m *Model) settleStop(id int, err error) {
	var se *client.StopError
	if !errors.As(err, &se) || se.How == client.StopAborted {
		return
	}
	for _, t := range m.turns {
		if t.streamID == id && t.state == stateStopped {
			t.stopHow = se.How.String()
			t.redraw()
			m.refresh()
		}
	}
}

// quitHint is the notice after a Ctrl+C that did not quit.
const quitHint = "press ctrl+c again to quit"

// quitWindow is how long a second Ctrl+C quits after the first.
const quitWindow = 3 * time.Second

// interrupt is Ctrl+C: it stops the answer being generated (the draft
// stays), else clears the draft, else quits. A second Ctrl+C right after
// one that did not quit, with no other key between, quits.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case m.armed > 0, m.live() == nil && m.input.Value() == "":
		return m.quit()
	case m.live() != nil:
		cmd = m.stop()
	default:
		m.input.Reset()
		m.recall.reset()
		m.layout()
	}
	m.arms++
	m.armed, m.notice = m.arms, quitHint
	m.syncKeys()
	return m, tea.Batch(cmd, disarmAfter(m.arms, quitWindow))
}

// handleDisarm ends the window of the Ctrl+C that armed it, unless a
// later one took over.
func (m Model) handleDisarm(msg disarmMsg) Model {
	if msg.id == m.armed {
		m.disarm()
	}
	return m
}

// disarm makes the next Ctrl+C a first one again, taking its hint away.
func (m *Model) disarm() {
	if m.armed == 0 {
		return
	}
	m.armed = 0
	if m.notice == quitHint {
		m.notice = ""
	}
	m.syncKeys()
}

// quit stops any answer at once (no wait for a WebSocket server's
// acknowledgement) and ends the program; cmd prints the transcript.
func (m Model) quit() (tea.Model, tea.Cmd) {
	m.stop()
	if m.cancel != nil {
		m.cancel()
	}
	return m, tea.Quit
}
