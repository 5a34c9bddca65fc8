package probe

import (
	"fmt"
	"slices"
	"time"
)

// Kind says what an [Outcome] holds.
type Kind string

// The kinds of outcome.
const (
	// KindRequest is one request ([Single]).
	KindRequest Kind = "request"
	// KindLoad is one step of load: -n, -c, --rate, --duration.
	KindLoad Kind = "load"
	// KindSweep is several steps: -c 1,2,4,8 or --rate 5,10,20.
	KindSweep Kind = "sweep"
)

// Outcome is what a probe found, whatever its size: one request, one step
// of load or a sweep of steps. Its JSON ([Outcome.MarshalJSON]) has one
// shape for the three, which schema.json documents.
type Outcome struct {
	Kind        Kind
	URL, Method string
	// Shape is the load it ran (zero for one request).
	Shape Shape
	Steps []*Step
	// Capacity is a sweep's verdict; nil for one step.
	Capacity *Capacity
	// Stopped says why a sweep stopped before its last level, "" when it
	// did not.
	Stopped string
	// Generator is what the generator says of itself; nil for one request.
	Generator *Generator
	// Interrupted: the run was cut short (Ctrl+C), and holds what it
	// measured so far.
	Interrupted bool
}

// Capacity is a sweep's verdict: the highest level at which the
// requests met the targets, every level below it meeting them too.
type Capacity struct {
	// Met is that level; nil when none did, or the shape had no SLO.
	Met *Load
	// Failed is the first level that did not, with why ("ttft p90 1.9s");
	// nil when every level met them.
	Failed *Load
	Missed string
	// Peak is the lowest level whose throughput came within 5% of the
	// highest seen, for a sweep without targets; zero otherwise.
	Peak Load
	// Line says it all in words, for people.
	Line string
}

// Single is the outcome of one request: one step of one result.
func Single(res *Result) *Outcome {
	st := &Step{Load: Load{Concurrency: 1}, Arrival: Closed, Results: []*Result{res}}
	st.summarize(nil)
	out := &Outcome{Kind: KindRequest, Steps: []*Step{st}}
	out.finish()
	return out
}

// Results are every step's results, in order.
func (o *Outcome) Results() []*Result {
	var out []*Result
	for _, st := range o.Steps {
		out = append(out, st.Results...)
	}
	return out
}

// Reached reports whether any request got a 2xx answer.
func (o *Outcome) Reached() bool {
	return slices.ContainsFunc(o.Results(), (*Result).Reached)
}

// Passed reports whether the probe passed, as its exit code says: for one
// request or one step, no check failed (and the step met the SLO, when
// one is set); for a sweep, some level met the SLO, or, without one, the
// first level's checks all passed (a sweep means to find where the
// server fails).
func (o *Outcome) Passed() bool {
	if len(o.Steps) == 0 {
		return false
	}
	if o.Kind == KindSweep {
		if o.Shape.SLO != nil {
			return o.Capacity != nil && o.Capacity.Met != nil
		}
		return !o.Steps[0].Failed()
	}
	st := o.Steps[0]
	return !st.Failed() && (o.Shape.SLO == nil || st.Met)
}

// finish fills in the URL and method and, for a sweep, the capacity.
func (o *Outcome) finish() {
	for _, res := range o.Results() {
		if res.URL != "" {
			o.URL, o.Method = res.URL, res.Method
			break
		}
	}
	if o.Kind == KindSweep && len(o.Steps) > 0 {
		o.Capacity = o.capacity()
	}
}

// capacity judges a sweep: with targets, the highest level that met them
// with every level below; without, where throughput levelled off.
func (o *Outcome) capacity() *Capacity {
	slo := o.Shape.SLO
	if slo == nil {
		return o.peak()
	}
	c := &Capacity{}
	for _, st := range o.Steps {
		if !st.Met {
			c.Failed, c.Missed = &st.Load, st.Missed
			break
		}
		c.Met = &st.Load
	}
	need := fmt.Sprintf("%s for %s of requests", slo, percent(slo.minGood()))
	switch {
	case c.Met == nil:
		c.Line = fmt.Sprintf("capacity: not even %s %s %s (%s)", c.Failed, verb(c.Failed), need, c.Missed)
	case c.Failed == nil:
		c.Line = fmt.Sprintf("capacity: %s %s %s, the most tried: the limit is higher", c.Met, verb(c.Met), need)
	default:
		c.Line = fmt.Sprintf("capacity: %s %s %s (%s %s not: %s)", c.Met, verb(c.Met), need, levelNumber(*c.Failed), doVerb(c.Failed), c.Missed)
	}
	return c
}

// peak finds where throughput levelled off, for a sweep without targets.
func (o *Outcome) peak() *Capacity {
	top := 0.0
	for _, st := range o.Steps {
		top = max(top, st.TokensPerSecond)
	}
	c := &Capacity{}
	for _, st := range o.Steps {
		if st.TokensPerSecond >= 0.95*top {
			c.Peak = st.Load
			break
		}
	}
	c.Line = fmt.Sprintf("capacity: throughput levels off at %s (%.0f output tokens/s); set --slo for a verdict on latency", c.Peak, top)
	return c
}

// verb agrees with a level: "1 concurrent stream meets", "8 … meet".
func verb(l *Load) string {
	if !l.Open() && l.Concurrency == 1 {
		return "meets"
	}
	return "meet"
}

func doVerb(l *Load) string {
	if !l.Open() && l.Concurrency == 1 {
		return "does"
	}
	return "do"
}

// levelNumber is a level's number alone: "16", "40/s".
func levelNumber(l Load) string {
	if l.Open() {
		return trimFloat(l.Rate) + "/s"
	}
	return fmt.Sprint(l.Concurrency)
}

// percent writes a share: 90%, 99.5%.
func percent(f float64) string { return trimFloat(f*100) + "%" }

// wall is the time the outcome's steps took, warmups included.
func (o *Outcome) wall() time.Duration {
	var d time.Duration
	for _, st := range o.Steps {
		d += st.Warmup + st.Wall
	}
	return d
}
