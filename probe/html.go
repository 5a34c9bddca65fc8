package probe

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// maxScatter is the most requests the scatter chart draws: the report
// stays small (under 1 MB) for a run of any length.
const maxScatter = 3000

// WriteHTML writes a self-contained report of the outcome: one HTML file
// with its style and inline SVG charts, no script and nothing from the
// network. It holds the load and the verdict (the capacity line, the
// goodput), a table of the steps, latency percentiles against
// concurrency or rate (or, for one step, across percentiles), the
// throughput, each request's time to first token over the run, the token
// timeline of a typical and a slow request, the checks, and the
// generator's report. Text from the server is escaped, its controls
// removed.
func (o *Outcome) WriteHTML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(htmlHead)
	o.htmlSummary(&b)
	o.htmlSteps(&b)
	b.WriteString(`<h2>Latency and throughput</h2><div class="charts">`)
	if len(o.Steps) > 1 {
		o.htmlSweepCharts(&b)
	} else if len(o.Steps) == 1 {
		o.htmlStepCharts(&b, o.Steps[0])
	}
	b.WriteString(`</div>`)
	o.htmlScatter(&b)
	o.htmlTimelines(&b)
	o.htmlChecks(&b)
	o.htmlGenerator(&b)
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

const htmlHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tok probe report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1120px;padding:0 16px;color:#1d2430;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6ea;padding-bottom:4px}
.sub{color:#5b6573;margin:2px 0}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
.verdict{margin:14px 0;padding:10px 14px;border-radius:6px;border-left:5px solid #59a14f;background:#f1f8ef}
.verdict.bad{border-color:#e15759;background:#fdf0f0}.verdict.warn{border-color:#edc948;background:#fdf9ea}
table{border-collapse:collapse;margin:6px 0;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;text-align:right;border-bottom:1px solid #eceef1}th{color:#5b6573;font-weight:600}
td:first-child,th:first-child{text-align:left}.met{color:#2e7d32}.miss{color:#c62828}
.PASS{color:#2e7d32}.WARN{color:#a07800}.FAIL{color:#c62828;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:14px}
svg{background:#fbfbfc;border:1px solid #e3e6ea;border-radius:6px}
svg .t{font-size:13px;font-weight:600;fill:#1d2430}svg .yl{font-size:10px;fill:#5b6573;text-anchor:end}
svg .xl{font-size:10px;fill:#5b6573;text-anchor:middle}svg .lg{font-size:10px;fill:#1d2430}
svg .g{stroke:#e6e8eb}svg .ax{stroke:#9aa3ad}svg .tg{stroke:#e15759;stroke-dasharray:5 4}
svg .tgl{font-size:10px;fill:#e15759;text-anchor:end}
</style></head><body>
`

// htmlSummary writes the title, the request, the load and the verdict.
func (o *Outcome) htmlSummary(b *strings.Builder) {
	fmt.Fprintf(b, "<h1>tok probe report</h1>\n<p class=\"sub mono\">%s %s</p>\n", esc(o.Method), esc(o.URL))
	if o.Kind != KindRequest {
		fmt.Fprintf(b, "<p class=\"sub\">%s</p>\n", esc(o.Shape.describe()))
	}
	if slo := o.Shape.SLO; slo != nil {
		fmt.Fprintf(b, "<p class=\"sub\">targets: %s for %s of requests</p>\n", esc(slo.String()), esc(percent(slo.minGood())))
	}
	class, text := "verdict", ""
	switch {
	case o.Capacity != nil:
		text = o.Capacity.Line
		if o.Shape.SLO != nil && o.Capacity.Met == nil {
			class += " bad"
		}
	case o.Shape.SLO != nil && len(o.Steps) == 1:
		st := o.Steps[0]
		text = fmt.Sprintf("%d of %d requests good (%s), goodput %.2f requests/s: ", st.Good, st.Requests-st.Cancelled, percent(round4(st.GoodFraction)), st.Goodput)
		if st.Met {
			text += "met the targets"
		} else {
			text, class = text+"missed the targets: "+st.Missed, class+" bad"
		}
	default:
		text = "every check passed"
		if !o.Passed() {
			text, class = "a check failed (see the checks below)", class+" bad"
		}
	}
	if o.Stopped != "" {
		text += "; the sweep stopped: " + o.Stopped
	}
	if o.Generator != nil && o.Generator.Bottleneck {
		class = "verdict warn"
		text += "; the generator may have held the figures back (see below)"
	}
	fmt.Fprintf(b, "<div class=\"%s\">%s</div>\n", class, esc(text))
}

// htmlSteps writes a row a step.
func (o *Outcome) htmlSteps(b *strings.Builder) {
	b.WriteString("<h2>Steps</h2><table><tr><th>load</th><th>requests</th><th>errors</th><th>req/s</th><th>output tok/s</th>" +
		"<th>ttft p50</th><th>ttft p90</th><th>ttft p99</th><th>itl p50</th><th>itl p90</th><th>e2e p90</th><th>good</th></tr>\n")
	for _, st := range o.Steps {
		good := "—"
		if o.Shape.SLO != nil {
			class := "miss"
			if st.Met {
				class = "met"
			}
			good = fmt.Sprintf(`<span class="%s">%s</span>`, class, esc(percent(round4(st.GoodFraction))))
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%.2f</td><td>%.0f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			esc(st.Load.String()), st.Requests, st.Errors, st.PerSecond, st.TokensPerSecond,
			durOrDash(st.TTFT.P50), durOrDash(st.TTFT.P90), durOrDash(st.TTFT.P99),
			durOrDash(st.ITL.P50), durOrDash(st.ITL.P90), durOrDash(st.E2E.P90), good)
	}
	b.WriteString("</table>\n")
}

// msFmt writes milliseconds as the report's durations.
func msFmt(v float64) string { return fmtDur(time.Duration(v * 1e6)) }

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// pctSeries are a duration's p50, p90 and p99 across the steps.
func pctSeries(steps []*Step, of func(*Step) Distribution[time.Duration]) []series {
	names := []string{"p50", "p90", "p99"}
	out := make([]series, len(names))
	for i, name := range names {
		out[i] = series{name: name, color: palette[i]}
		for _, st := range steps {
			d := of(st)
			v := math.NaN()
			if d.N > 0 {
				v = ms([]time.Duration{d.P50, d.P90, d.P99}[i])
			}
			out[i].values = append(out[i].values, v)
		}
	}
	return out
}

// htmlSweepCharts draws the latencies and the throughput against the
// sweep's levels.
func (o *Outcome) htmlSweepCharts(b *strings.Builder) {
	cats := make([]string, len(o.Steps))
	for i, st := range o.Steps {
		cats[i] = levelNumber(st.Load)
	}
	xlabel := "concurrent requests"
	if o.Steps[0].Load.Open() {
		xlabel = "requests a second"
	}
	slo := o.Shape.SLO
	if slo == nil {
		slo = &SLO{}
	}
	b.WriteString(lineChart("time to first token", xlabel, cats, pctSeries(o.Steps, func(s *Step) Distribution[time.Duration] { return s.TTFT }), ms(slo.TTFT), msFmt))
	b.WriteString(lineChart("inter-token latency", xlabel, cats, pctSeries(o.Steps, func(s *Step) Distribution[time.Duration] { return s.ITL }), ms(slo.ITL), msFmt))
	b.WriteString(lineChart("end to end", xlabel, cats, pctSeries(o.Steps, func(s *Step) Distribution[time.Duration] { return s.E2E }), ms(slo.E2E), msFmt))
	tokens := series{name: "output tokens/s", color: palette[0]}
	reqs := series{name: "requests/s", color: palette[1]}
	good := series{name: "goodput", color: palette[2], dashed: true}
	for _, st := range o.Steps {
		tokens.values = append(tokens.values, st.TokensPerSecond)
		reqs.values = append(reqs.values, st.PerSecond)
		good.values = append(good.values, st.Goodput)
	}
	num := func(v float64) string { return trimFloat(v) }
	b.WriteString(lineChart("throughput: output tokens a second", xlabel, cats, []series{tokens}, 0, num))
	rs := []series{reqs}
	if o.Shape.SLO != nil {
		rs = append(rs, good)
	}
	b.WriteString(lineChart("requests a second", xlabel, cats, rs, 0, num))
}

// htmlStepCharts draws one step's latencies across percentiles.
func (o *Outcome) htmlStepCharts(b *strings.Builder, st *Step) {
	cats := []string{"p50", "p90", "p95", "p99", "p99.9"}
	bars := func(name string, d Distribution[time.Duration], color string) series {
		s := series{name: name, color: color}
		for _, v := range []time.Duration{d.P50, d.P90, d.P95, d.P99, d.P999} {
			if d.N == 0 {
				s.values = append(s.values, math.NaN())
			} else {
				s.values = append(s.values, ms(v))
			}
		}
		return s
	}
	slo := o.Shape.SLO
	if slo == nil {
		slo = &SLO{}
	}
	b.WriteString(barChart("time to first token", cats, []series{bars("ttft", st.TTFT, palette[0])}, ms(slo.TTFT), msFmt))
	b.WriteString(barChart("inter-token latency and chunk gaps", cats, []series{bars("itl", st.ITL, palette[1]), bars("icl", st.ICL, palette[5])}, ms(slo.ITL), msFmt))
	b.WriteString(barChart("end to end", cats, []series{bars("e2e", st.E2E, palette[2])}, ms(slo.E2E), msFmt))
}

// htmlScatter draws each request's time to first token (from when it was
// due) against when it was due, across the run: a stall shows as a
// ridge, and waiting behind the ceiling as a climb.
func (o *Outcome) htmlScatter(b *strings.Builder) {
	results := o.Results()
	if len(results) < 2 {
		return
	}
	stride := max(1, len(results)/maxScatter)
	var pts []point
	var offset, xmax time.Duration
	for _, st := range o.Steps {
		for i, res := range st.Results {
			if i%stride != 0 || res.firstAny() == 0 {
				continue
			}
			x, y := offset+res.Schedule.Due, res.Schedule.Delay+res.firstAny()
			pts = append(pts, point{x.Seconds(), ms(y), palette[st.Index%len(palette)],
				fmt.Sprintf("step %d, due at %s: ttft %s", st.Index+1, fmtDur(x), fmtDur(y))})
			xmax = max(xmax, x)
		}
		offset += st.Warmup + st.Wall
	}
	if len(pts) == 0 {
		return
	}
	slo := o.Shape.SLO
	if slo == nil {
		slo = &SLO{}
	}
	secs := func(v float64) string { return trimFloat(v) + "s" }
	b.WriteString("<h2>Time to first token over the run</h2>\n")
	b.WriteString(scatterChart("ttft of each request, from when it was due (colour: step)", "when the request was due",
		pts, max(xmax.Seconds(), 0.001), ms(slo.TTFT), secs, msFmt))
}
