package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/tokcli/tok/probe"
)

// loadOptions are tok probe's flags for a load: its shape, its targets
// and its reports.
type loadOptions struct {
	Levels       levels
	Rates        rates
	Arrival      string
	Burstiness   float64
	Duration     time.Duration
	StepDuration time.Duration
	Warmup       time.Duration
	Seed         uint64
	CancelRate   float64
	CancelAfter  time.Duration
	Stats        string
	SLO          string
	MinGood      float64
	HTML, CSV    string
	JSONL        string

	shape probe.Shape
}

// defaultStepDuration is a sweep's or an open loop's step when neither
// -n nor --duration bounds it.
const defaultStepDuration = 10 * time.Second

const loadHelp = `
Under load (any of -n above 1, -c, --rate, --duration, --slo): -c N runs N
requests at a time, each sending its next as its last ends (a closed loop),
-n of them a step (default N), or for --duration. -c 1,2,4,8,16 is a sweep:
a step per level (--step-duration, 10s, or -n each), each after --warmup.
--rate R sends R requests a second whatever the server does (an open loop:
--arrival poisson, constant, or gamma with --burstiness), for --duration
(10s) or -n; with -c it is a ceiling: a request due while N are in flight
waits, and its latency still counts from when it was due (coordinated
omission). --rate 5,10,20 is a sweep of rates. --seed makes it repeatable.

Each step reports, over its requests, p50 p90 p95 p99 p99.9 and mean of:
ttft (to the first token, reasoning included), ttfo (to the answer, after
reasoning), ttst (first token to second), itl (time per output token after
the first, AIPerf's inter-token latency), icl (every gap between chunks),
e2e, tokens/s per user; requests/s, output tokens/s in all, errors by
kind, and the checks counted. --slo ttft=800ms,itl=50ms,tps=20,e2e=30s (any
of them) makes each request good or not: the step's goodput (good
requests/s) and good fraction, met when at least --min-good are good. A
sweep then names its capacity, the highest level that met them, and stops
once two steps in a row miss them, or saturate (throughput up under a tenth
while latency climbs). The generator reports its own CPU, its goroutines'
scheduling delay and its lateness, and warns when it held the figures
back. --cancel-rate P --cancel-after D cancels that share of requests
mid-stream; --stats URL (tok serve's or the rig's /_stats) checks that the
server stopped generating for them.

--json writes one shape for one request, a step and a sweep (see
probe/schema.json); --jsonl FILE and --csv FILE a line per request ("-":
stdout); --html FILE a report with charts that needs no network. tok probe
compare OLD.json NEW.json tells regressions.`

const loadExitHelp = `

Under load, exit 1 also when a step missed its --slo targets; a sweep
exits 0 when some level met them (without --slo, when its first level's
checks passed), so a sweep that finds the limit is no failure.`

// addLoadFlags registers the load's flags on f.
func (l *loadOptions) addLoadFlags(f *pflag.FlagSet) {
	l.Levels = levels{1}
	f.VarP(&l.Levels, "concurrency", "c", "send this many requests at a time (a closed loop); 1,2,4,8 sweeps; with --rate, the ceiling")
	f.Var(&l.Rates, "rate", "send this many requests a second (an open loop); 5,10,20 sweeps")
	f.StringVar(&l.Arrival, "arrival", "poisson", "space --rate's requests: poisson, constant or gamma")
	f.Float64Var(&l.Burstiness, "burstiness", 1, "gamma's shape: under 1 burstier than poisson, over 1 smoother")
	f.DurationVar(&l.Duration, "duration", 0, "send requests for this long (a step of a sweep too)")
	f.DurationVar(&l.StepDuration, "step-duration", 0, "each step of a sweep sends requests for this long (default 10s)")
	f.DurationVar(&l.Warmup, "warmup", 0, "before each step, send for this long and count nothing")
	f.Uint64Var(&l.Seed, "seed", 1, "seed of the arrivals and of the requests to cancel")
	f.Float64Var(&l.CancelRate, "cancel-rate", 0, "cancel this share (0-1) of the requests mid-stream")
	f.DurationVar(&l.CancelAfter, "cancel-after", time.Second, "cancel them this long after sending")
	f.StringVar(&l.Stats, "stats", "", "the server's /_stats `URL`, to check it stopped generating for cancelled requests")
	f.StringVar(&l.SLO, "slo", "", "targets each request must meet: ttft=800ms,itl=50ms,tps=20,e2e=30s (any of them)")
	f.Float64Var(&l.MinGood, "min-good", probe.DefaultMinGood, "the share of good requests a step needs to meet --slo")
	f.StringVar(&l.HTML, "html", "", "write a self-contained report with charts to `FILE`")
	f.StringVar(&l.CSV, "csv", "", "write a line per request to `FILE` as CSV (- for stdout)")
	f.StringVar(&l.JSONL, "jsonl", "", "write a line per request to `FILE` as JSON (- for stdout)")
}

// loadFlags are the flags that make a probe a load rather than one request.
var loadFlags = []string{"requests", "concurrency", "rate", "duration", "step-duration", "warmup", "cancel-rate", "slo"}

