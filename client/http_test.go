package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tokcli/tok/client"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func chatRequest(t *testing.T, ctx context.Context, url string) *http.Request {
	t.Helper()
	req, err := client.NewChatRequest(ctx, url, client.ChatRequest{Messages: []client.Message{{Role: "user", Content: "hi"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestCancelClosesTheConnection: cancelling a streaming request's context
// aborts the HTTP request, so the server sees its request context end within
// 100 ms, and leaves no goroutine behind (goleak checks the whole package).
// The bound is about behaviour (an abort, not a wait for the next read or a
// timeout), so one slow try on a busy machine is forgiven: the best of three
// must meet it.
func TestCancelClosesTheConnection(t *testing.T) {
	var best time.Duration
	for try := 0; try < 3; try++ {
		d := cancelLatency(t)
		if try == 0 || d < best {
			best = d
		}
		if best < 100*time.Millisecond {
			break
		}
	}
	t.Logf("the server saw the disconnect %s after cancel", best)
	if best >= 100*time.Millisecond {
		t.Fatalf("the server saw the disconnect %s after cancel, want under 100ms", best)
	}
}

// cancelLatency streams until the first token, cancels, and returns how long
// the server took to see its request end.
func cancelLatency(t *testing.T) time.Duration {
	t.Helper()
	serverSawEnd := make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"a\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		serverSawEnd <- time.Now()
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := client.New(client.Config{}).Stream(ctx, chatRequest(t, ctx, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var cancelled time.Time
	var gotErr error
	for ev, err := range s.Events() {
		if err != nil {
			gotErr = err
			break
		}
		if ev.Kind == client.KindText {
			cancelled = time.Now()
			cancel()
		}
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", gotErr)
	}
	select {
	case at := <-serverSawEnd:
		return at.Sub(cancelled)
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the request end")
		return 0
	}
}

func TestTerminalEventClosesTheBodyWithoutWaitingForEOF(t *testing.T) {
	serverSawEnd := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"a\"}\n\ndata: {\"type\":\"done\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // holds the socket open
		close(serverSawEnd)
	}))
	defer srv.Close()
	ctx := context.Background()
	s, err := client.New(client.Config{}).Stream(ctx, chatRequest(t, ctx, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var last client.Event
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatal(err)
		}
		last = ev
	}
	if last.Kind != client.KindDone {
		t.Errorf("last event %s, want done", last.Kind)
	}
	select {
	case <-serverSawEnd:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection stayed open after the terminal event")
	}
}

func TestIdleTimeoutBeforeHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // net/http sees a disconnect only once the body is read
		<-r.Context().Done()        // never answers
	}))
	defer srv.Close()
	ctx := context.Background()
	_, err := client.New(client.Config{IdleTimeout: 100 * time.Millisecond}).Stream(ctx, chatRequest(t, ctx, srv.URL))
	if !errors.Is(err, client.ErrIdleTimeout) {
		t.Fatalf("err = %v, want the idle timeout", err)
	}
	if err.Error() != "no data for 100ms (the idle timeout)" {
		t.Errorf("err = %q", err)
	}
}

func TestHTTPErrorCarriesStatusMessageAndRetryAfter(t *testing.T) {
	tests := []struct {
		name, body, retry string
		status            int
		msg, typ          string
		wait              time.Duration
	}{
		{"anthropic", `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, "3", 429, "slow down", "rate_limit_error", 3 * time.Second},
		{"openai", `{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`, "", 401, "bad key", "invalid_request_error", 0},
		{"gemini array", `[{"error":{"code":404,"message":"model not found","status":"NOT_FOUND"}}]`, "", 404, "model not found", "NOT_FOUND", 0},
		{"fastapi", `{"detail":"Not authenticated"}`, "", 403, "Not authenticated", "", 0},
		{"text", "upstream connect error\nmore", "", 503, "upstream connect error", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retry != "" {
					w.Header().Set("Retry-After", tt.retry)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			ctx := context.Background()
			_, err := client.New(client.Config{}).Stream(ctx, chatRequest(t, ctx, srv.URL))
			var he *client.HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *HTTPError", err)
			}
			if he.StatusCode != tt.status || he.Message != tt.msg || he.Type != tt.typ || he.RetryAfter != tt.wait {
				t.Errorf("got %d %q %q %s, want %d %q %q %s", he.StatusCode, he.Message, he.Type, he.RetryAfter, tt.status, tt.msg, tt.typ, tt.wait)
			}
		})
	}
}

func TestTimingsAreRecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: {\"type\":\"start\"}\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"a\"}\n\ndata: {\"type\":\"done\"}\n\n")
	}))
	defer srv.Close()
	ctx := context.Background()
	s, err := client.New(client.Config{}).Stream(ctx, chatRequest(t, ctx, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range s.Events() {
		if err != nil {
			t.Fatal(err)
		}
	}
	tm := s.Timings()
	steps := []time.Duration{tm.WroteRequest, tm.Headers, tm.FirstByte, tm.FirstEvent, tm.FirstText, tm.End}
	for i := range steps {
		if steps[i] <= 0 || (i > 0 && steps[i] < steps[i-1]) {
			t.Fatalf("timings out of order: %+v", tm)
		}
	}
	// The text was written 20 ms after the request arrived, so it cannot
	// have been read sooner. (The gap to the first event may be shorter:
	// a busy machine can read the start frame late.)
	if tm.FirstText < 20*time.Millisecond || tm.FirstText <= tm.FirstEvent {
		t.Errorf("first text %s, first event %s: want the text after the event and the 20 ms pause", tm.FirstText, tm.FirstEvent)
	}
	if tm.Connect <= 0 || tm.Events != 3 {
		t.Errorf("connect %s, events %d", tm.Connect, tm.Events)
	}
}
