package probe

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

// Generator is what the load generator (this process) says of itself, so
// that a figure it slowed down is not taken for the server's: its CPU,
// how long its goroutines waited to run, how late it sent, and how many
// connections it opened.
type Generator struct {
	// CPU is the process's user and system CPU time over Wall; 0 where
	// the system does not say (getrusage is Unix's).
	CPU, Wall time.Duration
	// Cores is GOMAXPROCS, the cores it may use; CPUCores how many it kept
	// busy (CPU over Wall).
	Cores    int
	CPUCores float64
	// SchedP99 is the 99th percentile of its goroutines' wait to run
	// (runtime/metrics /sched/latencies): a reading taken late is late by
	// about that much.
	SchedP99 time.Duration
	// LagP95 and LagP99 are percentiles of an open loop's sends' lag
	// behind their schedule that no ceiling explains ([Schedule.Lag]); 0
	// for a closed loop, which has no schedule to keep.
	LagP95, LagP99 time.Duration
	// Connections counts the requests that dialled a connection; Reused
	// those that got an idle one.
	Connections, Reused int
	// Bottleneck: it held the load back: its CPU near all its cores, or
	// its sends over a millisecond late behind their schedule (p95: a
	// hiccup of the machine's makes a few late, which the warnings note).
	// Warnings say so in words, and note the lesser signs: a whole core
	// busy (a server on the same machine then competes for the rest),
	// goroutines over a millisecond late to run (readings late by as much).
	Bottleneck bool
	Warnings   []string
}

// The generator's thresholds: late by over a millisecond, or busy on
// nine tenths of a core.
const (
	lateLimit = time.Millisecond
	busyShare = 0.9
)

// generatorClock holds the readings a [Generator] is measured from.
type generatorClock struct {
	start time.Time
	cpu   time.Duration
	sched *metrics.Float64Histogram
}

const schedMetric = "/sched/latencies:seconds"

func startGenerator() *generatorClock {
	return &generatorClock{start: time.Now(), cpu: processCPU(), sched: schedHistogram()}
}

// stop reads the clocks again and judges the generator over the steps'
// results: its lateness over those of an open loop, the only ones with a
// schedule to keep (a closed loop's workers send when they are free).
func (g *generatorClock) stop(steps []*Step) *Generator {
	gen := &Generator{Wall: time.Since(g.start), Cores: runtime.GOMAXPROCS(0)}
	if cpu := processCPU(); cpu > 0 {
		gen.CPU = cpu - g.cpu
		gen.CPUCores = gen.CPU.Seconds() / gen.Wall.Seconds()
	}
	gen.SchedP99 = histogramP99(g.sched, schedHistogram())
	var lags []time.Duration
	for _, st := range steps {
		for _, res := range st.Results {
			if st.Load.Open() {
				lags = append(lags, res.Schedule.Lag)
			}
			switch {
			case res.Connect > 0:
				gen.Connections++
			case res.Reached():
				gen.Reused++
			}
		}
	}
	lag := distribution(lags)
	gen.LagP95, gen.LagP99 = lag.P95, lag.P99
	gen.judge()
	return gen
}

// judge sets Bottleneck and the warnings.
func (gen *Generator) judge() {
	warn := func(format string, args ...any) { gen.Warnings = append(gen.Warnings, fmt.Sprintf(format, args...)) }
	if gen.CPUCores >= busyShare*float64(gen.Cores) {
		gen.Bottleneck = true
		warn("the generator kept all %d of its cores busy (%.2f): it was the bottleneck; run it with less load or on another machine", gen.Cores, gen.CPUCores)
	} else if gen.CPUCores >= busyShare {
		warn("the generator kept %.2f cores busy, near a whole core: if the server shares this machine, the two compete", gen.CPUCores)
	}
	if gen.SchedP99 > lateLimit {
		warn("the generator's goroutines waited %s (p99) to run: its readings of arrivals may be late by that much", fmtDur(gen.SchedP99))
	}
	switch {
	case gen.LagP95 > lateLimit:
		gen.Bottleneck = true
		warn("the generator sent requests %s (p95) after they were due: it did not keep the schedule", fmtDur(gen.LagP95))
	case gen.LagP99 > lateLimit:
		warn("a few requests went out late: %s (p99) after they were due, %s at p95", fmtDur(gen.LagP99), fmtDur(gen.LagP95))
	}
}

func schedHistogram() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: schedMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// histogramP99 is the 99th percentile of what was added to a histogram
// between two readings: the upper bound of its bucket.
func histogramP99(before, after *metrics.Float64Histogram) time.Duration {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return 0
	}
	var total uint64
	delta := make([]uint64, len(after.Counts))
	for i := range after.Counts {
		delta[i] = after.Counts[i] - before.Counts[i]
		total += delta[i]
	}
	if total == 0 {
		return 0
	}
	want := total - total/100 // the 99th percentile's rank
	var seen uint64
	for i, n := range delta {
		if seen += n; seen >= want {
			upper := after.Buckets[i+1]
			if upper > 3600 { // the last bucket is open-ended
				upper = after.Buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}
