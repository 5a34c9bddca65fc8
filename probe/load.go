package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokcli/tok/client"
)

// RequestFunc builds one request of a load, under ctx (a request is
// built for each send: bodies are read once).
type RequestFunc func(ctx context.Context) (*http.Request, error)

// Drive puts shape's load on an endpoint: a step for each of its levels
// ([Shape.Levels]), each request probed as [Run] probes one, through c.
// Give c a transport that keeps a connection per concurrent request
// (MaxIdleConnsPerHost), or the steps measure dialling.
//
// A sweep stops early once two steps in a row miss the SLO, or two steps
// in a row saturate (throughput up under 10% while the median E2E rose
// over 20%), as GuideLLM's sweeps stop at over-saturation. When ctx ends
// Drive returns what it measured so far, Interrupted set, the requests it
// cut short left out.
func Drive(ctx context.Context, c *client.Client, newRequest RequestFunc, shape Shape, opts Options) *Outcome {
	d := &driver{c: c, newRequest: newRequest, shape: shape, opts: opts}
	out := &Outcome{Kind: KindLoad, Shape: shape}
	levels := shape.Levels()
	if len(levels) > 1 {
		out.Kind = KindSweep
	}
	gen := startGenerator()
	misses, saturated := 0, 0
	for i, lv := range levels {
		st := d.run(ctx, i, lv)
		out.Steps = append(out.Steps, st)
		if ctx.Err() != nil {
			out.Interrupted = true
			break
		}
		if i > 0 {
			st.Saturated = saturates(out.Steps[i-1], st)
		}
		misses, saturated = streak(misses, shape.SLO != nil && !st.Met), streak(saturated, st.Saturated)
		if misses >= 2 || saturated >= 2 {
			out.Stopped = "two steps in a row missed the targets"
			if misses < 2 {
				out.Stopped = "throughput stopped rising while latency climbed, two steps in a row"
			}
			break
		}
	}
	out.Generator = gen.stop(out.Steps)
	out.finish()
	return out
}

func streak(n int, hit bool) int {
	if hit {
		return n + 1
	}
	return 0
}

// saturates reports whether cur gained under 10% of prev's throughput
// (output tokens, or requests when none came) while its median E2E rose
// over 20%.
func saturates(prev, cur *Step) bool {
	gain := cur.TokensPerSecond / prev.TokensPerSecond
	if prev.TokensPerSecond == 0 {
		gain = cur.PerSecond / max(prev.PerSecond, 1e-9)
	}
	return gain < 1.1 && prev.E2E.N > 0 && cur.E2E.N > 0 && float64(cur.E2E.P50) > 1.2*float64(prev.E2E.P50)
}

// driver runs the steps of one [Drive].
type driver struct {
	c          *client.Client
	newRequest RequestFunc
	shape      Shape
	opts       Options
	sent       atomic.Uint64 // requests sent so far, to pick those to cancel
}

// run runs one step: its warmup, then its measured requests, and waits
// for those in flight.
func (d *driver) run(ctx context.Context, index int, lv Load) *Step {
	st := &Step{Index: index, Load: lv, Arrival: Closed, Start: time.Now(), Warmup: d.shape.Warmup, Window: d.shape.Duration}
	col := &collector{}
	if lv.Open() {
		st.Arrival = cmp.Or(d.shape.Arrival, Poisson)
		d.open(ctx, st, col)
	} else {
		d.closed(ctx, st, col)
	}
	st.Results = col.results
	if ctx.Err() != nil { // the requests the interrupt cut short measured nothing
		st.Results = slices.DeleteFunc(st.Results, func(res *Result) bool {
			return !res.Schedule.Cancelled && (errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded))
		})
	}
	slices.SortStableFunc(st.Results, func(a, b *Result) int { return cmp.Compare(a.Schedule.Due, b.Schedule.Due) })
	if d.shape.Requests > 0 {
		st.Window = sendWindow(st.Results)
	}
	st.summarize(d.shape.SLO)
	if st.Cancelled > 0 && ctx.Err() == nil {
		st.ServerStop = serverStopped(ctx, d.shape.Stats, st)
	}
	return st
}

// sendWindow is the time over which the results were sent, stretched by
// a gap so that n requests sent 1/rate apart make a window of n/rate:
// the window of a step bounded by -n.
func sendWindow(results []*Result) time.Duration {
	if len(results) < 2 {
		return 0
	}
	first := results[0].Schedule.Due + results[0].Schedule.Delay
	last := first
	for _, res := range results {
		last = max(last, res.Schedule.Due+res.Schedule.Delay)
	}
	n := time.Duration(len(results))
	return (last - first) * n / (n - 1)
}

