package probe

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SLO are latency targets (service level objectives): a request is good
// when it ended well and meets every target set, as AIPerf's --goodput
// and vLLM's --goodput judge one. Zero fields set no target.
type SLO struct {
	// TTFT bounds the time to first token, counted from when the request
	// was due (see [Schedule]).
	TTFT time.Duration
	// ITL bounds the inter-token latency: the time per output token
	// after the first ([Result.PerToken]; AIPerf's ITL, vLLM's TPOT).
	ITL time.Duration
	// TPS is the fewest output tokens a second one user must see
	// ([Result.Rate], AIPerf's output token throughput per user).
	TPS float64
	// E2E bounds the whole request, from when it was due to its end.
	E2E time.Duration
	// MinGood is the share of requests that must be good for a step to
	// meet the targets; 0 is 0.9.
	MinGood float64
}

// DefaultMinGood is the share of good requests a step needs when
// [SLO.MinGood] is 0.
const DefaultMinGood = 0.9

// ParseSLO reads targets written as "ttft=800ms,itl=50ms,tps=20,e2e=30s",
// any subset, durations with their unit.
func ParseSLO(s string) (*SLO, error) {
	slo := &SLO{}
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("%q is not a target: write name=value, as in ttft=800ms", item)
		}
		if err := slo.set(strings.ToLower(k), v); err != nil {
			return nil, err
		}
	}
	if slo.TTFT == 0 && slo.ITL == 0 && slo.TPS == 0 && slo.E2E == 0 {
		return nil, fmt.Errorf("no target: give ttft, itl, tps or e2e, as in ttft=800ms,itl=50ms")
	}
	return slo, nil
}

func (slo *SLO) set(k, v string) error {
	if k == "tps" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("tps=%s: want tokens a second, as in tps=20", v)
		}
		slo.TPS = f
		return nil
	}
	target := map[string]*time.Duration{"ttft": &slo.TTFT, "itl": &slo.ITL, "e2e": &slo.E2E}[k]
	if target == nil {
		return fmt.Errorf("unknown target %q: targets are ttft, itl, tps and e2e", k)
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s=%s: want a duration with its unit, as in %s=800ms", k, v, k)
	}
	*target = d
	return nil
}

// minGood is MinGood, or its default.
func (slo *SLO) minGood() float64 {
	if slo.MinGood > 0 {
		return slo.MinGood
	}
	return DefaultMinGood
}

// String writes the targets as people read them: "ttft ≤ 800ms and itl ≤ 50ms".
func (slo *SLO) String() string {
	var parts []string
	for _, t := range slo.targets() {
		parts = append(parts, t.String())
	}
	switch len(parts) {
	case 0:
		return "no target"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// target is one of the SLO's bounds on one figure of a request.
type target struct {
	name  string
	limit float64 // in milliseconds, or tokens a second for tps
	upper bool    // the figure must be at most limit (else at least)
	// of is the request's figure, ok false when the request has none to
	// judge (fewer than two tokens have no inter-token latency).
	of func(res *Result) (v float64, ok bool)
}

func (t target) String() string {
	if t.upper {
		return t.name + " ≤ " + fmtDur(time.Duration(t.limit*1e6))
	}
	return t.name + " ≥ " + trimFloat(t.limit)
}

// met reports whether res meets the target; one it cannot judge, it meets.
func (t target) met(res *Result) bool {
	v, ok := t.of(res)
	switch {
	case !ok:
		return true
	case t.upper:
		return v <= t.limit
	}
	return v >= t.limit
}

func (slo *SLO) targets() []target {
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	var ts []target
	if slo.TTFT > 0 {
		ts = append(ts, target{"ttft", ms(slo.TTFT), true, func(res *Result) (float64, bool) {
			first := res.firstAny()
			return ms(res.Schedule.Delay + first), first > 0
		}})
	}
	if slo.ITL > 0 {
		ts = append(ts, target{"itl", ms(slo.ITL), true, func(res *Result) (float64, bool) {
			return ms(res.PerToken), res.PerToken > 0
		}})
	}
	if slo.TPS > 0 {
		ts = append(ts, target{"tps", slo.TPS, false, func(res *Result) (float64, bool) {
			return res.Rate, res.Rate > 0
		}})
	}
	if slo.E2E > 0 {
		ts = append(ts, target{"e2e", ms(slo.E2E), true, func(res *Result) (float64, bool) {
			return ms(res.Schedule.Delay + res.Total), true
		}})
	}
	return ts
}

// good reports whether res is a good request: it ended well, a first
// token came if a ttft target is set, and it meets every target.
func (slo *SLO) good(res *Result) bool {
	if res.errored() || (slo.TTFT > 0 && res.firstAny() == 0) {
		return false
	}
	for _, t := range slo.targets() {
		if !t.met(res) {
			return false
		}
	}
	return true
}

// miss says why a step's requests missed: the target the fewest met, as
// its figure at the percentile the step needed ("ttft p90 1.9s"), or the
// errors when they alone sank it.
func (slo *SLO) miss(results []*Result) string {
	need := slo.minGood()
	worst, worstShare := -1, 2.0
	ts := slo.targets()
	for i, t := range ts {
		met, n := 0, 0
		for _, res := range results {
			if _, ok := t.of(res); ok && !res.errored() {
				n++
				if t.met(res) {
					met++
				}
			}
		}
		if n > 0 && float64(met)/float64(n) < worstShare {
			worst, worstShare = i, float64(met)/float64(n)
		}
	}
	if worst < 0 || worstShare >= need {
		errs := 0
		for _, res := range results {
			if res.errored() {
				errs++
			}
		}
		return fmt.Sprintf("%d of %d requests failed", errs, len(results))
	}
	t := ts[worst]
	var vs []float64
	for _, res := range results {
		if v, ok := t.of(res); ok && !res.errored() {
			vs = append(vs, v)
		}
	}
	p := need
	if !t.upper {
		p = 1 - need // the low end of a rate
	}
	v := percentileOf(vs, p)
	if t.upper {
		return fmt.Sprintf("%s %s %s", t.name, pLabel(p), fmtDur(time.Duration(v*1e6)))
	}
	return fmt.Sprintf("%s %s %s", t.name, pLabel(p), trimFloat(v))
}

// pLabel names a percentile: p90, p99.9.
func pLabel(p float64) string {
	return "p" + strconv.FormatFloat(float64(int64(p*1000+0.5))/10, 'f', -1, 64)
}

// firstAny is the first token of any kind, reasoning or answer: AIPerf's
// time to first token (its TTFO is the answer's, [Result.FirstToken]).
func (res *Result) firstAny() time.Duration {
	if res.FirstThinking > 0 && (res.FirstToken == 0 || res.FirstThinking < res.FirstToken) {
		return res.FirstThinking
	}
	return res.FirstToken
}
