package tui

import (
	"fmt"
	"strings"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/render"
)

// headerView is one line: what answers, the model, the dialect, each
// left out when the endpoint's name already says it.
func (m Model) headerView() string {
	endpoint := render.Line(m.cfg.Endpoint, lineMax)
	parts := []string{endpoint}
	for _, p := range []string{render.Line(m.model, lineMax), render.Line(string(m.dialect), lineMax)} {
		if p != "" && !strings.Contains(endpoint, p) {
			parts = append(parts, p)
		}
	}
	st := m.paint.st
	line := " " + st.Header.Render("tok") + " " + st.HeaderMuted.Render(strings.Join(parts, " · "))
	return xansi.Truncate(line, m.width, "…")
}

// markerView is the line shown at the bottom of the transcript while
// the user reads above text that keeps arriving.
func (m Model) markerView() string {
	label := m.paint.st.Marker.Render(" ↓ new text · end to follow ")
	pad := max(m.width-xansi.StringWidth(label), 0) / 2
	return strings.Repeat(" ", pad) + label
}

func (m Model) ruleView() string {
	return m.paint.st.Rule.Render(strings.Repeat("─", m.width))
}

// statusView is the state of the last answer, live while it streams:
// tokens, time to first token, tokens a second; or a notice.
func (m Model) statusView() string {
	st := m.paint.st
	if m.notice != "" {
		return xansi.Truncate(" "+st.Notice.Render(m.notice), m.width, "…")
	}
	if s := m.filesStatus(); s != "" {
		return s
	}
	if len(m.turns) == 0 {
		return " " + st.Status.Render("ready")
	}
	t := m.turns[len(m.turns)-1]
	name := stateName(t.state)
	if t.stopHow != "" {
		name += " (" + t.stopHow + ")"
	}
	fields := []string{st.StatusState.Render(name)}
	if t.cut() {
		fields = append(fields, st.Stopped.Render("cut at max tokens"))
	}
	if m.approval.prompt != nil {
		fields[0] = st.StatusState.Render("asking: may " + render.Line(m.approval.prompt.Call.Name, 60) + " run?")
	}
	if r := t.retry; t.state == stateWaiting && r.Attempt > 0 {
		fields[0] = st.StatusState.Render(fmt.Sprintf("retrying in %s (%d/%d)", round(r.Wait), r.Attempt, r.Of))
		fields = append(fields, m.reason(r.Err)...)
	}
	if r := t.reconnect; t.state.live() && r.Attempt > 0 {
		fields[0] = st.StatusState.Render(fmt.Sprintf("reconnecting… (%d/%d)", r.Attempt, r.Of))
		fields = append(fields, m.reason(r.Err)...)
	}
	if n := t.outputTokens(); n == 1 {
		fields = append(fields, "1 token")
	} else if n > 1 {
		fields = append(fields, fmt.Sprintf("%d tokens", n))
	}
	if t.firstText > 0 {
		fields = append(fields, "first token "+round(t.firstText))
	}
	if r := t.rate(); r > 0 {
		fields = append(fields, fmt.Sprintf("%.0f tok/s", r))
	}
	return xansi.Truncate(" "+strings.Join(fields, st.Status.Render(" · ")), m.width, "…")
}

// reason is why a request is tried again, as one field of the status
// line, or none when the retry came without an error.
func (m Model) reason(err error) []string {
	if err == nil {
		return nil
	}
	return []string{render.Line(m.cfg.Reason(err), errMax)}
}

func stateName(s state) string {
	return [...]string{
		stateWaiting:   "waiting",
		stateStreaming: "streaming",
		stateDone:      "done",
		stateStopped:   "stopped",
		stateFailed:    "failed",
	}[s]
}

func round(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

func (m Model) helpView() string {
	if m.pick.open {
		return " " + m.help.ShortHelpView(m.pick.list.ShortHelp())
	}
	return " " + m.help.ShortHelpView(m.keys.ShortHelp())
}