// closed runs a closed loop: each of the level's workers sends a request
// as soon as its last one ended.
func (d *driver) closed(ctx context.Context, st *Step, col *collector) {
	warm := st.Start.Add(st.Warmup)
	end := warm.Add(d.shape.Duration)
	var wg sync.WaitGroup
	for range st.Load.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				now := time.Now()
				if d.shape.Requests == 0 && !now.Before(end) {
					return
				}
				measured := !now.Before(warm)
				if measured && !col.take(d.shape.Requests) {
					return
				}
				res := d.send(ctx, st, now.Sub(st.Start), time.Time{})
				if measured {
					col.add(res)
				}
			}
		})
	}
	wg.Wait()
}

// open runs an open loop: requests due at the arrival process's times,
// whatever the server does, under the ceiling of concurrency. A request
// due while the ceiling is reached waits for a place (and the ones after
// it wait behind it); its latency still counts from when it was due.
func (d *driver) open(ctx context.Context, st *Step, col *collector) {
	next := arrivals(st.Arrival, st.Load.Rate, d.shape.Burstiness, d.shape.Seed+uint64(st.Index))
	var places chan struct{}
	if st.Load.Concurrency > 0 {
		places = make(chan struct{}, st.Load.Concurrency)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	spin := spinFor(st.Load.Rate)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		due := next()
		if d.shape.Requests == 0 && due >= st.Warmup+d.shape.Duration {
			return
		}
		measured := due >= st.Warmup
		if measured && !col.take(d.shape.Requests) {
			return
		}
		if !sleepUntil(ctx, timer, st.Start.Add(due), spin) {
			return
		}
		free, ok := acquire(ctx, places)
		if !ok {
			return
		}
		wg.Go(func() {
			if places != nil {
				defer func() { <-places }()
			}
			res := d.send(ctx, st, due, free)
			if measured {
				col.add(res)
			}
		})
	}
}

// send probes one request due at due (from the step's start), with a
// place that came free at free (zero: there when it was due), and notes
// its schedule; it cancels the request mid-stream when it is one of
// those to cancel.
func (d *driver) send(ctx context.Context, st *Step, due time.Duration, free time.Time) *Result {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := d.sent.Add(1)
	req, err := d.newRequest(rctx)
	if err != nil {
		res := &Result{Err: fmt.Errorf("build the request: %w", err)}
		res.check(d.opts)
		return res
	}
	sent := time.Now()
	var cut atomic.Bool
	if d.cancels(st.Index, n) {
		t := time.AfterFunc(d.shape.CancelAfter, func() { cut.Store(true); cancel() })
		defer t.Stop()
	}
	res := Run(rctx, d.c, req, d.opts)
	dueAt := st.Start.Add(due)
	res.Schedule = Schedule{Step: st.Index, Due: due, Delay: max(sent.Sub(dueAt), 0)}
	if free.After(dueAt) {
		dueAt = free
	}
	res.Schedule.Lag = max(sent.Sub(dueAt), 0)
	if cut.Load() && res.Err != nil && ctx.Err() == nil {
		res.cancelled(d.shape.CancelAfter)
	}
	return res
}

// cancels picks the requests to cancel: a share CancelRate of them, by a
// draw seeded from the shape's seed, the step and the request's number.
func (d *driver) cancels(step int, n uint64) bool {
	if d.shape.CancelRate <= 0 {
		return false
	}
	rng := rand.New(rand.NewPCG(d.shape.Seed^0xca9ce1, uint64(step)<<40|n))
	return rng.Float64() < d.shape.CancelRate
}

// cancelled marks a request the probe cut short: the checks of how a
// stream ends (and a status that never came) do not apply to it.
func (res *Result) cancelled(after time.Duration) {
	res.Schedule.Cancelled = true
	keep := res.Checks[:0]
	for _, c := range res.Checks {
		switch {
		case slices.Contains([]string{"end", "cut-off", "after end", "heartbeats", "buffering", "rate", "ttft"}, c.Name):
		case (c.Name == "status" || c.Name == "dialect") && c.Level == Fail:
		default:
			keep = append(keep, c)
		}
	}
	res.Checks = append(keep, Check{"cancel", Pass, fmt.Sprintf("cancelled by the probe %s after it was sent (--cancel-rate)", fmtDur(after))})
}
