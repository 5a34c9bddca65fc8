package probe

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tokcli/tok/client"
)

// Step is one level of a load ([Drive]): the requests it measured and
// their figures, after the definitions of NVIDIA AIPerf's metrics
// reference (docs/metrics-reference.md), which vLLM's bench serve and
// GuideLLM share in substance:
//
//   - TTFT, time to first token: to the first token of any kind,
//     reasoning included; TTFO (AIPerf's time to first output token) to
//     the first answer token, when a reasoning came first.
//   - TTST, time to second token: from the first answer token to the
//     second (AIPerf's TTST).
//   - ITL, inter-token latency: each request's time per output token
//     after the first, (end − first token) / (output tokens − 1), as
//     AIPerf's ITL and vLLM's TPOT ([Result.PerToken]).
//   - ICL, inter-chunk latency: every gap between text events, of every
//     request, pooled (AIPerf's ICL; what vLLM calls ITL).
//   - E2E: from the request to its end.
//   - TPS: each request's output tokens a second after the first, 1/ITL
//     (AIPerf's output token throughput per user).
//
// Latencies count from when a request was due, not when it was sent
// (headers, first byte, TTFT, TTFO and E2E add [Schedule.Delay]), so in
// an open loop a server that slows down cannot hide behind the
// generator waiting for its ceiling (coordinated omission, as Gil Tene
// named it). Cancelled requests are counted but left out of the figures
// and of the good fraction; failed ones are left out of the figures and
// count as not good (AIPerf's good request fraction).
type Step struct {
	Index int
	Load  Load
	// Arrival spaces the requests of an open loop; Closed for a closed one.
	Arrival Arrival
	// Start is when the step began; Warmup how long its requests did not
	// count; Window how long it sent requests that do; Wall from the end
	// of the warmup to the last request's end.
	Start                time.Time
	Warmup, Window, Wall time.Duration
	// Results are the measured requests, in the order they were due.
	Results []*Result

	// Requests counts the results; Errors those that failed (no 2xx, an
	// error, a failed end check); Cancelled those the probe cancelled.
	Requests, Errors, Cancelled int
	// ErrorKinds counts the errors by kind (see [Result.ErrorKind]).
	ErrorKinds map[string]int
	// PerSecond is requests ended over Wall; AchievedRate is the rate at
	// which an open loop sent its requests (the offered rate, as the
	// ceiling and the generator kept it);
	// TokensPerSecond is output tokens over Wall, for all users together.
	PerSecond, AchievedRate, TokensPerSecond float64
	OutputTokens                             int

	Headers, FirstByte, TTFT, TTFO, TTST, ITL, ICL, E2E Distribution[time.Duration]
	// Delay is when requests were sent after they were due; Lag the part
	// of it the ceiling does not explain: the generator's own lateness.
	Delay, Lag  Distribution[time.Duration]
	TPS, Tokens Distribution[float64]

	// Good counts the good requests when the shape has an [SLO];
	// GoodFraction is Good over the requests not cancelled, Goodput Good
	// over Wall; Met reports GoodFraction ≥ the SLO's MinGood, and Missed
	// says why not ("ttft p90 1.9s").
	Good                  int
	GoodFraction, Goodput float64
	Met                   bool
	Missed                string
	// Saturated: throughput rose under 10% over the previous step while
	// the median E2E rose over 20%.
	Saturated bool

	// Checks tallies the requests' checks; ServerStop, when requests were
	// cancelled, says whether the server stopped generating for them.
	Checks     []CheckTally
	ServerStop *Check
}

// Schedule is how a request ran under load: when it was due and sent.
type Schedule struct {
	// Step is the step's index.
	Step int
	// Due is when the request was due, from the step's start: the
	// arrival process's time in an open loop, the worker's turn in a
	// closed one.
	Due time.Duration
	// Delay is from Due to when the request was sent: the wait for a
	// free place under the ceiling, and the generator's lag.
	Delay time.Duration
	// Lag is the part of Delay no ceiling explains: the generator's own
	// lateness in sending.
	Lag time.Duration
	// Cancelled: the probe cancelled it mid-stream (Shape.CancelRate).
	Cancelled bool
	// Judged: the shape had an SLO, and Good says whether the request met it.
	Judged, Good bool
}

// summarize computes the step's figures from its results.
func (st *Step) summarize(slo *SLO) {
	st.ErrorKinds = map[string]int{}
	var f stepSamples
	var last time.Duration
	for _, res := range st.Results {
		st.Requests++
		st.tallyChecks(res.Checks)
		last = max(last, res.Schedule.Due+res.Schedule.Delay+res.Total)
		switch {
		case res.Schedule.Cancelled:
			st.Cancelled++
			continue
		case res.errored():
			st.Errors++
			st.ErrorKinds[res.ErrorKind()]++
		default:
			st.OutputTokens += res.OutputTokens
		}
		if slo != nil {
			res.Schedule.Judged, res.Schedule.Good = true, slo.good(res)
			if res.Schedule.Good {
				st.Good++
			}
		}
		f.add(res)
	}
	st.Wall = max(last-st.Warmup, time.Millisecond)
	st.figures(&f)
	st.rates()
	if slo != nil {
		st.judge(slo)
	}
}

