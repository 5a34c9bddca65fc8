package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tools"
)

// approval is the question the chat asks about a tool call, if any: the
// runner waits on it. The chat only draws it and hands back the answer;
// the policy is the runner's.
type approval struct {
	prompt *tools.Prompt
	part   *part // the call it is about, in the live turn
	// reason: n was pressed, and the input takes the reason (optional)
	// that goes to the model; draft is what the input held before.
	reason bool
	draft  string
}

// promptMsg is a question from the runner.
type promptMsg struct{ p *tools.Prompt }

// answeredMsg reports an answer given; err is a failure to save an
// "always" in the config file.
type answeredMsg struct{ err error }

// reasonPlaceholder is the input's hint while it takes a denial's reason.
const reasonPlaceholder = "Why not? (optional, sent to the model) · enter denies"

// waitForPrompt waits for the runner's next question.
func waitForPrompt(ch <-chan *tools.Prompt) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return promptMsg{p}
	}
}

// handlePrompt shows a question under its call. One that belongs to an
// answer already stopped is dropped.
func (m Model) handlePrompt(msg promptMsg) (tea.Model, tea.Cmd) {
	next := waitForPrompt(m.cfg.Tools.Prompts())
	select {
	case <-msg.p.Done():
		return m, next
	default:
	}
	t := m.live()
	if t == nil {
		return m, next
	}
	m.approval = approval{prompt: msg.p, part: t.callPart(msg.p.Call.ID, msg.p.Call.Name, msg.p.Call.Args)}
	m.approval.part.asking = true
	m.refresh()
	m.scroll.bottom(m.source())
	m.syncKeys()
	return m, next
}

// handleApprovalKey answers the question with y, a, A or n (then a
// reason and enter). The stop key, Ctrl+C and the scroll keys do what
// they always do; other keys do nothing while the question waits.
func (m Model) handleApprovalKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	a := &m.approval
	if key.Matches(msg, m.keys.Stop, m.keys.Interrupt) {
		return m, nil, false
	}
	if a.reason {
		if key.Matches(msg, m.keys.Send) {
			reason := m.input.Value()
			return m.answer(tools.Answer{Decision: tools.Deny, Reason: reason})
		}
		next, cmd := m.updateInput(msg)
		return next, cmd, true
	}
	switch msg.Text {
	case "y":
		return m.answer(tools.Answer{Decision: tools.AllowOnce})
	case "a":
		return m.answer(tools.Answer{Decision: tools.AllowConversation})
	case "A":
		return m.answer(tools.Answer{Decision: tools.AllowAlways})
	case "n":
		a.reason, a.draft = true, m.input.Value()
		a.part.reasoning = true
		m.input.Reset()
		m.input.Placeholder = reasonPlaceholder
		m.refresh()
		m.syncKeys()
		return m, nil, true
	}
	if m.handleScrollKey(msg) {
		return m, nil, true
	}
	return m, nil, true
}

// answer hands the answer to the runner (saving an "always" is file
// work: it runs as a command) and puts the input back as it was.
func (m Model) answer(ans tools.Answer) (tea.Model, tea.Cmd, bool) {
	p := m.approval.prompt
	m.clearApproval()
	m.refresh()
	m.syncKeys()
	return m, func() tea.Msg { return answeredMsg{p.Answer(ans)} }, true
}

// clearApproval forgets the question (answered, or its answer stopped),
// giving the input back its draft.
func (m *Model) clearApproval() {
	a := m.approval
	if a.prompt == nil {
		return
	}
	if a.part != nil {
		a.part.asking, a.part.reasoning = false, false
	}
	if a.reason {
		m.input.Reset()
		m.input.SetValue(a.draft)
		m.input.Placeholder = newInput().Placeholder
	}
	m.approval = approval{}
	m.layout()
}

// handleAnswered says when an "always" could not be saved (the call ran,
// allowed for this conversation).
func (m Model) handleAnswered(msg answeredMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.notice = render.Line(msg.err.Error(), errMax)
	}
	return m, nil
}
