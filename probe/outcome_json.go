package probe

import (
	"bytes"
	"encoding/json"
	"time"
)

// SchemaVersion is the version of the JSON [Outcome.MarshalJSON] writes:
// 2 added "steps" and "results" to every outcome, one request's too.
const SchemaVersion = 2

// MarshalJSON writes the outcome as schema.json documents it, one shape
// for one request, one step and a sweep: "version", "kind", the "load"
// run, the "slo", every "steps" entry's figures, the sweep's "capacity",
// the "generator"'s report, "passed", and every request under
// "results". For one request the result's own keys stay at the top as
// before version 2, and for one step the summary's ([Summary]), so that
// the scripts that read them go on working; read "steps" and "results"
// to handle every kind alike.
func (o *Outcome) MarshalJSON() ([]byte, error) {
	core, err := json.Marshal(o.coreJSON())
	if err != nil {
		return nil, err
	}
	var legacy []byte
	switch {
	case o.Kind == KindRequest && len(o.Steps) == 1 && len(o.Steps[0].Results) == 1:
		legacy, err = o.Steps[0].Results[0].MarshalJSON()
		legacy = withResults(legacy, o.Results())
	case o.Kind == KindLoad:
		legacy, err = Summarize(o.Results(), o.wall()).MarshalJSON()
	default:
		legacy, err = json.Marshal(headJSON{URL: o.URL, Method: o.Method, Passed: o.Passed(), Results: o.Results()})
	}
	if err != nil {
		return nil, err
	}
	return safeJSON(joinObjects(legacy, core), nil)
}

// joinObjects joins two JSON objects' keys into one: a's first.
func joinObjects(a, b []byte) []byte {
	a, b = bytes.TrimSpace(a), bytes.TrimSpace(b)
	if len(b) <= 2 {
		return a
	}
	out := append(a[:len(a)-1:len(a)-1], ',')
	return append(out, b[1:]...)
}