func (st *Step) figures(f *stepSamples) {
	st.Headers, st.FirstByte, st.TTFT = distribution(f.headers), distribution(f.firstByte), distribution(f.ttft)
	st.TTFO, st.TTST, st.ITL = distribution(f.ttfo), distribution(f.ttst), distribution(f.itl)
	st.ICL, st.E2E = distribution(f.icl), distribution(f.e2e)
	st.Delay, st.Lag = distribution(f.delay), distribution(f.lag)
	st.TPS, st.Tokens = distribution(f.tps), distribution(f.tokens)
}

func (st *Step) rates() {
	ended := st.Requests - st.Cancelled
	st.PerSecond = float64(ended) / st.Wall.Seconds()
	st.TokensPerSecond = float64(st.OutputTokens) / st.Wall.Seconds()
	if st.Load.Open() {
		st.AchievedRate = sendRate(st.Results)
	}
}

// sendRate is the rate at which results were sent: the gaps between the
// first send and the last over their time.
func sendRate(results []*Result) float64 {
	if len(results) < 2 {
		return 0
	}
	first, last := time.Duration(math.MaxInt64), time.Duration(0)
	for _, res := range results {
		at := res.Schedule.Due + res.Schedule.Delay
		first, last = min(first, at), max(last, at)
	}
	if last <= first {
		return 0
	}
	return float64(len(results)-1) / (last - first).Seconds()
}

func (st *Step) judge(slo *SLO) {
	judged := st.Requests - st.Cancelled
	if judged == 0 {
		st.Missed = "no request ran"
		return
	}
	st.GoodFraction = float64(st.Good) / float64(judged)
	st.Goodput = float64(st.Good) / st.Wall.Seconds()
	st.Met = st.GoodFraction >= slo.minGood()
	if !st.Met {
		var judgedResults []*Result
		for _, res := range st.Results {
			if !res.Schedule.Cancelled {
				judgedResults = append(judgedResults, res)
			}
		}
		st.Missed = slo.miss(judgedResults)
	}
}

func (st *Step) tallyChecks(checks []Check) {
	s := Summary{Checks: st.Checks}
	s.tallyChecks(checks)
	st.Checks = s.Checks
}

// Failed reports whether a check of any request failed.
func (st *Step) Failed() bool {
	return slices.ContainsFunc(st.Checks, func(t CheckTally) bool { return t.Fail > 0 }) ||
		(st.ServerStop != nil && st.ServerStop.Level == Fail)
}

// stepSamples collects each figure's values across a step's requests.
type stepSamples struct {
	headers, firstByte, ttft, ttfo, ttst, itl, icl, e2e, delay, lag []time.Duration
	tps, tokens                                                     []float64
}

// add takes the figures of a request that got a 2xx, each only when it
// happened; the latencies count from when it was due.
func (f *stepSamples) add(res *Result) {
	f.delay = append(f.delay, res.Schedule.Delay)
	f.lag = append(f.lag, res.Schedule.Lag)
	if !res.Reached() || res.errored() {
		return
	}
	due := res.Schedule.Delay
	some := func(ds *[]time.Duration, v time.Duration, ok bool) {
		if ok {
			*ds = append(*ds, v)
		}
	}
	some(&f.headers, due+res.Headers, res.Headers > 0)
	some(&f.firstByte, due+res.FirstByte, res.FirstByte > 0)
	some(&f.ttft, due+res.firstAny(), res.firstAny() > 0)
	some(&f.ttfo, due+res.FirstToken, res.FirstThinking > 0 && res.FirstToken > 0)
	some(&f.e2e, due+res.Total, true)
	some(&f.itl, res.PerToken, res.PerToken > 0)
	if len(res.Arrivals) >= 2 {
		f.ttst = append(f.ttst, res.Arrivals[1]-res.Arrivals[0])
		for i := 1; i < len(res.Arrivals); i++ {
			f.icl = append(f.icl, res.Arrivals[i]-res.Arrivals[i-1])
		}
	}
	if res.Rate > 0 {
		f.tps = append(f.tps, res.Rate)
	}
	f.tokens = append(f.tokens, float64(res.OutputTokens))
}

// ErrorKind names how a failed request failed, for the counts by kind:
// "http_429" (any status that is no 2xx), "connect" (no answer),
// "timeout", "idle_timeout", "server_error" (an error event), "cut_off"
// (the stream ended before its end), "limit" (past a probe's limits),
// "end" (the end check failed otherwise), "error" (any other); "" for a
// request that did not fail, or that the probe cancelled.
func (res *Result) ErrorKind() string {
	var te *client.TimeoutError
	var le *LimitError
	var co *client.CutOffError
	switch {
	case !res.errored():
		return ""
	case res.Status != 0 && !res.Reached():
		return "http_" + strconv.Itoa(res.Status)
	case errors.As(res.Err, &te) && te.Idle:
		return "idle_timeout"
	case errors.As(res.Err, &te):
		return "timeout"
	case res.Status == 0 && res.Err != nil:
		return "connect"
	case res.ServerError != nil:
		return "server_error"
	case errors.As(res.Err, &le):
		return "limit"
	case errors.As(res.Err, &co):
		return "cut_off"
	case res.Err != nil:
		return "error"
	}
	return "end"
}

// percentileOf is the nearest-rank percentile p of vs (0 for none).
func percentileOf(vs []float64, p float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
