package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
	"go.uber.org/goleak"
)

// driveOf drives shape against srv's tok protocol endpoint with knobs,
// through a transport that keeps conns idle connections, and closes them.
func driveOf(t *testing.T, ctx context.Context, srv *httptest.Server, knobs string, conns int, shape Shape) *Outcome {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := client.New(client.Config{Transport: tr, IdleTimeout: 10 * time.Second})
	ep := client.Endpoint{URL: srv.URL + "/api/chat/stream", Header: scenario(knobs)}
	newRequest := func(ctx context.Context) (*http.Request, error) {
		return ep.Request(ctx, []client.Message{{Role: "user", Content: "hi"}})
	}
	return Drive(ctx, c, newRequest, shape, Options{Grace: 50 * time.Millisecond})
}

func TestDriveClosedLoopReusesConnections(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	out := driveOf(t, context.Background(), srv, "tokens=5,interval=1,first=1", 3, Shape{Concurrency: []int{3}, Requests: 9})
	if out.Kind != KindLoad || len(out.Steps) != 1 || out.Steps[0].Requests != 9 || !out.Passed() {
		t.Fatalf("kind %s, %d steps, %d requests, passed %v; want load, 1, 9, true", out.Kind, len(out.Steps), out.Steps[0].Requests, out.Passed())
	}
	if g := out.Generator; g.Connections > 3 || g.Connections+g.Reused != 9 {
		t.Errorf("%d connections dialled and %d reused for 9 requests 3 at a time; want at most 3 dialled", g.Connections, g.Reused)
	}
	if st := out.Steps[0]; st.TTFT.N != 9 || st.ICL.N != 9*4 || st.Tokens.P50 != 5 || st.TokensPerSecond <= 0 {
		t.Errorf("ttft n %d, icl n %d, tokens p50 %v, tokens/s %v", st.TTFT.N, st.ICL.N, st.Tokens.P50, st.TokensPerSecond)
	}
}

// TestDriveOpenLoopCountsFromWhenDue stalls the server for 400 ms under an
// open loop with a ceiling of one: the requests due during the stall wait
// for the ceiling, and their time to first token counts the wait, though
// each was quick once sent (coordinated omission).
func TestDriveOpenLoopCountsFromWhenDue(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{Pause: 400 * time.Millisecond, PauseAfter: 100 * time.Millisecond}))
	defer srv.Close()
	out := driveOf(t, context.Background(), srv, "tokens=2,interval=1,first=1", 1,
		Shape{Concurrency: []int{1}, Rate: []float64{40}, Arrival: Constant, Duration: time.Second})
	st := out.Steps[0]
	var waited time.Duration
	for _, res := range st.Results {
		waited = max(waited, res.Schedule.Delay)
	}
	if waited < 200*time.Millisecond || st.TTFT.Max < waited {
		t.Errorf("longest wait to be sent %v, ttft max %v; want a wait of 200ms or more, and the ttft to count it", waited, st.TTFT.Max)
	}
	if asSent := Summarize(st.Results, st.Wall).FirstToken.P50; asSent >= st.TTFT.P99 {
		t.Errorf("ttft p50 as sent %v, p99 from when due %v: the stall does not show", asSent, st.TTFT.P99)
	}
	if st.Requests != 40 || st.AchievedRate < 36 || st.AchievedRate > 44 {
		t.Errorf("%d requests at %.1f/s, want 40 at 40/s", st.Requests, st.AchievedRate)
	}
}

func TestDriveCancelsAndChecksTheServerStopped(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := httptest.NewServer(server.New(server.Config{}))
	out := driveOf(t, context.Background(), srv, "tokens=100,interval=10,first=1", 4,
		Shape{Concurrency: []int{4}, Requests: 4, CancelRate: 1, CancelAfter: 60 * time.Millisecond, Stats: srv.URL + "/_stats"})
	srv.Close()
	st := out.Steps[0]
	if st.Cancelled != 4 || st.Errors != 0 || st.TTFT.N != 0 || !out.Passed() {
		t.Errorf("cancelled %d, errors %d, ttft n %d, passed %v; want 4, 0, 0, true", st.Cancelled, st.Errors, st.TTFT.N, out.Passed())
	}
	if c := st.ServerStop; c == nil || c.Level != Pass {
		t.Errorf("server stop check = %+v, want PASS", c)
	}
	for _, res := range st.Results {
		if res.Checks[len(res.Checks)-1].Name != "cancel" || res.Failed() {
			t.Errorf("a cancelled request's checks: %+v", res.Checks)
		}
	}
	goleak.VerifyNone(t, before)
}

func TestDriveSweepStopsAfterTwoMisses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	out := driveOf(t, context.Background(), srv, "tokens=3,interval=1,first=1", 4,
		Shape{Concurrency: []int{1, 2, 3, 4}, Requests: 2, SLO: &SLO{TTFT: time.Nanosecond}})
	if out.Kind != KindSweep || len(out.Steps) != 2 || out.Stopped != "two steps in a row missed the targets" {
		t.Errorf("kind %s, %d steps, stopped %q; want a sweep stopped after 2", out.Kind, len(out.Steps), out.Stopped)
	}
	if out.Passed() || out.Capacity == nil || out.Capacity.Met != nil {
		t.Errorf("passed %v, capacity %+v; want none met", out.Passed(), out.Capacity)
	}
}

func TestDriveInterruptedKeepsWhatItMeasured(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	out := driveOf(t, ctx, srv, "tokens=5,interval=20,first=1", 2, Shape{Concurrency: []int{2}, Duration: time.Minute})
	if !out.Interrupted {
		t.Fatal("the outcome of an interrupted run is not marked so")
	}
	for _, res := range out.Results() {
		if errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded) {
			t.Errorf("a request cut short by the interrupt was kept: %v", res.Err)
		}
	}
	if len(out.Results()) == 0 {
		t.Error("nothing measured before the interrupt was kept")
	}
}
