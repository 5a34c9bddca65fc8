package probe

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Report writes the outcome for a terminal, in at most 80 columns: one
// request as [Result.Report] does; a load as its settings, a table of
// figures for each step with its goodput and checks, a sweep's table and
// capacity line, the generator's report, and the token timeline of a
// typical request. With color false it has no escape sequences.
func (o *Outcome) Report(w io.Writer, color bool) error {
	if o.Kind == KindRequest && len(o.Steps) == 1 && len(o.Steps[0].Results) == 1 {
		return o.Steps[0].Results[0].Report(w, color)
	}
	st := newReportStyles(color)
	var b strings.Builder
	o.writeHead(&b, st)
	for _, step := range o.Steps {
		step.writeTable(&b, st, o.Shape.SLO)
	}
	if o.Kind == KindSweep {
		o.writeSweep(&b, st)
	}
	o.writeGenerator(&b, st)
	if typical := o.typical(); typical != nil {
		fmt.Fprintf(&b, "\n  %s", st.dim(fmt.Sprintf("a typical request (median e2e of step %d):", typical.Schedule.Step+1)))
		typical.writeTimeline(&b, st)
	}
	if o.Interrupted {
		fmt.Fprintf(&b, "\n  %s\n", st.warn("interrupted: these are the figures measured before Ctrl+C"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHead writes the request and the load in brief.
func (o *Outcome) writeHead(b *strings.Builder, st reportStyles) {
	req := ansi.Truncate(oneLine(o.Method+" "+o.URL), reportWidth-len(reportIndent), "…")
	fmt.Fprintf(b, "%s  %s\n", st.dim("tok probe"), req)
	fmt.Fprintf(b, "%s%s\n", reportIndent, o.Shape.describe())
	if slo := o.Shape.SLO; slo != nil {
		fmt.Fprintf(b, "%stargets: %s for %s of requests\n", reportIndent, slo, percent(slo.minGood()))
	}
}

// describe says what load the shape runs, in a line.
func (s Shape) describe() string {
	levels := s.Levels()
	var parts []string
	if len(s.Rate) > 0 {
		rates := make([]string, len(s.Rate))
		for i, r := range s.Rate {
			rates[i] = trimFloat(r)
		}
		loop := fmt.Sprintf("%s requests/s (%s arrivals)", strings.Join(rates, ","), cmp.Or(s.Arrival, Poisson))
		if c := levels[0].Concurrency; c > 0 {
			loop += fmt.Sprintf(", at most %d at a time", c)
		}
		parts = append(parts, loop)
	} else {
		cs := make([]string, len(s.Concurrency))
		for i, c := range s.Concurrency {
			cs[i] = fmt.Sprint(c)
		}
		parts = append(parts, strings.Join(cs, ",")+" at a time (closed loop)")
	}
	switch {
	case s.Requests > 0:
		parts = append(parts, fmt.Sprintf("%s a step", plural(s.Requests, "request")))
	case s.Duration > 0:
		parts = append(parts, fmtDur(s.Duration)+" a step")
	}
	if s.Warmup > 0 {
		parts = append(parts, fmtDur(s.Warmup)+" warmup")
	}
	if s.CancelRate > 0 {
		parts = append(parts, fmt.Sprintf("%s cancelled after %s", percent(s.CancelRate), fmtDur(s.CancelAfter)))
	}
	return ansi.Truncate(strings.Join(parts, " · "), reportWidth-len(reportIndent), "…")
}

// writeTable writes one step: its throughput, a row a figure, its
// verdict on the targets and its checks.
func (s *Step) writeTable(b *strings.Builder, st reportStyles, slo *SLO) {
	head := fmt.Sprintf("step %d · %s · %s in %s", s.Index+1, s.Load, plural(s.Requests, "request"), fmtDur(s.Wall))
	fmt.Fprintf(b, "\n%s\n", ansi.Truncate(head, reportWidth, "…"))
	parts := []string{fmt.Sprintf("%.1f req/s", s.PerSecond), fmt.Sprintf("%.0f output tok/s", s.TokensPerSecond)}
	if s.Load.Open() {
		parts = append(parts, fmt.Sprintf("sent %.1f/s", s.AchievedRate))
	}
	if s.Cancelled > 0 {
		parts = append(parts, fmt.Sprintf("%d cancelled", s.Cancelled))
	}
	errs := "no errors"
	if s.Errors > 0 {
		errs = st.fail(plural(s.Errors, "error") + " " + s.errorKinds())
	}
	fmt.Fprintf(b, "  %s · %s\n", strings.Join(parts, " · "), errs)
	s.writeFigures(b, st)
	if slo != nil {
		s.writeGoodput(b, st)
	}
	s.writeChecks(b, st)
}

// errorKinds lists the errors by kind: "(8 http_429, 2 timeout)".
func (s *Step) errorKinds() string {
	kinds := make([]string, 0, len(s.ErrorKinds))
	for k := range s.ErrorKinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for i, k := range kinds {
		kinds[i] = fmt.Sprintf("%d %s", s.ErrorKinds[k], k)
	}
	return "(" + strings.Join(kinds, ", ") + ")"
}

// writeFigures writes the distributions: a row a figure, a column a
// statistic; rows with no value are left out.
func (s *Step) writeFigures(b *strings.Builder, st reportStyles) {
	fmt.Fprintf(b, "  %s\n", st.dim(fmt.Sprintf("%-14s%5s%9s%9s%9s%9s%9s%9s", "", "n", "p50", "p90", "p95", "p99", "p99.9", "mean")))
	dur := func(label string, d Distribution[time.Duration]) {
		if d.N > 0 {
			writeRow(b, st, label, d.N, []time.Duration{d.P50, d.P90, d.P95, d.P99, d.P999, d.Mean}, fmtDur)
		}
	}
	num := func(label string, d Distribution[float64], format func(float64) string) {
		if d.N > 0 {
			writeRow(b, st, label, d.N, []float64{d.P50, d.P90, d.P95, d.P99, d.P999, d.Mean}, format)
		}
	}
	dur("ttft", s.TTFT)
	dur("ttfo", s.TTFO)
	dur("ttst", s.TTST)
	dur("itl", s.ITL)
	dur("icl (chunks)", s.ICL)
	dur("e2e", s.E2E)
	num("tok/s a user", s.TPS, func(v float64) string { return fmt.Sprintf("%.1f", v) })
	num("output tokens", s.Tokens, func(v float64) string { return fmt.Sprintf("%.0f", v) })
	if s.Load.Open() {
		dur("sent late by", s.Delay)
	}
}

func writeRow[T time.Duration | float64](b *strings.Builder, st reportStyles, label string, n int, vs []T, format func(T) string) {
	fmt.Fprintf(b, "  %s%5d", st.dim(fmt.Sprintf("%-14s", label)), n)
	for _, v := range vs {
		fmt.Fprintf(b, "%9s", format(v))
	}
	b.WriteString("\n")
}

// writeGoodput says how many requests met the targets.
func (s *Step) writeGoodput(b *strings.Builder, st reportStyles) {
	judged := s.Requests - s.Cancelled
	line := fmt.Sprintf("good %d of %d (%s) · goodput %.1f req/s · ", s.Good, judged, percent(round4(s.GoodFraction)), s.Goodput)
	if s.Met {
		line += st.pass("met the targets")
	} else {
		line += st.fail("missed the targets: " + s.Missed)
	}
	fmt.Fprintf(b, "  %s\n", line)
}

// writeChecks says what the checks found: all passed, or each check that
// warned or failed, how often, and the first such request's detail.
func (s *Step) writeChecks(b *strings.Builder, st reportStyles) {
	var bad []CheckTally
	for _, t := range s.Checks {
		if t.Fail > 0 || t.Warn > 0 {
			bad = append(bad, t)
		}
	}
	if len(bad) == 0 && len(s.Checks) > 0 {
		fmt.Fprintf(b, "  %s\n", st.pass(fmt.Sprintf("checks: all %d passed in every request", len(s.Checks))))
	}
	room := reportWidth - len("  FAIL  ") - checkNameWidth
	indent := strings.Repeat(" ", reportWidth-room)
	write := func(level Level, name, detail string) {
		lines := fitDetail(oneLine(detail), room, true)
		fmt.Fprintf(b, "  %s  %s%s\n", st.level(level), st.dim(fmt.Sprintf("%-*s", checkNameWidth, name)), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "%s%s\n", indent, l)
		}
	}
	for _, t := range bad {
		level, n := Fail, t.Fail
		if t.Fail == 0 {
			level, n = Warn, t.Warn
		}
		write(level, t.Name, fmt.Sprintf("%d of %d requests: %s", n, s.Requests, s.firstDetail(t.Name, level)))
	}
	if c := s.ServerStop; c != nil {
		write(c.Level, c.Name, c.Detail)
	}
}

// firstDetail is the detail of the first request whose check name came
// out at level.
func (s *Step) firstDetail(name string, level Level) string {
	for _, res := range s.Results {
		for _, c := range res.Checks {
			if c.Name == name && c.Level == level {
				return c.Detail
			}
		}
	}
	return ""
}

// writeSweep writes a row a step and the capacity line.
func (o *Outcome) writeSweep(b *strings.Builder, st reportStyles) {
	fmt.Fprintf(b, "\n  %s\n", st.dim(fmt.Sprintf("%-12s%8s%9s%10s%10s%10s", "level", "req/s", "tok/s", "ttft p90", "itl p90", "good")))
	for _, s := range o.Steps {
		good := "—"
		if o.Shape.SLO != nil {
			good = percent(round4(s.GoodFraction))
		}
		row := fmt.Sprintf("  %-12s%8.1f%9.0f%10s%10s%10s", levelNumber(s.Load), s.PerSecond, s.TokensPerSecond,
			durOrDash(s.TTFT.P90), durOrDash(s.ITL.P90), good)
		switch {
		case o.Shape.SLO != nil && s.Met:
			row = st.pass(row)
		case o.Shape.SLO != nil:
			row = st.fail(row)
		}
		b.WriteString(row + "\n")
	}
	if o.Capacity != nil {
		b.WriteString("\n")
		for _, l := range wrapWords(o.Capacity.Line, reportWidth-2) {
			fmt.Fprintf(b, "  %s\n", l)
		}
	}
	if o.Stopped != "" && len(o.Steps) > 0 {
		fmt.Fprintf(b, "  %s\n", st.dim(fmt.Sprintf("stopped after %s: %s", o.Steps[len(o.Steps)-1].Load, o.Stopped)))
	}
}

// writeGenerator writes what the generator says of itself.
func (o *Outcome) writeGenerator(b *strings.Builder, st reportStyles) {
	g := o.Generator
	if g == nil {
		return
	}
	cpu := "cpu n/a"
	if g.CPU > 0 {
		cpu = fmt.Sprintf("%.2f of %d cores", g.CPUCores, g.Cores)
	}
	late := ""
	if len(o.Shape.Rate) > 0 {
		late = " · sends late p99 " + fmtDur(g.LagP99)
	}
	line := fmt.Sprintf("generator: %s · goroutines late p99 %s%s · %d connections dialled, %d reused",
		cpu, fmtDur(g.SchedP99), late, g.Connections, g.Reused)
	b.WriteString("\n")
	for _, l := range wrapWords(line, reportWidth-2) {
		fmt.Fprintf(b, "  %s\n", st.dim(l))
	}
	room := reportWidth - len("  WARN  ")
	for _, w := range g.Warnings {
		lines := wrapWords(w, room)
		fmt.Fprintf(b, "  %s  %s\n", st.warn("WARN"), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "        %s\n", l)
		}
	}
}

// typical is the last step's request of median e2e among those that
// brought tokens: the one whose timeline the report draws.
func (o *Outcome) typical() *Result {
	for i := len(o.Steps) - 1; i >= 0; i-- {
		if res := o.Steps[i].byE2E(0.5); res != nil {
			return res
		}
	}
	return nil
}

// byE2E is the request at percentile p of e2e among those that brought
// tokens and did not fail; nil when none did.
func (s *Step) byE2E(p float64) *Result {
	var rs []*Result
	for _, res := range s.Results {
		if len(res.Arrivals) > 0 && !res.errored() && !res.Schedule.Cancelled {
			rs = append(rs, res)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	slices.SortStableFunc(rs, func(a, b *Result) int {
		return cmp.Compare(a.Schedule.Delay+a.Total, b.Schedule.Delay+b.Total)
	})
	i := int(p*float64(len(rs))+0.999999) - 1
	return rs[min(max(i, 0), len(rs)-1)]
}
