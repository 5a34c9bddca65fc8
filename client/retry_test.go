package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// flaky answers its first failures requests with fail, then hands them
// to tok serve. It counts the requests.
type flaky struct {
	failures int
	fail     http.HandlerFunc
	seen     atomic.Int32
	next     http.Handler
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := f.seen.Add(1); int(n) <= f.failures {
		io.Copy(io.Discard, r.Body)
		f.fail(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

func status(code int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`)
	}
}

// collect reads a stream to its end: its events and the error that ended it.
func collect(s *client.Stream) (text string, retries []client.Retry, err error) {
	for ev, e := range s.Events() {
		switch {
		case e != nil:
			err = e
		case ev.Kind == client.KindText:
			text += ev.Text
		case ev.Kind == client.KindRetry:
			retries = append(retries, ev.Retry)
		case ev.Kind == client.KindError:
			err = ev.Err
		}
	}
	return text, retries, err
}

func anthropicAt(url, scenarioKnobs string) client.Endpoint {
	return client.Endpoint{Provider: client.Anthropic, BaseURL: url, Key: "k", Header: scenario(scenarioKnobs)}
}

func open(t *testing.T, ctx context.Context, cfg client.Config, ep client.Endpoint) (*client.Stream, error) {
	t.Helper()
	req, err := ep.Request(ctx, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	return client.New(cfg).Stream(ctx, req)
}

func TestRetryHonoursRetryAfterThenSucceeds(t *testing.T) {
	f := &flaky{fail: status(429, "0.05"), next: server.New(server.Config{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	want := read(t, anthropicAt(srv.URL, "tokens=10,interval=0,first=0"), []client.Message{{Role: "user", Content: "hi"}}).text
	f.failures = 1
	f.seen.Store(0)

	start := time.Now()
	s, err := open(t, context.Background(), client.Config{Retries: 2, RetryBackoff: time.Millisecond}, anthropicAt(srv.URL, "tokens=10,interval=0,first=0"))
	if err != nil {
		t.Fatal(err)
	}
	text, retries, err := collect(s)
	if err != nil || text != want {
		t.Fatalf("text %q, err %v; want %q", text, err, want)
	}
	var he *client.HTTPError
	if len(retries) != 1 || retries[0].Attempt != 1 || retries[0].Of != 2 || retries[0].Wait != 50*time.Millisecond ||
		!errors.As(retries[0].Err, &he) || he.StatusCode != 429 {
		t.Errorf("retries = %+v, want one after the 429's 50ms", retries)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("retried after %s, before the Retry-After", time.Since(start))
	}
	if n := f.seen.Load(); n != 2 {
		t.Errorf("the server saw %d requests, want 2", n)
	}
}

func TestRetriesStopAtTheLimit(t *testing.T) {
	f := &flaky{failures: 100, fail: status(529, "")}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s, err := open(t, context.Background(), client.Config{Retries: 2, RetryBackoff: time.Millisecond}, anthropicAt(srv.URL, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, retries, err := collect(s)
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 529 || len(retries) != 2 {
		t.Errorf("err = %v after %d retries; want the 529 after 2", err, len(retries))
	}
	if n := f.seen.Load(); n != 3 {
		t.Errorf("the server saw %d requests, want 3", n)
	}
}

func TestNoRetryForTheCallersMistakesOrLongWaits(t *testing.T) {
	for _, fail := range []http.HandlerFunc{status(400, ""), status(401, ""), status(404, ""), status(429, "3600")} {
		f := &flaky{failures: 100, fail: fail}
		srv := httptest.NewServer(f)
		_, err := open(t, context.Background(), client.Config{Retries: 2, RetryBackoff: time.Millisecond}, anthropicAt(srv.URL, ""))
		srv.Close()
		var he *client.HTTPError
		if !errors.As(err, &he) {
			t.Errorf("err = %v, want the HTTP error at once", err)
		}
		if n := f.seen.Load(); n != 1 {
			t.Errorf("%v: the server saw %d requests, want 1", err, n)
		}
	}
}

func TestRetryAnOverloadedEventOrACutBeforeTheFirstToken(t *testing.T) {
	fails := map[string]http.HandlerFunc{
		"overloaded event": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":\"x\",\"usage\":{}}}\n\n")
			io.WriteString(w, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
		},
		"cut before text": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":\"x\",\"usage\":{}}}\n\n")
		},
	}
	for name, fail := range fails {
		t.Run(name, func(t *testing.T) {
			f := &flaky{failures: 1, fail: fail, next: server.New(server.Config{})}
			srv := httptest.NewServer(f)
			defer srv.Close()
			s, err := open(t, context.Background(), client.Config{Retries: 2, RetryBackoff: time.Millisecond}, anthropicAt(srv.URL, "tokens=5,interval=0,first=0"))
			if err != nil {
				t.Fatal(err)
			}
			starts := 0
			var text string
			for ev, err := range s.Events() {
				if err != nil {
					t.Fatal(err)
				}
				starts += map[bool]int{true: 1}[ev.Kind == client.KindStart]
				if ev.Kind == client.KindText {
					text += ev.Text
				}
			}
			if text == "" || starts != 1 || f.seen.Load() != 2 {
				t.Errorf("text %q, %d start events, %d requests; want text, 1 start, 2 requests", text, starts, f.seen.Load())
			}
		})
	}
}

func TestNoRetryAfterTheFirstToken(t *testing.T) {
	f := &flaky{next: server.New(server.Config{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	for _, knobs := range []string{"tokens=10,interval=0,first=0,error-after=3", "tokens=10,interval=0,first=0,drop-after=3"} {
		f.seen.Store(0)
		s, err := open(t, context.Background(), client.Config{Retries: 2, RetryBackoff: time.Millisecond}, anthropicAt(srv.URL, knobs))
		if err != nil {
			t.Fatal(err)
		}
		text, retries, err := collect(s)
		if err == nil || len(retries) != 0 || text == "" || f.seen.Load() != 1 {
			t.Errorf("%s: text %q, err %v, %d retries, %d requests; want the partial text, the error, no retry", knobs, text, err, len(retries), f.seen.Load())
		}
	}
}

func TestStoppingDuringARetryWaitReturnsAtOnce(t *testing.T) {
	f := &flaky{failures: 100, fail: status(503, "30")}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := open(t, ctx, client.Config{Retries: 2}, anthropicAt(srv.URL, ""))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.Next()
	if err != nil || ev.Kind != client.KindRetry || ev.Retry.Wait != 30*time.Second {
		t.Fatalf("first event %+v, %v; want a retry in 30s", ev, err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err = s.Next()
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %s; want context.Canceled at once", err, time.Since(start))
	}
	s.Close()
}