// isLoad reports whether the flags ask for a load.
func (o *probeOptions) isLoad(changed func(string) bool) bool {
	for _, f := range loadFlags {
		switch {
		case !changed(f):
		case f == "requests":
			if o.N > 1 {
				return true
			}
		case f == "concurrency":
			if len(o.Load.Levels) > 1 || o.Load.Levels[0] != 1 {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// parseLoad checks the load's flags and builds its shape.
func (o *probeOptions) parseLoad(changed func(string) bool) error {
	l := &o.Load
	if err := l.check(changed, o.JSON); err != nil {
		return err
	}
	s := probe.Shape{Concurrency: l.Levels, Rate: l.Rates, Burstiness: l.Burstiness, Requests: o.N,
		Duration: l.Duration, Warmup: l.Warmup, Seed: l.Seed, CancelRate: l.CancelRate,
		CancelAfter: l.CancelAfter, Stats: l.Stats}
	if l.StepDuration > 0 {
		s.Duration = l.StepDuration
	}
	if len(l.Rates) > 0 {
		s.Arrival, _ = probe.ParseArrival(l.Arrival)
		if !changed("concurrency") {
			s.Concurrency = []int{0} // no ceiling
		}
	}
	if !changed("requests") {
		s.Requests = 0
		if s.Duration == 0 && len(l.Rates) == 0 && len(l.Levels) == 1 {
			s.Requests = l.Levels[0] // -c N alone: N requests
		}
	}
	if s.Requests == 0 && s.Duration == 0 {
		s.Duration = defaultStepDuration
	}
	if l.SLO != "" {
		slo, err := probe.ParseSLO(l.SLO)
		if err != nil {
			return usageErrorf("--slo %s: %v", l.SLO, err)
		}
		slo.MinGood = l.MinGood
		s.SLO = slo
	}
	l.shape = s
	return nil
}

// check refuses flags that contradict each other.
func (l *loadOptions) check(changed func(string) bool, json bool) error {
	_, arrivalErr := probe.ParseArrival(l.Arrival)
	switch {
	case len(l.Rates) > 0 && len(l.Levels) > 1:
		return usageErrorf("--rate sweeps rates under one ceiling: give -c one number, or sweep -c without --rate")
	case len(l.Rates) == 0 && (changed("arrival") || changed("burstiness")):
		return usageErrorf("--arrival and --burstiness space --rate's requests: add --rate")
	case arrivalErr != nil:
		return usageErrorf("--arrival %q: use poisson, constant or gamma", l.Arrival)
	case changed("burstiness") && (l.Arrival != "gamma" || l.Burstiness <= 0):
		return usageErrorf("--burstiness is gamma's shape, above 0: add --arrival gamma")
	case l.Duration < 0 || l.StepDuration < 0 || l.Warmup < 0 || l.CancelAfter <= 0:
		return usageErrorf("--duration, --step-duration and --warmup take 0 or more, --cancel-after more than 0")
	case l.Duration > 0 && l.StepDuration > 0 && l.Duration != l.StepDuration:
		return usageErrorf("--duration and --step-duration both set a step's length: give one")
	case l.CancelRate < 0 || l.CancelRate > 1:
		return usageErrorf("--cancel-rate %g: give a share from 0 to 1, as in 0.2", l.CancelRate)
	case l.MinGood <= 0 || l.MinGood > 1:
		return usageErrorf("--min-good %g: give a share above 0 and at most 1, as in 0.9", l.MinGood)
	case changed("min-good") && l.SLO == "":
		return usageErrorf("--min-good is the share of requests that must meet --slo: add --slo")
	}
	if l.Stats != "" {
		if u, err := url.Parse(l.Stats); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErrorf("--stats %q is not a URL: write it as http://host:port/_stats", l.Stats)
		}
	}
	stdout := 0
	for _, f := range []string{l.CSV, l.JSONL} {
		if f == "-" {
			stdout++
		}
	}
	if json {
		stdout++
	}
	if stdout > 1 {
		return usageErrorf("--json, --csv - and --jsonl - all write to stdout: send all but one to a file")
	}
	if l.HTML == "-" {
		return usageErrorf("--html writes a file: give its name, as in --html report.html")
	}
	return nil
}

// levels is -c: one level, or a sweep's.
type levels []int

func (v *levels) String() string { return joinNumbers(*v, strconv.Itoa) }

func (v *levels) Set(s string) error {
	var out levels
	for item := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 1 {
			return fmt.Errorf("%q: want a number of requests, 1 or more, or a list such as 1,2,4,8", item)
		}
		out = append(out, n)
	}
	*v = out
	return nil
}

func (v *levels) Type() string { return "N[,N...]" }

// rates is --rate: one rate, or a sweep's.
type rates []float64

func (v *rates) String() string {
	return joinNumbers(*v, func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) })
}

func (v *rates) Set(s string) error {
	var out rates
	for item := range strings.SplitSeq(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(item), 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("%q: want requests a second, above 0, or a list such as 5,10,20", item)
		}
		out = append(out, f)
	}
	*v = out
	return nil
}

func (v *rates) Type() string { return "R[,R...]" }

func joinNumbers[T any](vs []T, format func(T) string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = format(v)
	}
	return strings.Join(parts, ",")
}
