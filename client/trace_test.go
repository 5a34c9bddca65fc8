package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// traced is what a Trace saw of one stream.
type traced struct {
	status   int
	frames   []string
	comments int
	bytes    int
	events   []client.Kind
	err      error
	end      client.End
}

func traceStream(t *testing.T, h http.HandlerFunc, linger time.Duration, stop func(bytes int) error) traced {
	t.Helper()
	hs := httptest.NewServer(h)
	defer hs.Close()
	var got traced
	tr := &client.Trace{
		Response: func(resp *http.Response, _ client.Timings) { got.status = resp.StatusCode },
		Read: func(n int, _ time.Duration) error {
			got.bytes += n
			if stop != nil {
				return stop(got.bytes)
			}
			return nil
		},
		Frame:   func(f client.Frame, _ time.Duration) { got.frames = append(got.frames, f.Data) },
		Comment: func([]byte, time.Duration) { got.comments++ },
		Linger:  linger,
	}
	req, _ := http.NewRequestWithContext(client.WithTrace(context.Background(), tr), "GET", hs.URL, nil)
	s, err := client.New(client.Config{}).Stream(req.Context(), req)
	if err != nil {
		got.err = err
		return got
	}
	for ev, err := range s.Events() {
		if err != nil {
			got.err = err
			break
		}
		got.events = append(got.events, ev.Kind)
	}
	got.end = s.End()
	return got
}

const tracedBody = ": ping\n\ndata: {\"type\":\"token\",\"content\":\"hi\"}\n\ndata: {\"type\":\"done\"}\n\n"

func TestATraceSeesTheWireAndWhatFollowsTheEnd(t *testing.T) {
	var hold atomic.Bool
	h := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, tracedBody+"data: [DONE]\n\ndata: {\"late\":1}\n\n")
		w.(http.Flusher).Flush()
		if hold.Load() {
			<-r.Context().Done()
		}
	}
	for _, held := range []bool{false, true} {
		hold.Store(held)
		got := traceStream(t, h, 200*time.Millisecond, nil)
		if got.err != nil || got.status != 200 || got.comments != 1 || got.bytes != len(tracedBody)+len("data: [DONE]\n\ndata: {\"late\":1}\n\n") {
			t.Errorf("held %v: err %v, status %d, comments %d, bytes %d", held, got.err, got.status, got.comments, got.bytes)
		}
		if len(got.frames) != 4 || got.frames[3] != `{"late":1}` {
			t.Errorf("held %v: frames %q, want the two after the end too", held, got.frames)
		}
		if got.end.HeldOpen != held || got.end.Implicit {
			t.Errorf("held %v: end %+v", held, got.end)
		}
	}
}

func TestATraceCanStopAStream(t *testing.T) {
	errLimit := errors.New("a limit")
	got := traceStream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; r.Context().Err() == nil && i < 10000; i++ {
			fmt.Fprintf(w, "data: {\"type\":\"token\",\"content\":\"t%d\"}\n\n", i)
			w.(http.Flusher).Flush()
		}
	}, 0, func(n int) error {
		if n > 1000 {
			return errLimit
		}
		return nil
	})
	var co *client.CutOffError
	if !errors.Is(got.err, errLimit) || errors.As(got.err, &co) {
		t.Errorf("err = %v, want the trace's own error, not a cut-off", got.err)
	}
}

func TestATraceSeesAnErrorStatus(t *testing.T) {
	got := traceStream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusTeapot)
	}, 0, nil)
	var he *client.HTTPError
	if got.status != http.StatusTeapot || !errors.As(got.err, &he) {
		t.Errorf("status %d, err %v", got.status, got.err)
	}
}

func TestAnAnswerEndedByTheBodysEndIsImplicit(t *testing.T) {
	got := traceStream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}`+"\n\n")
	}, 0, nil)
	if got.err != nil || !got.end.Implicit {
		t.Errorf("err %v, end %+v, want an implicit end", got.err, got.end)
	}
}
