package probe

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Summary sums up many probes of one endpoint (tok probe -n N -c C).
//
// The distributions cover the requests that got a 2xx answer, and each
// leaves out the requests in which its figure did not happen (no token,
// so no first token, rate or gaps): a [Distribution]'s N says how many
// went in.
type Summary struct {
	// URL and Method are the first request's.
	URL, Method string
	// Requests counts the probes. Errors counts those that got no 2xx,
	// ended in an error, or whose "end" check failed.
	Requests, Errors int
	// Wall is the time all the probes took; PerSecond is Requests over it.
	Wall      time.Duration
	PerSecond float64

	Headers, FirstByte, FirstToken, Total Distribution[time.Duration]
	// GapP50 is the distribution of each request's median gap.
	GapP50 Distribution[time.Duration]
	// Rate is in tokens a second.
	Rate, OutputTokens Distribution[float64]

	// Checks tallies each check's verdicts, in the order the checks first
	// appear among the results.
	Checks []CheckTally
	// Results are the probes summed up, in the order given.
	Results []*Result
}

// Distribution summarises one figure across requests: the nearest-rank
// percentiles (as [Result.Gaps] uses), the extremes and the mean.
// All are zero when N, the number of values, is.
type Distribution[T time.Duration | float64] struct {
	N                             int
	Min, P50, P90, P99, Max, Mean T
	// P95 and P999 (p99.9) complete the percentiles a load test reports.
	P95, P999 T
}

// CheckTally counts one check's verdicts across requests.
type CheckTally struct {
	Name             string
	Pass, Warn, Fail int
}

// Summarize sums up results, the probes that ran in wall. Nil results
// (probes that never ran) are left out.
func Summarize(results []*Result, wall time.Duration) *Summary {
	s := &Summary{Wall: wall}
	var d figureSamples
	for _, res := range results {
		if res == nil {
			continue
		}
		if s.Requests == 0 {
			s.URL, s.Method = res.URL, res.Method
		}
		s.Requests++
		s.Results = append(s.Results, res)
		if res.errored() {
			s.Errors++
		}
		s.tallyChecks(res.Checks)
		d.add(res)
	}
	if wall > 0 {
		s.PerSecond = float64(s.Requests) / wall.Seconds()
	}
	s.Headers, s.FirstByte, s.FirstToken = distribution(d.headers), distribution(d.firstByte), distribution(d.firstToken)
	s.Total, s.GapP50 = distribution(d.total), distribution(d.gapP50)
	s.Rate, s.OutputTokens = distribution(d.rate), distribution(d.outputTokens)
	return s
}

// errored reports whether the request got no 2xx, ended in an error, or
// failed its end check.
func (res *Result) errored() bool {
	if res.Schedule.Cancelled {
		return false // the probe's own doing, not the server's
	}
	if !res.Reached() || res.Err != nil {
		return true
	}
	for _, c := range res.Checks {
		if c.Name == "end" && c.Level == Fail {
			return true
		}
	}
	return false
}

func (s *Summary) tallyChecks(checks []Check) {
	for _, c := range checks {
		i := slices.IndexFunc(s.Checks, func(t CheckTally) bool { return t.Name == c.Name })
		if i < 0 {
			s.Checks = append(s.Checks, CheckTally{Name: c.Name})
			i = len(s.Checks) - 1
		}
		switch c.Level {
		case Pass:
			s.Checks[i].Pass++
		case Warn:
			s.Checks[i].Warn++
		case Fail:
			s.Checks[i].Fail++
		}
	}
}

// figureSamples collects each figure's values across the requests.
type figureSamples struct {
	headers, firstByte, firstToken, total, gapP50 []time.Duration
	rate, outputTokens                            []float64
}

// add takes the figures of a request that got a 2xx, each only when it
// happened.
func (d *figureSamples) add(res *Result) {
	if !res.Reached() || res.Schedule.Cancelled {
		return
	}
	d.total = append(d.total, res.Total)
	d.outputTokens = append(d.outputTokens, float64(res.OutputTokens))
	appendSome := func(ds *[]time.Duration, v time.Duration) {
		if v > 0 {
			*ds = append(*ds, v)
		}
	}
	appendSome(&d.headers, res.Headers)
	appendSome(&d.firstByte, res.FirstByte)
	appendSome(&d.firstToken, res.FirstToken)
	if len(res.Arrivals) >= 2 {
		d.gapP50 = append(d.gapP50, res.Gaps.P50)
	}
	if res.Rate > 0 {
		d.rate = append(d.rate, res.Rate)
	}
}

