package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/tokcli/tok/client"
)

// probeSchema compiles schema.json, the file the JSON documents.
func probeSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("schema.json", bytes.NewReader(Schema)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("probe.schema.json: %v", err)
	}
	return sch
}

// validJSON marshals v, checks it against the schema and decodes it.
func validJSON(t *testing.T, sch *jsonschema.Schema, v json.Marshaler) (map[string]any, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("JSON does not match schema.json: %#v\n%s", err, b)
	}
	return doc, b
}

func TestProbeJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	sch := probeSchema(t)
	tests := []struct {
		name       string
		probe      func() *Result
		firstToken float64
		status     float64
		passed     bool
		err        bool
	}{
		{"healthy", healthyProbe, 302, 200, true, false},
		{"buffered", bufferedProbe, 220, 200, false, false},
		{"cut-off", cutOffProbe, 480, 200, false, true},
		{"rate-limited", rateLimitedProbe, 0, 429, false, true},
		{"hostile", hostileProbe, 302, 200, false, true},
		{"interrupted over a WebSocket", interruptedProbe, 302, 101, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := validJSON(t, sch, Single(tt.probe()))
			if doc["first_token_ms"] != tt.firstToken || doc["status"] != tt.status || doc["passed"] != tt.passed {
				t.Errorf("first_token_ms %v, status %v, passed %v; want %v, %v, %v",
					doc["first_token_ms"], doc["status"], doc["passed"], tt.firstToken, tt.status, tt.passed)
			}
			if (doc["error"] != nil) != tt.err {
				t.Errorf("error = %v, want one: %v", doc["error"], tt.err)
			}
		})
	}
}

func TestProbeSummaryJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	doc, _ := validJSON(t, probeSchema(t), oneStep(summaryOf3().Results))
	results, _ := doc["results"].([]any)
	ft, _ := doc["first_token_ms"].(map[string]any)
	if doc["requests"] != 3.0 || doc["errors"] != 1.0 || doc["passed"] != false || len(results) != 3 {
		t.Errorf("requests %v, errors %v, passed %v, %d results; want 3, 1, false, 3",
			doc["requests"], doc["errors"], doc["passed"], len(results))
	}
	if ft["n"] != 2.0 || ft["min"] != 220.0 || ft["max"] != 302.0 {
		t.Errorf("first_token_ms = %v, want n 2, min 220, max 302", ft)
	}
	empty, _ := validJSON(t, probeSchema(t), oneStep(nil))
	if r, ok := empty["rate"].(map[string]any); !ok || r["n"] != 0.0 || r["p50"] != nil {
		t.Errorf("empty summary rate = %v, want n 0 and null figures", empty["rate"])
	}
}

func TestProbeSchemaRejectsWhatItShould(t *testing.T) {
	t.Parallel()
	sch := probeSchema(t)
	good, _ := validJSON(t, sch, Single(healthyProbe()))
	tests := []struct {
		name string
		edit func(doc map[string]any)
	}{
		{"missing passed", func(doc map[string]any) { delete(doc, "passed") }},
		{"unknown level", func(doc map[string]any) {
			doc["checks"] = []any{map[string]any{"name": "status", "level": "MAYBE", "detail": ""}}
		}},
		{"duration as text", func(doc map[string]any) { doc["first_token_ms"] = "302ms" }},
		{"unknown key", func(doc map[string]any) { doc["first_token"] = 302.0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]any{}
			for k, v := range good {
				doc[k] = v
			}
			tt.edit(doc)
			if err := sch.Validate(doc); err == nil {
				t.Errorf("schema accepted a result with %s", tt.name)
			}
		})
	}
}

// oneStep is the outcome of one step of load that measured results.
func oneStep(results []*Result) *Outcome {
	st := &Step{Load: Load{Concurrency: 1}, Arrival: Closed, Results: results}
	st.summarize(nil)
	out := &Outcome{Kind: KindLoad, Shape: Shape{Concurrency: []int{1}, Requests: len(results)}, Steps: []*Step{st}}
	out.finish()
	return out
}

func TestProbeOutcomeJSONHasOneShape(t *testing.T) {
	t.Parallel()
	sch := probeSchema(t)
	for name, out := range map[string]*Outcome{
		"request": Single(healthyProbe()), "load": oneStep(summaryOf3().Results), "sweep": sweepOutcome(1),
	} {
		doc, _ := validJSON(t, sch, out)
		steps, _ := doc["steps"].([]any)
		results, _ := doc["results"].([]any)
		if doc["version"] != 2.0 || doc["kind"] != name || len(steps) == 0 || len(results) == 0 {
			t.Errorf("%s: version %v, kind %v, %d steps, %d results", name, doc["version"], doc["kind"], len(steps), len(results))
		}
		step, _ := steps[0].(map[string]any)
		if ttft, _ := step["ttft_ms"].(map[string]any); ttft["p99_9"] == nil {
			t.Errorf("%s: the first step's ttft_ms = %v", name, step["ttft_ms"])
		}
	}
	doc, _ := validJSON(t, sch, sweepOutcome(1))
	capacity, _ := doc["capacity"].(map[string]any)
	if doc["passed"] != true || doc["met"] != true || !strings.HasPrefix(fmt.Sprint(capacity["line"]), "capacity: 2 concurrent") {
		t.Errorf("sweep: passed %v, met %v, capacity %v", doc["passed"], doc["met"], capacity)
	}
}

// interruptedProbe is a WebSocket answer the probe interrupted after 5
// tokens, acknowledged 3 ms later with one late token.
func interruptedProbe() *Result {
	res := healthyProbe()
	res.Status, res.WebSocket, res.Header = 101, true, http.Header{}
	res.Interrupt = &Interrupt{After: 5, Wait: DefaultInterruptWait, How: client.StopInterrupted,
		Ack: 3 * time.Millisecond, LastToken: 4 * time.Millisecond, TokensAfter: 1}
	res.check(Options{})
	return res
}
