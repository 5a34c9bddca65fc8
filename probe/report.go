package probe

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// reportWidth is the width the reports fit: a standard terminal's.
const reportWidth = 80

// reportIndent lines the second header line up under the first's request.
const reportIndent = "           "

// paint styles one piece of a report.
type paint func(string) string

// reportStyles colour a report: verdicts by level, labels dim. The plain
// set leaves text as it is, so a report without colour has no escapes.
type reportStyles struct {
	pass, warn, fail, dim paint
}

func newReportStyles(color bool) reportStyles {
	if !color {
		plain := func(s string) string { return s }
		return reportStyles{plain, plain, plain, plain}
	}
	with := func(s lipgloss.Style) paint { return func(t string) string { return s.Render(t) } }
	return reportStyles{
		pass: with(lipgloss.NewStyle().Foreground(lipgloss.Green)),
		warn: with(lipgloss.NewStyle().Foreground(lipgloss.Yellow)),
		fail: with(lipgloss.NewStyle().Foreground(lipgloss.Red)),
		dim:  with(lipgloss.NewStyle().Faint(true)),
	}
}

func (st reportStyles) level(l Level) string {
	switch l {
	case Fail:
		return st.fail(string(l))
	case Warn:
		return st.warn(string(l))
	}
	return st.pass(string(l))
}

// Report writes the result for a terminal, in at most 80 columns: the
// request, the phases and the pace, a timeline of the tokens' arrivals,
// and the checks. A request that got no 2xx answer has no figures and no
// timeline. Text from the server (headers, error messages, excerpts)
// goes through [render.Line], so it can neither move the cursor nor forge
// a line of its own. A check's detail too long for the width is cut with
// "…" when it passed, and wrapped onto a few lines when it did not, so
// the cause and the fix stay in view. With color false the report has
// no escape sequences.
func (res *Result) Report(w io.Writer, color bool) error {
	st := newReportStyles(color)
	var b strings.Builder
	res.writeHead(&b, st)
	if res.Reached() {
		res.writeFigures(&b, st)
		res.writeTimeline(&b, st)
	}
	writeChecks(&b, st, res.Checks)
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine makes untrusted text one safe line, of at most a few report
// lines' worth of characters.
func oneLine(s string) string { return render.Line(s, maxDetailLines*reportWidth) }

// writeHead writes the request line and, under it, the answer in brief.
func (res *Result) writeHead(b *strings.Builder, st reportStyles) {
	req := oneLine(res.Method + " " + res.URL)
	fmt.Fprintf(b, "%s  %s\n", st.dim("tok probe"), ansi.Truncate(req, reportWidth-len(reportIndent), "…"))
	parts := res.outcome()
	for i, p := range parts {
		parts[i] = oneLine(p)
	}
	line := ansi.Truncate(strings.Join(parts, " · "), reportWidth-len(reportIndent), "…")
	fmt.Fprintf(b, "%s%s\n", reportIndent, line)
}

// outcome is the answer in a few words: the status, the dialect, the
// tokens and the time; or, when no 2xx came, why not.
func (res *Result) outcome() []string {
	if !res.Reached() {
		parts := []string{"no answer"}
		var he *client.HTTPError
		if errors.As(res.Err, &he) {
			parts[0] = cmp.Or(he.Status, strconv.Itoa(he.StatusCode))
			if he.RetryAfter > 0 {
				parts = append(parts, "retry after "+fmtDur(he.RetryAfter))
			}
		} else if res.Status != 0 {
			parts[0] = strconv.Itoa(res.Status)
		}
		return append(parts, fmtDur(res.Total))
	}
	return []string{
		strings.TrimSpace(res.Proto + " " + strconv.Itoa(res.Status)),
		cmp.Or(string(res.Dialect), "no dialect"),
		fmt.Sprintf("%d tokens (%s)", res.OutputTokens, res.TokensFrom),
		fmtDur(res.Total),
	}
}

// writeFigures writes the phases up to the first byte, the pace of the
// tokens and the gaps between them.
func (res *Result) writeFigures(b *strings.Builder, st reportStyles) {
	field := func(label, value string) string { return st.dim(label) + " " + value }
	b.WriteString("\n")
	writeFields(b, field("dns", durOrDash(res.DNS)), field("connect", durOrDash(res.Connect)),
		field("tls", durOrDash(res.TLS)), field("headers", durOrDash(res.Headers)),
		field("first byte", durOrDash(res.FirstByte)))
	rate := "—"
	switch {
	case res.Rate > 0:
		rate = fmt.Sprintf("%.1f tok/s", res.Rate)
	case res.released():
		rate = "n/a, every token arrived at once"
	}
	first := []string{field("first token", durOrDash(res.FirstToken))}
	if res.FirstThinking > 0 { // the answer came after reasoning
		first = []string{field("reasoning", fmtDur(res.FirstThinking)), field("answer", durOrDash(res.FirstToken))}
	}
	writeFields(b, append(first, field("per token", durOrDash(res.PerToken)), field("rate", rate))...)
	if len(res.Arrivals) >= 2 {
		g := res.Gaps
		writeFields(b, st.dim("gaps"), field("p50", fmtDur(g.P50)), field("p90", fmtDur(g.P90)),
			field("p99", fmtDur(g.P99)), field("max", fmtDur(g.Max)))
	}
	if in := res.Interrupt; in != nil {
		writeFields(b, st.dim(fmt.Sprintf("interrupt after %d", in.After)), field("→ ack", durOrDash(in.Ack)),
			field("→ last token", durOrDash(in.LastToken)), field("tokens after", fmt.Sprint(in.TokensAfter)))
	}
}

// writeFields writes one indented line of fields, two spaces apart.
func writeFields(b *strings.Builder, fields ...string) {
	fmt.Fprintf(b, "  %s\n", ansi.Truncate(strings.Join(fields, "  "), reportWidth-2, "…"))
}

func durOrDash(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return fmtDur(d)
}

// checkNameWidth is the checks' name column: the longest name and a space.
const checkNameWidth = 15

// maxDetailLines is the most lines a WARN or FAIL detail wraps onto.
const maxDetailLines = 4

// writeChecks writes the checks, a verdict and a name to each, and a count.
func writeChecks(b *strings.Builder, st reportStyles, checks []Check) {
	if len(checks) == 0 {
		return
	}
	nameWidth := checkNameWidth
	for _, c := range checks {
		nameWidth = max(nameWidth, len(c.Name)+1)
	}
	room := reportWidth - len("  PASS  ") - nameWidth
	indent := strings.Repeat(" ", reportWidth-room)
	b.WriteString("\n")
	for _, c := range checks {
		lines := fitDetail(oneLine(c.Detail), room, c.Level != Pass)
		fmt.Fprintf(b, "  %s  %s%s\n", st.level(c.Level), st.dim(fmt.Sprintf("%-*s", nameWidth, c.Name)), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "%s%s\n", indent, l)
		}
	}
	fmt.Fprintf(b, "\n  %s\n", tally(st, checks))
}

