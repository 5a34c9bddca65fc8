package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/render"
)

// headerView is one line: what answers, the model, the dialect, each
// left out when the endpoint's name already says it.
func (m Model) headerView() string {
	k := headerKey{endpoint: m.cfg.Endpoint, model: m.model, dialect: string(m.dialect), width: m.width, gen: m.paint.gen}
	if c := m.memo; c.headerKey != k || c.header == "" {
		c.header, c.headerKey = m.drawHeader(), k
	}
	return m.memo.header
}

func (m Model) drawHeader() string {
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
	if c := m.memo; c.ruleKey != [2]int{m.width, m.paint.gen} || c.rule == "" {
		c.rule, c.ruleKey = m.paint.st.Rule.Render(strings.Repeat("─", m.width)), [2]int{m.width, m.paint.gen}
	}
	return m.memo.rule
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
	p := t.progress()
	if n := p.tokens; n == 1 {
		fields = append(fields, "1 token")
	} else if n > 1 {
		fields = append(fields, fmt.Sprintf("%d tokens", n))
	}
	if p.first > 0 {
		fields = append(fields, "first token "+round(p.first))
	}
	if r := p.rate; r > 0 {
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

// helpView is the help line, drawn again only when the keys it shows,
// the width or the styles change.
func (m Model) helpView() string {
	keys := m.keys.ShortHelp()
	if m.pick.open {
		keys = m.pick.list.ShortHelp()
	}
	c := m.memo
	same := c.help != "" && c.helpSize == [2]int{m.width, m.paint.gen} && len(c.helpKeys) == len(keys)
	for i := 0; same && i < len(keys); i++ {
		same = c.helpKeys[i] == helpEntry{keys[i].Help(), keys[i].Enabled()}
	}
	if same {
		return c.help
	}
	c.helpKeys, c.helpSize = c.helpKeys[:0], [2]int{m.width, m.paint.gen}
	for _, k := range keys {
		c.helpKeys = append(c.helpKeys, helpEntry{k.Help(), k.Enabled()})
	}
	c.help = " " + m.fitHelp(keys)
	return c.help
}

// fitHelp is the help line with as many of keys as fit the width, and an
// ellipsis if some did not: the help model's own cut lets through a key
// that overflows when not even its ellipsis fits.
func (m Model) fitHelp(keys []key.Binding) string {
	for n := len(keys); n > 0; n-- {
		s := m.help.ShortHelpView(keys[:n])
		if n < len(keys) {
			s += " " + m.help.Styles.Ellipsis.Render(m.help.Ellipsis)
		}
		if m.width <= 0 || xansi.StringWidth(s) < m.width {
			return s
		}
	}
	return ""
}
