package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrival is how an open loop spaces its requests in time.
type Arrival string

// The arrival processes of an open loop, as AIPerf's --arrival-pattern
// and vLLM bench serve's --request-rate with --burstiness name them.
const (
	// Closed is no arrival process: a closed loop, each of Concurrency
	// workers sending its next request when its last one ended.
	Closed Arrival = "closed"
	// Constant spaces requests 1/rate apart.
	Constant Arrival = "constant"
	// Poisson draws the gaps from an exponential distribution of mean
	// 1/rate: independent users.
	Poisson Arrival = "poisson"
	// Gamma draws the gaps from a gamma distribution of shape Burstiness
	// and mean 1/rate (vLLM's burstiness): under 1 burstier than
	// Poisson, over 1 smoother, 1 is Poisson.
	Gamma Arrival = "gamma"
)

// ParseArrival reads an arrival process by name.
func ParseArrival(s string) (Arrival, error) {
	switch a := Arrival(s); a {
	case Constant, Poisson, Gamma:
		return a, nil
	}
	return "", fmt.Errorf("arrival %q: want poisson, constant or gamma", s)
}

// Shape is a load to put on an endpoint ([Drive]): one step, or a sweep
// of steps, each at one level of concurrency (a closed loop) or of rate
// (an open loop, under a ceiling of concurrency).
type Shape struct {
	// Concurrency is the closed loop's levels, one step each; with Rate
	// its one value is the open loop's ceiling: a request due while that
	// many are in flight waits for one to end, and its latency counts
	// from when it was due (coordinated omission: a slow server cannot
	// hide behind the generator). 0 is no ceiling.
	Concurrency []int
	// Rate is the open loop's levels, in requests a second; none is a
	// closed loop.
	Rate []float64
	// Arrival spaces an open loop's requests; Burstiness is Gamma's shape.
	Arrival    Arrival
	Burstiness float64
	// Requests is how many requests each step measures; 0 is as many as
	// Duration holds.
	Requests int
	// Duration is how long each step sends requests that count, after
	// its Warmup, whose requests do not; the step then waits for the
	// requests in flight.
	Duration, Warmup time.Duration
	// Seed makes the arrivals and the choice of requests to cancel
	// repeatable.
	Seed uint64
	// CancelRate is the share of requests the probe cancels CancelAfter
	// after sending them, to check that the server stops generating.
	CancelRate  float64
	CancelAfter time.Duration
	// Stats is a /_stats URL (tok serve's, the rig's) whose records show
	// whether the server stopped generating for the cancelled requests.
	Stats string
	// SLO are the latency targets a request must meet to be good; nil is
	// none.
	SLO *SLO
}

// Load is one step's load: its concurrency, and its rate for an open loop.
type Load struct {
	Concurrency int
	Rate        float64 // 0 for a closed loop
}

// Open reports whether the level is an open loop.
func (l Load) Open() bool { return l.Rate > 0 }

// String names the level as the capacity line does: "8 concurrent
// streams", "20 requests/s".
func (l Load) String() string {
	if l.Open() {
		return fmt.Sprintf("%s requests/s", trimFloat(l.Rate))
	}
	return fmt.Sprintf("%d concurrent %s", l.Concurrency, pluralWord(l.Concurrency, "stream"))
}

// Levels are the steps the shape runs, in order.
func (s Shape) Levels() []Load {
	if len(s.Rate) > 0 {
		ceiling := 0
		if len(s.Concurrency) > 0 {
			ceiling = s.Concurrency[0]
		}
		out := make([]Load, len(s.Rate))
		for i, r := range s.Rate {
			out[i] = Load{Concurrency: ceiling, Rate: r}
		}
		return out
	}
	out := make([]Load, len(s.Concurrency))
	for i, c := range s.Concurrency {
		out[i] = Load{Concurrency: c}
	}
	return out
}

// arrivals returns the offsets at which an open loop at rate sends its
// requests, one per call, from a generator seeded by seed.
func arrivals(a Arrival, rate, burstiness float64, seed uint64) func() time.Duration {
	rng := rand.New(rand.NewPCG(seed, 0x70b6e))
	mean := float64(time.Second) / rate
	var at float64
	return func() time.Duration {
		t := at
		switch a {
		case Poisson:
			at += rng.ExpFloat64() * mean
		case Gamma:
			k := burstiness
			if k <= 0 {
				k = 1
			}
			at += gammaVariate(rng, k) * mean / k
		default:
			at += mean
		}
		return time.Duration(t)
	}
}

// gammaVariate draws from a gamma distribution of shape k and scale 1,
// by Marsaglia and Tsang's method ("A simple method for generating gamma
// variables", 2000), boosted for k < 1.
func gammaVariate(rng *rand.Rand, k float64) float64 {
	if k < 1 {
		return gammaVariate(rng, k+1) * math.Pow(rng.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// trimFloat writes f without trailing zeros: 20, 2.5.
func trimFloat(f float64) string { return fmt.Sprintf("%g", math.Round(f*1000)/1000) }

// pluralWord is noun, or its plural for n other than 1.
func pluralWord(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