// fitDetail fits a check's detail to width. A pass says what it needs in
// a line, so a longer one is cut with "…". A warning or a failure names
// the cause and the fix (the gateway's timeout, "proxy_buffering off"),
// which a cut would lose, so it wraps, onto at most maxDetailLines lines.
func fitDetail(s string, width int, wrap bool) []string {
	if !wrap {
		return []string{ansi.Truncate(s, width, "…")}
	}
	lines := wrapWords(s, width)
	if len(lines) > maxDetailLines {
		last := lines[maxDetailLines-1] + " " + lines[maxDetailLines]
		lines = append(lines[:maxDetailLines-1], ansi.Truncate(last, width, "…"))
	}
	return lines
}

// wrapWords fills lines of width with the words of s (one line of text,
// no sequences), breaking only at spaces, so a name such as
// X-Accel-Buffering stays whole (ansi.Wrap breaks at hyphens); a word
// longer than a line is cut across lines.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		for ansi.StringWidth(w) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head := ansi.Truncate(w, width, "")
			if head == "" {
				_, size := utf8.DecodeRuneInString(w)
				head = w[:size]
			}
			lines, w = append(lines, head), w[len(head):]
		}
		switch {
		case w == "":
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= width:
			line += " " + w
		default:
			lines, line = append(lines, line), w
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// tally counts the verdicts: "1 failed, 2 warnings, 8 passed", or
// "all 11 checks passed".
func tally(st reportStyles, checks []Check) string {
	n := map[Level]int{}
	for _, c := range checks {
		n[c.Level]++
	}
	if n[Pass] == len(checks) {
		return st.pass(fmt.Sprintf("all %d checks passed", len(checks)))
	}
	var parts []string
	if n[Fail] > 0 {
		parts = append(parts, st.fail(fmt.Sprintf("%d failed", n[Fail])))
	}
	if n[Warn] > 0 {
		parts = append(parts, st.warn(plural(n[Warn], "warning")))
	}
	if n[Pass] > 0 {
		parts = append(parts, fmt.Sprintf("%d passed", n[Pass]))
	}
	return strings.Join(parts, ", ")
}

// plural is "1 warning", "2 warnings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
