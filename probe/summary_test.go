package probe

import (
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	s := Summarize([]*Result{healthyProbe(), nil, bufferedProbe(), rateLimitedProbe()}, 2500*msec)
	if s.Requests != 3 || s.Errors != 1 || s.PerSecond != 1.2 {
		t.Errorf("requests %d, errors %d, %.2f/s; want 3, 1, 1.20/s", s.Requests, s.Errors, s.PerSecond)
	}
	if s.FirstToken.N != 2 || s.FirstToken.Min != 220*msec || s.FirstToken.Max != 302*msec || s.FirstToken.Mean != 261*msec {
		t.Errorf("first token %+v, want 2 values, 220ms to 302ms, mean 261ms", s.FirstToken)
	}
	if s.OutputTokens.P50 != 42 || s.OutputTokens.P90 != 410 {
		t.Errorf("output tokens %+v, want p50 42, p90 410", s.OutputTokens)
	}
	want := map[string]CheckTally{
		"status":    {"status", 2, 0, 1},
		"buffering": {"buffering", 1, 0, 1},
	}
	for _, c := range s.Checks {
		if w, ok := want[c.Name]; ok && c != w {
			t.Errorf("tally %+v, want %+v", c, w)
		}
	}
	if s.Checks[0].Name != "status" || !s.Failed() {
		t.Errorf("first tally %q, failed %v; want status, true", s.Checks[0].Name, s.Failed())
	}
	if ok := Summarize([]*Result{healthyProbe(), healthyProbe()}, time.Second); ok.Failed() || ok.Errors != 0 {
		t.Errorf("two healthy probes: failed %v, %d errors", ok.Failed(), ok.Errors)
	}
}

func TestSummarizeCountsCutOffsAndErrorEventsAsErrors(t *testing.T) {
	t.Parallel()
	errored := healthyProbe()
	errored.ServerError = &client.ServerError{Message: "overloaded"}
	errored.check(Options{})
	s := Summarize([]*Result{cutOffProbe(), errored, healthyProbe()}, time.Second)
	if s.Errors != 2 {
		t.Errorf("errors = %d, want 2 (a cut-off and an error event)", s.Errors)
	}
}
