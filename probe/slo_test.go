package probe

import (
	"strings"
	"testing"
	"time"
)

func TestParseSLO(t *testing.T) {
	t.Parallel()
	slo, err := ParseSLO("ttft=800ms, itl=50ms,tps=20,e2e=30s")
	if err != nil || slo.TTFT != 800*time.Millisecond || slo.ITL != 50*time.Millisecond || slo.TPS != 20 || slo.E2E != 30*time.Second {
		t.Fatalf("ParseSLO = %+v, %v", slo, err)
	}
	if got := slo.String(); got != "ttft ≤ 800ms, itl ≤ 50ms, tps ≥ 20 and e2e ≤ 30.0s" {
		t.Errorf("String() = %q", got)
	}
	for in, want := range map[string]string{
		"ttft=800":     "with its unit",
		"ttft":         "name=value",
		"speed=3":      "unknown target",
		"tps=fast":     "tokens a second",
		"itl=-5ms":     "with its unit",
		"ttft=0s":      "with its unit",
		"ttft=1s,tps=": "name=value",
	} {
		if _, err := ParseSLO(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSLO(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// request is a finished request with these figures, due delay before it
// was sent.
func request(delay, ttft, itl time.Duration, tokens int) *Result {
	res := &Result{Status: 200, FirstToken: ttft, PerToken: itl, OutputTokens: tokens,
		Total: ttft + itl*time.Duration(tokens-1), Checks: []Check{{"end", Pass, ""}}}
	if itl > 0 {
		res.Rate = float64(time.Second) / float64(itl)
	}
	res.Schedule.Delay = delay
	return res
}

func TestSLOJudgesEachRequest(t *testing.T) {
	t.Parallel()
	slo := &SLO{TTFT: 800 * time.Millisecond, ITL: 50 * time.Millisecond, TPS: 15}
	failed := request(0, 100*time.Millisecond, 20*time.Millisecond, 10)
	failed.Checks[0].Level = Fail
	thinking := request(0, 900*time.Millisecond, 20*time.Millisecond, 10)
	thinking.FirstThinking = 200 * time.Millisecond
	tests := []struct {
		name string
		res  *Result
		good bool
	}{
		{"within", request(0, 300*time.Millisecond, 40*time.Millisecond, 10), true},
		{"slow first token", request(0, 900*time.Millisecond, 40*time.Millisecond, 10), false},
		{"queued past the target", request(600*time.Millisecond, 300*time.Millisecond, 40*time.Millisecond, 10), false},
		{"slow tokens", request(0, 300*time.Millisecond, 70*time.Millisecond, 10), false},
		{"one token: no itl to judge", request(0, 300*time.Millisecond, 0, 1), true},
		{"failed", failed, false},
		{"no token", &Result{Status: 200, Checks: []Check{{"end", Pass, ""}}}, false},
		{"reasoning first counts as the first token", thinking, true},
	}
	for _, tt := range tests {
		if got := slo.good(tt.res); got != tt.good {
			t.Errorf("%s: good = %v, want %v", tt.name, got, tt.good)
		}
	}
}

// stepOf is a summarized step of results under slo.
func stepOf(l Load, slo *SLO, results ...*Result) *Step {
	st := &Step{Load: l, Arrival: Closed, Results: results}
	st.summarize(slo)
	return st
}

func TestStepGoodputAndMiss(t *testing.T) {
	t.Parallel()
	slo := &SLO{TTFT: time.Second}
	var rs []*Result
	for i := range 10 {
		rs = append(rs, request(0, time.Duration(i+1)*200*time.Millisecond, 10*time.Millisecond, 5))
	}
	st := stepOf(Load{Concurrency: 4}, slo, rs...)
	if st.Good != 5 || st.GoodFraction != 0.5 || st.Met || st.Goodput <= 0 {
		t.Errorf("good %d, fraction %v, met %v, goodput %v; want 5, 0.5, false, > 0", st.Good, st.GoodFraction, st.Met, st.Goodput)
	}
	if st.Missed != "ttft p90 1.80s" {
		t.Errorf("missed = %q, want the ttft at p90", st.Missed)
	}
	cancelled := request(0, 5*time.Second, 10*time.Millisecond, 5)
	cancelled.Schedule.Cancelled = true
	st = stepOf(Load{Concurrency: 4}, slo, request(0, 100*time.Millisecond, 0, 1), cancelled)
	if st.Cancelled != 1 || st.GoodFraction != 1 || !st.Met || st.Errors != 0 {
		t.Errorf("a cancelled request: cancelled %d, fraction %v, met %v, errors %d; want it left out", st.Cancelled, st.GoodFraction, st.Met, st.Errors)
	}
}

func TestCapacityLine(t *testing.T) {
	t.Parallel()
	slo := &SLO{TTFT: 800 * time.Millisecond, ITL: 50 * time.Millisecond}
	good := func(c int) *Step {
		return stepOf(Load{Concurrency: c}, slo, request(0, 300*time.Millisecond, 30*time.Millisecond, 10))
	}
	bad := func(c int) *Step {
		return stepOf(Load{Concurrency: c}, slo, request(0, 1900*time.Millisecond, 30*time.Millisecond, 10))
	}
	tests := []struct {
		steps []*Step
		want  string
	}{
		{[]*Step{good(1), good(8), bad(16), bad(32)},
			"capacity: 8 concurrent streams meet ttft ≤ 800ms and itl ≤ 50ms for 90% of requests (16 do not: ttft p90 1.90s)"},
		{[]*Step{bad(1), bad(2)}, "capacity: not even 1 concurrent stream meets ttft ≤ 800ms and itl ≤ 50ms for 90% of requests (ttft p90 1.90s)"},
		{[]*Step{good(1), good(2)}, "capacity: 2 concurrent streams meet ttft ≤ 800ms and itl ≤ 50ms for 90% of requests, the most tried: the limit is higher"},
		{[]*Step{good(1), bad(2), good(4)}, "capacity: 1 concurrent stream meets ttft ≤ 800ms and itl ≤ 50ms for 90% of requests (2 do not: ttft p90 1.90s)"},
	}
	for _, tt := range tests {
		out := &Outcome{Kind: KindSweep, Shape: Shape{SLO: slo}, Steps: tt.steps}
		out.finish()
		if out.Capacity.Line != tt.want {
			t.Errorf("capacity line\n got %q\nwant %q", out.Capacity.Line, tt.want)
		}
	}
}
