package probe

import (
	"fmt"
	"strings"
	"time"
)

// timelineBins is how many columns an HTML token timeline has.
const timelineBins = 240

// htmlTimelines draws the token arrivals of a typical request (median
// e2e) and a slow one (p99 e2e) of the last step that has any.
func (o *Outcome) htmlTimelines(b *strings.Builder) {
	for i := len(o.Steps) - 1; i >= 0; i-- {
		st := o.Steps[i]
		typical, slow := st.byE2E(0.5), st.byE2E(0.99)
		if typical == nil {
			continue
		}
		span := slow.Schedule.Delay + max(slow.Total, slow.Arrivals[len(slow.Arrivals)-1])
		fmt.Fprintf(b, "<h2>Token timelines (step %d, %s)</h2>\n", st.Index+1, esc(st.Load.String()))
		b.WriteString(timelineSVG("a typical request (median e2e)", typical, span))
		if slow != typical {
			b.WriteString(timelineSVG("a slow request (p99 e2e)", slow, span))
		}
		return
	}
}

// timelineSVG draws one request over [0, span] from when it was due: the
// wait before it was sent (grey), before its first token (light), and
// its tokens as columns as tall as the tokens in their slice of time.
func timelineSVG(label string, res *Result, span time.Duration) string {
	const w, h, left, right, top, base = 740.0, 92.0, 12.0, 12.0, 24.0, 64.0
	inner := w - left - right
	x := func(d time.Duration) float64 { return left + inner*float64(d)/float64(max(span, 1)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img">`, w, h, w, h)
	delay := res.Schedule.Delay
	title := fmt.Sprintf("%s: ttft %s, e2e %s, %d tokens", label, fmtDur(delay+res.firstAny()), fmtDur(delay+res.Total), res.OutputTokens)
	fmt.Fprintf(&b, `<title>%s</title><text x="%.0f" y="16" class="t">%s</text>`, esc(title), left, esc(title))
	if delay > 0 {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="8" fill="#9aa3ad"><title>waited to be sent: %s</title></rect>`,
			x(0), base-8, x(delay)-x(0), esc(fmtDur(delay)))
	}
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="8" fill="#d7dce2"><title>waited for the first token: %s</title></rect>`,
		x(delay), base-8, max(x(delay+res.firstAny())-x(delay), 0.5), esc(fmtDur(res.firstAny())))
	bins := make([]int, timelineBins)
	for _, at := range res.Arrivals {
		i := int(float64(delay+at) / float64(max(span, 1)) * timelineBins)
		bins[min(max(i, 0), timelineBins-1)]++
	}
	top1 := 1
	for _, n := range bins {
		top1 = max(top1, n)
	}
	col := inner / timelineBins
	for i, n := range bins {
		if n == 0 {
			continue
		}
		ht := max((base-top)*float64(n)/float64(top1), 2)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, left+col*float64(i), base-ht, max(col-0.4, 0.6), ht, palette[0])
	}
	fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" class="ax"/>`, left, w-right, base, base)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="xl">0</text><text x="%.0f" y="%.0f" class="xl">%s</text></svg>`,
		left+4, base+14, w-right-20, base+14, esc(fmtDur(span)))
	return b.String()
}

// htmlChecks writes each step's checks counted, and the first detail of
// each check that warned or failed.
func (o *Outcome) htmlChecks(b *strings.Builder) {
	b.WriteString("<h2>Checks</h2>\n")
	for _, st := range o.Steps {
		name := ""
		if len(o.Steps) > 1 {
			name = fmt.Sprintf("step %d · %s:", st.Index+1, st.Load)
		}
		if st.allPassed() {
			fmt.Fprintf(b, "<p class=\"sub\">%s <span class=\"PASS\">all %d checks passed in every request</span></p>\n", esc(name), len(st.Checks))
			continue
		}
		fmt.Fprintf(b, "<p class=\"sub\">%s</p>\n", esc(name))
		b.WriteString("<table><tr><th>check</th><th>pass</th><th>warn</th><th>fail</th><th>the first warning or failure</th></tr>\n")
		for _, t := range st.Checks {
			detail := ""
			switch {
			case t.Fail > 0:
				detail = st.firstDetail(t.Name, Fail)
			case t.Warn > 0:
				detail = st.firstDetail(t.Name, Warn)
			}
			fmt.Fprintf(b, "<tr><td>%s</td><td class=\"PASS\">%d</td><td class=\"WARN\">%d</td><td class=\"FAIL\">%d</td><td style=\"text-align:left\">%s</td></tr>\n",
				esc(t.Name), t.Pass, t.Warn, t.Fail, esc(detail))
		}
		if c := st.ServerStop; c != nil {
			fmt.Fprintf(b, "<tr><td>%s</td><td colspan=\"3\" class=\"%s\">%s</td><td style=\"text-align:left\">%s</td></tr>\n",
				esc(c.Name), c.Level, c.Level, esc(c.Detail))
		}
		b.WriteString("</table>\n")
	}
}

// htmlGenerator writes what the generator said of itself.
func (o *Outcome) htmlGenerator(b *strings.Builder) {
	g := o.Generator
	if g == nil {
		return
	}
	cpu := "not measured on this system"
	if g.CPU > 0 {
		cpu = fmt.Sprintf("%s over %s: %.2f of its %d cores", fmtDur(g.CPU), fmtDur(g.Wall), g.CPUCores, g.Cores)
	}
	b.WriteString("<h2>The generator</h2>\n<table>")
	for _, row := range [][2]string{
		{"CPU", cpu},
		{"goroutines' wait to run, p99", fmtDur(g.SchedP99)},
		{"sent after due, beyond the ceiling's wait (an open loop)", fmt.Sprintf("p95 %s, p99 %s", fmtDur(g.LagP95), fmtDur(g.LagP99))},
		{"connections", fmt.Sprintf("%d dialled, %d reused", g.Connections, g.Reused)},
	} {
		fmt.Fprintf(b, "<tr><td>%s</td><td style=\"text-align:left\">%s</td></tr>", esc(row[0]), esc(row[1]))
	}
	b.WriteString("</table>\n")
	for _, w := range g.Warnings {
		fmt.Fprintf(b, "<div class=\"verdict warn\">%s</div>\n", esc(w))
	}
}

// allPassed reports whether every check of every request passed, and no
// server stop check was needed.
func (st *Step) allPassed() bool {
	for _, t := range st.Checks {
		if t.Warn > 0 || t.Fail > 0 {
			return false
		}
	}
	return st.ServerStop == nil && len(st.Checks) > 0
}
