package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBatchPaceScalesWithTheBatch(t *testing.T) {
	t.Parallel()
	b := newBatch(4, 0, 0)
	now := time.Now()
	tests := []struct {
		active int
		want   time.Duration
	}{
		{0, 100 * time.Millisecond}, // none admitted yet: the base pace
		{1, 100 * time.Millisecond},
		{2, 125 * time.Millisecond},
		{4, 175 * time.Millisecond}, // a full batch: 1 + 3/4
	}
	for _, tt := range tests {
		for b.active() < tt.active {
			b.admit(context.Background(), nil)
		}
		if got := b.pace(100*time.Millisecond, now); got != tt.want {
			t.Errorf("%d active: pace(100ms) = %v, want %v", tt.active, got, tt.want)
		}
	}
	var none *batch
	if got := none.pace(100*time.Millisecond, now); got != 100*time.Millisecond {
		t.Errorf("no batch: pace(100ms) = %v", got)
	}
	if newBatch(0, 0, 0) != nil {
		t.Error("newBatch without capacity or pause is not nil")
	}
}

func TestBatchPauseHoldsEveryWaitOnce(t *testing.T) {
	t.Parallel()
	b := newBatch(0, 2*time.Second, time.Second)
	t0 := time.Now()
	b.arrive(t0)
	b.arrive(t0.Add(time.Hour)) // only the first request starts the clock
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name     string
		now      time.Duration // from t0
		wait     time.Duration
		want     time.Duration
		comments string
	}{
		{"before, ends before", 0, ms(500), ms(500), ""},
		{"before, runs into it", ms(900), ms(200), ms(2200), "frozen for all of the pause"},
		{"during", ms(1500), ms(100), ms(1600), "starts when it ends"},
		{"after", ms(3100), ms(100), ms(100), ""},
	}
	for _, tt := range tests {
		if got := b.pace(tt.wait, t0.Add(tt.now)); got != tt.want {
			t.Errorf("%s: pace(%v) at %v = %v, want %v %s", tt.name, tt.wait, tt.now, got, tt.want, tt.comments)
		}
	}
}

func TestBatchQueuesBeyondItsCapacity(t *testing.T) {
	t.Parallel()
	b := newBatch(1, 0, 0)
	if !b.admit(context.Background(), nil) {
		t.Fatal("the first request was not admitted")
	}
	admitted := make(chan bool)
	go func() { admitted <- b.admit(context.Background(), nil) }()
	select {
	case <-admitted:
		t.Fatal("a second request was admitted into a full batch")
	default:
	}
	b.leave()
	select {
	case ok := <-admitted:
		if !ok {
			t.Fatal("the queued request was refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the queued request was not admitted when a slot came free")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { admitted <- b.admit(ctx, nil) }()
	cancel()
	if ok := <-admitted; ok {
		t.Error("a request whose client left was admitted")
	}
	if b.active() != 1 {
		t.Errorf("active = %d, want 1", b.active())
	}
}

// TestCapacityQueuesTheRequestBeyondIt sends a second request to a server
// of capacity 1 while the first streams: it waits for the first to end
// before its first token, and its record says how long.
func TestCapacityQueuesTheRequestBeyondIt(t *testing.T) {
	t.Parallel()
	s := New(Config{Capacity: 1})
	ts := httptest.NewServer(s)
	defer ts.Close()
	open := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/chat/stream", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Tok-Scenario", "tokens=5,interval=20,first=20")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	first := open()
	defer first.Body.Close()
	r := bufio.NewReader(first.Body)
	for { // up to the first token: the first request holds the slot
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the first stream ended before a token: %v", err)
		}
		if strings.Contains(line, `"token"`) {
			break
		}
	}
	second := open()
	io.Copy(io.Discard, first.Body)
	io.Copy(io.Discard, second.Body)
	second.Body.Close()
	recs := s.Stats()
	if len(recs) != 2 || recs[0].End != EndComplete || recs[1].End != EndComplete {
		t.Fatalf("records = %+v, want two complete", recs)
	}
	// The first had four tokens 20 ms apart left when the second came.
	if q := recs[1].QueuedMS; q < 60 || recs[1].FirstTokenMS < q {
		t.Errorf("the second queued %.1fms, its first token at %.1fms; want at least 60ms and after it", q, recs[1].FirstTokenMS)
	}
	if recs[0].QueuedMS != 0 {
		t.Errorf("the first queued %.1fms in an empty batch", recs[0].QueuedMS)
	}
}
