package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// TestAnHTTPErrorThatOutlastsTheRetriesIsNotACutOff: the last answer's
// status is the error, as it would be with no retries at all.
func TestAnHTTPErrorThatOutlastsTheRetriesIsNotACutOff(t *testing.T) {
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error":{"message":"slow down","type":"rate_limit_error"}}`, http.StatusTooManyRequests)
	}))
	defer hs.Close()
	cfg := client.Config{Retries: 2, RetryBackoff: time.Millisecond}
	s, err := client.New(cfg).Chat(context.Background(), client.Endpoint{URL: hs.URL}, []client.Message{{Role: "user", Content: "hi"}})
	if err == nil {
		for _, e := range s.Events() {
			if e != nil {
				err = e
			}
		}
	}
	var he *client.HTTPError
	var co *client.CutOffError
	if !errors.As(err, &he) || he.StatusCode != 429 || errors.As(err, &co) {
		t.Errorf("err = %v (%T), want the 429 itself", err, err)
	}
	if n.Load() != 3 {
		t.Errorf("requests = %d, want 3", n.Load())
	}
}

// TestRetryWaitsNeverOverflow: however many retries are asked for, and
// whatever wait a server names, the waits stay in bounds: no panic, no
// negative wait.
func TestRetryWaitsNeverOverflow(t *testing.T) {
	for _, h := range []struct{ name, value string }{
		{"", ""},
		{"Retry-After", "1e300"},
		{"Retry-After", "-5"},
		{"Retry-After-Ms", "9e18"},
		{"Retry-After-Ms", "NaN"},
	} {
		t.Run(h.name+"="+h.value, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if h.name != "" {
					w.Header().Set(h.name, h.value)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer hs.Close()
			// A tiny backoff doubled 62 times would overflow a Duration.
			cfg := client.Config{Retries: 70, RetryBackoff: time.Nanosecond, MaxRetryWait: time.Millisecond, Timeout: 300 * time.Millisecond}
			s, err := client.New(cfg).Stream(context.Background(), mustRequest(t, hs.URL))
			if err != nil {
				return // refused at once: a wait over MaxRetryWait
			}
			for ev, err := range s.Events() {
				if ev.Kind == client.KindRetry && ev.Retry.Wait < 0 {
					t.Fatalf("retry %d waits %s", ev.Retry.Attempt, ev.Retry.Wait)
				}
				if err != nil {
					break
				}
			}
		})
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// reconnectLoop is a tok-protocol server that sends one numbered token and then
// closes the stream, asking for an instant reconnect (retry: 0): a server
// that would keep a client reconnecting for ever.
func reconnectLoop(t *testing.T, requests *atomic.Int32) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(requests.Add(1)) - 1
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "retry: 0\n\ndata: {\"type\":\"token\",\"content\":\"t%d \",\"index\":%d}\n\n", i, i)
	}))
	t.Cleanup(hs.Close)
	return hs
}

func TestReconnectsAreBoundedWhateverTextTheyBring(t *testing.T) {
	var n atomic.Int32
	hs := reconnectLoop(t, &n)
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
	var re *client.ResumeError
	if !errors.As(got.err, &re) {
		t.Fatalf("err = %v, want a ResumeError", got.err)
	}
	if len(got.reconnects) != 12 || n.Load() != 13 {
		t.Errorf("reconnects = %d, requests = %d, want 12 and 13 (4 × --resume-tries)", len(got.reconnects), n.Load())
	}
	if !strings.HasPrefix(got.text, "t0 t1 t2 ") {
		t.Errorf("text = %q, want the tokens in order", got.text)
	}
}

func TestTheTotalTimeoutBoundsReconnects(t *testing.T) {
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		w.Header().Set("Content-Type", "text/event-stream")
		// A reconnect every 40 ms, each bringing new text: without the
		// total timeout this runs for 12 reconnects (about 0.5 s).
		fmt.Fprintf(w, "retry: 40\n\ndata: {\"type\":\"token\",\"content\":\"t%d \",\"index\":%d}\n\n", i, i)
	}))
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3, Timeout: 100 * time.Millisecond}, client.Endpoint{URL: hs.URL})
	if !errors.Is(got.err, client.ErrTimeout) {
		t.Errorf("err = %v, want the total timeout", got.err)
	}
	if n.Load() >= 12 {
		t.Errorf("requests = %d: the timeout did not stop the reconnects", n.Load())
	}
}

// TestAReconnectThatCannotShowWhatItRepeatsIsRefused: the answer to a
// reconnect must number its tokens as asked, in the answer's dialect;
// otherwise the partial answer is kept and nothing is repeated.
func TestAReconnectThatCannotShowWhatItRepeatsIsRefused(t *testing.T) {
	first := "data: {\"type\":\"start\"}\n\ndata: {\"type\":\"token\",\"content\":\"one \",\"index\":0}\n\n" +
		"data: {\"type\":\"token\",\"content\":\"two \",\"index\":1}\n\n"
	tests := []struct{ name, again, why string }{
		{"tokens without an index", "data: {\"type\":\"token\",\"content\":\"one \"}\n\ndata: {\"type\":\"token\",\"content\":\"two \"}\n\n", "without an index"},
		{"another dialect", `data: {"choices":[{"index":0,"delta":{"content":"one two three"}}]}` + "\n\n", "answered in openai-chat"},
		{"plain text", "one two three", "answered in text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				if n.Add(1) == 1 {
					fmt.Fprint(w, first)
					return
				}
				if strings.HasPrefix(tt.again, "one") {
					w.Header().Set("Content-Type", "text/plain")
				}
				fmt.Fprint(w, tt.again)
			}))
			defer hs.Close()
			got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
			var re *client.ResumeError
			if !errors.As(got.err, &re) || !strings.Contains(got.err.Error(), tt.why) {
				t.Errorf("err = %v, want a refused resume saying %q", got.err, tt.why)
			}
			if got.text != "one two " {
				t.Errorf("text = %q, want the partial answer once", got.text)
			}
		})
	}
}

func TestAReconnectByEventIDMustMoveOn(t *testing.T) {
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		n.Add(1)
		// Ignores Last-Event-ID and starts again from the top.
		fmt.Fprint(w, "id: 1\ndata: {\"type\":\"token\",\"content\":\"one \"}\n\nid: 2\ndata: {\"type\":\"token\",\"content\":\"two \"}\n\n")
	}))
	defer hs.Close()
	req := mustRequest(t, hs.URL)
	s, err := client.New(client.Config{ResumeTries: 3}).Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for ev, e := range s.Events() {
		text += ev.Text
		err = e
	}
	if text != "one two " || !strings.Contains(fmt.Sprint(err), "went back to event id 1 after 2") {
		t.Errorf("text %q, err %v; want the text once and a refused resume", text, err)
	}
}