// withResults adds a "results" list to a result's object.
func withResults(obj []byte, results []*Result) []byte {
	list, err := json.Marshal(struct {
		Results []*Result `json:"results"`
	}{nonNil(results)})
	if err != nil {
		return obj
	}
	return joinObjects(obj, list)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// headJSON is a sweep's keys that one request and one step hold in
// their result's and summary's objects.
type headJSON struct {
	URL     string    `json:"url"`
	Method  string    `json:"method"`
	Passed  bool      `json:"passed"`
	Results []*Result `json:"results"`
}

type outcomeJSON struct {
	Version     int            `json:"version"`
	Kind        Kind           `json:"kind"`
	Load        *shapeJSON     `json:"load"`
	SLO         *sloJSON       `json:"slo"`
	Steps       []stepJSON     `json:"steps"`
	Capacity    *capacityJSON  `json:"capacity"`
	Stopped     string         `json:"stopped"`
	Met         *bool          `json:"met"`
	Generator   *generatorJSON `json:"generator"`
	Interrupted bool           `json:"interrupted"`
}

func (o *Outcome) coreJSON() outcomeJSON {
	out := outcomeJSON{Version: SchemaVersion, Kind: o.Kind, Steps: make([]stepJSON, 0, len(o.Steps)),
		Stopped: o.Stopped, Interrupted: o.Interrupted}
	if o.Kind != KindRequest {
		out.Load = newShapeJSON(o.Shape)
	}
	if slo := o.Shape.SLO; slo != nil {
		out.SLO = &sloJSON{optMillis(slo.TTFT), optMillis(slo.ITL), optFloat(slo.TPS), optMillis(slo.E2E), slo.minGood()}
		met := o.Passed()
		out.Met = &met
	}
	for _, st := range o.Steps {
		out.Steps = append(out.Steps, newStepJSON(st, o.Shape.SLO != nil))
	}
	if c := o.Capacity; c != nil {
		out.Capacity = &capacityJSON{loadOf(c.Met), loadOf(c.Failed), c.Missed, nil, c.Line}
		if c.Peak.Concurrency > 0 || c.Peak.Rate > 0 {
			out.Capacity.Peak = loadOf(&c.Peak)
		}
	}
	if g := o.Generator; g != nil {
		out.Generator = &generatorJSON{millis(g.CPU), millis(g.Wall), g.Cores, round2(g.CPUCores), millis(g.SchedP99),
			millis(g.LagP99), g.Connections, g.Reused, g.Bottleneck, nonNil(g.Warnings), millis(g.LagP95)}
	}
	return out
}

type shapeJSON struct {
	Concurrency []int     `json:"concurrency"`
	Rate        []float64 `json:"rate"`
	Arrival     Arrival   `json:"arrival"`
	Burstiness  float64   `json:"burstiness"`
	Requests    int       `json:"requests"`
	Duration    millis    `json:"duration_ms"`
	Warmup      millis    `json:"warmup_ms"`
	Seed        uint64    `json:"seed"`
	CancelRate  float64   `json:"cancel_rate"`
	CancelAfter millis    `json:"cancel_after_ms"`
	Stats       string    `json:"stats"`
}

func newShapeJSON(s Shape) *shapeJSON {
	arrival := Closed
	if len(s.Rate) > 0 {
		arrival = s.Arrival
	}
	return &shapeJSON{nonNil(s.Concurrency), nonNil(s.Rate), arrival, s.Burstiness, s.Requests, millis(s.Duration),
		millis(s.Warmup), s.Seed, s.CancelRate, millis(s.CancelAfter), s.Stats}
}

type sloJSON struct {
	TTFT    *millis  `json:"ttft_ms"`
	ITL     *millis  `json:"itl_ms"`
	TPS     *float64 `json:"tps"`
	E2E     *millis  `json:"e2e_ms"`
	MinGood float64  `json:"min_good"`
}

func optMillis(d time.Duration) *millis {
	if d <= 0 {
		return nil
	}
	m := millis(d)
	return &m
}

func optFloat(f float64) *float64 {
	if f <= 0 {
		return nil
	}
	r := round2(f)
	return &r
}

type loadJSON struct {
	Concurrency int      `json:"concurrency"`
	Rate        *float64 `json:"rate"`
}

func loadOf(l *Load) *loadJSON {
	if l == nil {
		return nil
	}
	return &loadJSON{l.Concurrency, optFloat(l.Rate)}
}

type capacityJSON struct {
	Met    *loadJSON `json:"met"`
	Failed *loadJSON `json:"failed"`
	Missed string    `json:"missed"`
	Peak   *loadJSON `json:"peak"`
	Line   string    `json:"line"`
}

type generatorJSON struct {
	CPU         millis   `json:"cpu_ms"`
	Wall        millis   `json:"wall_ms"`
	Cores       int      `json:"cores"`
	CPUCores    float64  `json:"cpu_cores"`
	SchedP99    millis   `json:"sched_p99_ms"`
	LagP99      millis   `json:"lag_p99_ms"`
	Connections int      `json:"connections"`
	Reused      int      `json:"reused"`
	Bottleneck  bool     `json:"bottleneck"`
	Warnings    []string `json:"warnings"`
	LagP95      millis   `json:"lag_p95_ms"`
}

type stepJSON struct {
	Index           int            `json:"index"`
	Concurrency     int            `json:"concurrency"`
	Rate            *float64       `json:"rate"`
	Arrival         Arrival        `json:"arrival"`
	Warmup          millis         `json:"warmup_ms"`
	Window          millis         `json:"window_ms"`
	Wall            millis         `json:"wall_ms"`
	Requests        int            `json:"requests"`
	Errors          int            `json:"errors"`
	Cancelled       int            `json:"cancelled"`
	ErrorKinds      map[string]int `json:"errors_by_kind"`
	PerSecond       float64        `json:"requests_per_second"`
	AchievedRate    *float64       `json:"achieved_rate"`
	TokensPerSecond float64        `json:"output_tokens_per_second"`
	OutputTokens    int            `json:"output_tokens"`
	Headers         distJSON       `json:"headers_ms"`
	FirstByte       distJSON       `json:"first_byte_ms"`
	TTFT            distJSON       `json:"ttft_ms"`
	TTFO            distJSON       `json:"ttfo_ms"`
	TTST            distJSON       `json:"ttst_ms"`
	ITL             distJSON       `json:"itl_ms"`
	ICL             distJSON       `json:"icl_ms"`
	E2E             distJSON       `json:"e2e_ms"`
	Delay           distJSON       `json:"delay_ms"`
	Lag             distJSON       `json:"lag_ms"`
	TPS             distJSON       `json:"tps"`
	Tokens          distJSON       `json:"output_tokens_per_request"`
	Good            *int           `json:"good"`
	GoodFraction    *float64       `json:"good_fraction"`
	Goodput         *float64       `json:"goodput"`
	Met             *bool          `json:"met"`
	Missed          string         `json:"missed"`
	Saturated       bool           `json:"saturated"`
	Passed          bool           `json:"passed"`
	Checks          []tallyJSON    `json:"checks"`
	ServerStop      *checkJSON     `json:"server_stop"`
}

func newStepJSON(st *Step, judged bool) stepJSON {
	out := stepJSON{
		Index: st.Index, Concurrency: st.Load.Concurrency, Rate: optFloat(st.Load.Rate), Arrival: st.Arrival,
		Warmup: millis(st.Warmup), Window: millis(st.Window), Wall: millis(st.Wall),
		Requests: st.Requests, Errors: st.Errors, Cancelled: st.Cancelled, ErrorKinds: st.ErrorKinds,
		PerSecond: round2(st.PerSecond), AchievedRate: optFloat(st.AchievedRate),
		TokensPerSecond: round2(st.TokensPerSecond), OutputTokens: st.OutputTokens,
		Headers: durationsJSON(st.Headers), FirstByte: durationsJSON(st.FirstByte), TTFT: durationsJSON(st.TTFT),
		TTFO: durationsJSON(st.TTFO), TTST: durationsJSON(st.TTST), ITL: durationsJSON(st.ITL),
		ICL: durationsJSON(st.ICL), E2E: durationsJSON(st.E2E), Delay: durationsJSON(st.Delay),
		Lag: durationsJSON(st.Lag), TPS: floatsJSON(st.TPS), Tokens: floatsJSON(st.Tokens),
		Missed: st.Missed, Saturated: st.Saturated, Passed: !st.Failed(),
		Checks: make([]tallyJSON, 0, len(st.Checks)),
	}
	if out.ErrorKinds == nil {
		out.ErrorKinds = map[string]int{}
	}
	if judged {
		good, frac, put, met := st.Good, round4(st.GoodFraction), round2(st.Goodput), st.Met
		out.Good, out.GoodFraction, out.Goodput, out.Met = &good, &frac, &put, &met
	}
	for _, t := range st.Checks {
		out.Checks = append(out.Checks, tallyJSON(t))
	}
	if st.ServerStop != nil {
		c := checkJSON(*st.ServerStop)
		out.ServerStop = &c
	}
	return out
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }
