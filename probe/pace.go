package probe

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// sleepUntil waits for t; false when ctx ends first. Go's timers fire up
// to a millisecond or so late on Linux (the poller sleeps in whole
// milliseconds), as AIPerf found of event-loop timers, so it sleeps on
// timer until spin before t and yields in a loop for the rest: a
// request goes out within microseconds of when it is due, for a spin of
// at most spin a request.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time, spin time.Duration) bool {
	if wait := time.Until(t) - spin; wait > 0 {
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
	return ctx.Err() == nil
}

// spinFor is how long before each request's time an open loop at rate
// stops sleeping and yields instead: the timers' granularity, at most a
// tenth of the mean gap, so that spinning takes at most a tenth of a core.
func spinFor(rate float64) time.Duration {
	return min(1200*time.Microsecond, time.Duration(float64(time.Second)/rate/10))
}

// acquire takes a place under the ceiling (none: no ceiling), and says
// when one came free if it had to wait for it (else the zero time: the
// ceiling explains none of the delay); false when ctx ends first.
func acquire(ctx context.Context, places chan struct{}) (free time.Time, ok bool) {
	if places == nil {
		return time.Time{}, true
	}
	select {
	case places <- struct{}{}:
		return time.Time{}, true
	default:
	}
	select {
	case places <- struct{}{}:
		return time.Now(), true
	case <-ctx.Done():
		return time.Time{}, false
	}
}

// collector gathers a step's measured results from its workers, and
// counts the requests it may still measure.
type collector struct {
	mu      sync.Mutex
	results []*Result
	taken   int
}

// take claims one of n measured requests; n 0 is any number.
func (c *collector) take(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 && c.taken >= n {
		return false
	}
	c.taken++
	return true
}

func (c *collector) add(res *Result) {
	c.mu.Lock()
	c.results = append(c.results, res)
	c.mu.Unlock()
}
