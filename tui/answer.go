package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// handleStream applies a stream's events and draws them just before
// Bubble Tea's renderer next writes the screen (frameDue), together with
// the events that follow them until then (waitForFrame): at most one
// frame a renderer tick, none without events, so the frame rate follows
// the token rate up to the renderer's.
func (m Model) handleStream(msg streamMsg) (tea.Model, tea.Cmd) {
	t := m.live()
	if msg.id != m.streamID || t == nil {
		if msg.done {
			m.settleStop(msg.id, msg.err) // a stopped stream's end
		}
		return m, nil
	}
	before := m.shows(t)
	if msg.dialect != "" {
		m.dialect = msg.dialect
	}
	if msg.saveErr != nil {
		m.notice = saveNotice(msg.saveErr)
	}
	for _, ev := range msg.events {
		m.apply(t, ev)
	}
	m.paint.now = time.Now() // for a running tool's time
	switch {
	case msg.err != nil:
		m.fail(t, msg.err)
	case msg.done && t.state.live():
		t.state = stateDone // the stream ended without saying so
	}
	if !t.state.live() {
		m.cancel()
		m.stream, m.due = nil, time.Time{}
		m.refresh()
		m.syncKeys()
		m.touch()
		return m, nil
	}
	if m.shows(t) != before {
		m.touch()
	}
	now := time.Now()
	if m.due.IsZero() {
		m.due = m.frameDue(now)
	}
	if now.Before(m.due) {
		return m, waitForFrame(m.streamID, m.events, m.due, true) // drawn at due
	}
	m.drawFrame()
	return m, waitForEvent(m.streamID, m.events)
}

// drawFrame draws the transcript with the events so far.
func (m *Model) drawFrame() {
	m.due = time.Time{}
	m.refresh()
	m.touch()
}

// streamShows is what a stream's events change on the screen at once,
// rather than at the next frame: the header, the notice, the answer's
// state on the status line.
type streamShows struct {
	dialect          client.Dialect
	model, notice    string
	state            state
	retry, reconnect int
}

func (m *Model) shows(t *turn) streamShows {
	return streamShows{m.dialect, m.model, m.notice, t.state, t.retry.Attempt, t.reconnect.Attempt}
}

// apply adds one event to the live turn. An error event needs nothing
// here: the stream's error, which follows it, fails the turn.
func (m *Model) apply(t *turn, ev client.Event) {
	if ev.Kind == client.KindError {
		return
	}
	t.add(ev)
	if ev.Model != "" {
		m.model = ev.Model
	}
}

// errMax caps an error's line in runes.
const errMax = 500

// fail ends the live turn with err, described in one line (whatever
// the server's text in it); the partial answer stays.
func (m *Model) fail(t *turn, err error) {
	if t.state.live() {
		t.state, t.err = stateFailed, render.Line(m.cfg.Describe(err), errMax)
	}
}

// handleBlink flips the cursor while its stream is live; the timer dies
// with the stream.
func (m Model) handleBlink(msg blinkMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.streamID || m.live() == nil {
		return m, nil
	}
	m.blinkOn = !m.blinkOn
	if !msg.now.IsZero() {
		m.paint.now = msg.now
	}
	m.refresh()
	return m, blink(msg.id)
}