// distribution summarises vs with the nearest-rank rule of percentiles.
func distribution[T time.Duration | float64](vs []T) Distribution[T] {
	if len(vs) == 0 {
		return Distribution[T]{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	sum := 0.0
	for _, v := range s {
		sum += float64(v)
	}
	at := func(p float64) T {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Distribution[T]{
		N: len(s), Min: s[0], P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: s[len(s)-1],
		Mean: T(sum / float64(len(s))), P95: at(0.95), P999: at(0.999),
	}
}

// Failed reports whether any check of any request failed.
func (s *Summary) Failed() bool {
	return slices.ContainsFunc(s.Results, (*Result).Failed)
}

// Report writes the summary for a terminal, in at most 80 columns: the
// request, the throughput, a table of the distributions and one of the
// checks' verdicts. With color false it has no escape sequences.
func (s *Summary) Report(w io.Writer, color bool) error {
	st := newReportStyles(color)
	var b strings.Builder
	req := ansi.Truncate(oneLine(s.Method+" "+s.URL), reportWidth-len(reportIndent), "…")
	fmt.Fprintf(&b, "%s  %s\n", st.dim("tok probe"), req)
	fmt.Fprintf(&b, "%s%s in %s · %.1f req/s · %s\n", reportIndent, plural(s.Requests, "request"),
		fmtDur(s.Wall), s.PerSecond, plural(s.Errors, "error"))
	s.writeDistributions(&b, st)
	s.writeTallies(&b, st)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeDistributions writes a table: a row a figure, a column a statistic.
func (s *Summary) writeDistributions(b *strings.Builder, st reportStyles) {
	head := fmt.Sprintf("%-14s%4s%9s%9s%9s%9s%9s%9s", "", "n", "min", "p50", "p90", "p99", "max", "mean")
	fmt.Fprintf(b, "\n  %s\n", st.dim(head))
	row := func(label string, n int, cells []string) {
		fmt.Fprintf(b, "  %s%4d", st.dim(fmt.Sprintf("%-14s", label)), n)
		for _, c := range cells {
			fmt.Fprintf(b, "%9s", c)
		}
		b.WriteString("\n")
	}
	rate := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	whole := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	row("headers", s.Headers.N, s.Headers.cells(fmtDur))
	row("first byte", s.FirstByte.N, s.FirstByte.cells(fmtDur))
	row("first token", s.FirstToken.N, s.FirstToken.cells(fmtDur))
	row("total", s.Total.N, s.Total.cells(fmtDur))
	row("gap p50", s.GapP50.N, s.GapP50.cells(fmtDur))
	row("rate (tok/s)", s.Rate.N, s.Rate.cells(rate))
	row("output tokens", s.OutputTokens.N, s.OutputTokens.cells(whole))
}

// cells are the distribution's figures as text, dashes when it is empty.
func (d Distribution[T]) cells(format func(T) string) []string {
	vs := []T{d.Min, d.P50, d.P90, d.P99, d.Max, d.Mean}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "—"
		if d.N > 0 {
			out[i] = format(v)
		}
	}
	return out
}

// writeTallies writes each check's verdicts counted, and how many
// requests failed one.
func (s *Summary) writeTallies(b *strings.Builder, st reportStyles) {
	nameWidth := len("check")
	for _, t := range s.Checks {
		nameWidth = max(nameWidth, len(t.Name))
	}
	fmt.Fprintf(b, "\n  %s\n", st.dim(fmt.Sprintf("%-*s  %4s  %4s  %4s", nameWidth, "check", "pass", "warn", "fail")))
	count := func(n int, p paint) string {
		if n == 0 {
			p = st.dim
		}
		return p(fmt.Sprintf("%4d", n))
	}
	for _, t := range s.Checks {
		fmt.Fprintf(b, "  %-*s  %s  %s  %s\n", nameWidth, t.Name, count(t.Pass, st.pass), count(t.Warn, st.warn), count(t.Fail, st.fail))
	}
	fmt.Fprintf(b, "\n  %s\n", s.verdict(st))
}

// verdict says how many requests failed a check.
func (s *Summary) verdict(st reportStyles) string {
	failed := 0
	for _, res := range s.Results {
		if res.Failed() {
			failed++
		}
	}
	switch {
	case s.Requests == 0:
		return st.dim("no requests ran")
	case failed == 0:
		return st.pass(fmt.Sprintf("all %s passed", plural(s.Requests, "request")))
	}
	return st.fail(fmt.Sprintf("%d of %d requests failed a check", failed, s.Requests))
}
