package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// resumed is what a resumable stream delivered: its text once, the
// reconnects it made, and the error that ended it.
type resumed struct {
	text       string
	reconnects []client.Retry
	err        error
}

func chat(t *testing.T, ctx context.Context, cfg client.Config, ep client.Endpoint) resumed {
	t.Helper()
	s, err := client.New(cfg).Chat(ctx, ep, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		return resumed{err: err}
	}
	var r resumed
	for ev, err := range s.Events() {
		switch {
		case err != nil:
			r.err = err
		case ev.Kind == client.KindText:
			r.text += ev.Text
		case ev.Kind == client.KindReconnect:
			r.reconnects = append(r.reconnects, ev.Retry)
		case ev.Kind == client.KindError:
			r.err = ev.Err
		}
	}
	return r
}

// tokAt is tok serve's own protocol with the scenario knobs.
func tokAt(base, knobs string) client.Endpoint {
	return client.Endpoint{URL: base + "/api/chat/stream", Header: scenario(knobs)}
}

const quick = "tokens=40,interval=0,first=0"

func TestAResumedStreamEqualsTheUninterruptedOne(t *testing.T) {
	srv := server.New(server.Config{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	want := chat(t, context.Background(), client.Config{}, tokAt(hs.URL, quick))
	if want.err != nil || want.text == "" {
		t.Fatalf("uninterrupted: %q, %v", want.text, want.err)
	}
	tests := []struct {
		name, knobs string
		cfg         client.Config
		resumeFrom  int
		lastEventID string
		wait        time.Duration // the longest the reconnect may wait
	}{
		{"a cut, by index (resumeFrom)", ",drop-after=15,once", client.Config{}, 15, "", 250 * time.Millisecond},
		{"a cut, by SSE id (Last-Event-ID)", ",drop-after=15,once,no-index", client.Config{}, 15, "14", 250 * time.Millisecond},
		{"the idle timeout", ",stall-after=15,once", client.Config{IdleTimeout: 200 * time.Millisecond}, 15, "", 250 * time.Millisecond},
		{"the server's retry field", ",drop-after=15,once,sse-retry=20", client.Config{}, 15, "", 20 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ResumeTries = 3
			got := chat(t, context.Background(), tt.cfg, tokAt(hs.URL, quick+tt.knobs))
			if got.err != nil || got.text != want.text {
				t.Fatalf("text %q, err %v\nwant %q", got.text, got.err, want.text)
			}
			if len(got.reconnects) != 1 || got.reconnects[0].Attempt != 1 || got.reconnects[0].Of != 3 || got.reconnects[0].Wait > tt.wait {
				t.Errorf("reconnects %+v; want one, 1 of 3, within %s", got.reconnects, tt.wait)
			}
			recs := srv.Stats()
			first, second := recs[len(recs)-2], recs[len(recs)-1]
			if first.SessionID == "" || second.SessionID != first.SessionID {
				t.Errorf("sessions %q then %q; want one id, sent both times", first.SessionID, second.SessionID)
			}
			if second.ResumeFrom != tt.resumeFrom || second.LastEventID != tt.lastEventID {
				t.Errorf("the reconnect: resume_from %d, last_event_id %q; want %d, %q",
					second.ResumeFrom, second.LastEventID, tt.resumeFrom, tt.lastEventID)
			}
		})
	}
}

func TestAForgottenSessionKeepsThePartialAnswer(t *testing.T) {
	srv := server.New(server.Config{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	whole := chat(t, context.Background(), client.Config{}, tokAt(hs.URL, quick)).text
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, tokAt(hs.URL, quick+",drop-after=15,once,forget"))
	var co *client.CutOffError
	var re *client.ResumeError
	var he *client.HTTPError
	if !errors.As(got.err, &co) || !errors.As(got.err, &re) || !errors.As(got.err, &he) || he.StatusCode != 404 {
		t.Fatalf("err = %v; want a cut-off that could not resume: 404", got.err)
	}
	if co.Tokens != 15 || got.text == "" || !strings.HasPrefix(whole, got.text) || len(got.reconnects) != 1 {
		t.Errorf("kept %d tokens %q after %d reconnects; want the first 15 of the answer, 1 reconnect", co.Tokens, got.text, len(got.reconnects))
	}
	if !strings.Contains(got.err.Error(), "could not resume: 404 Not Found: session") {
		t.Errorf("err = %q", got.err)
	}
}

// scripted is a tok-protocol server written out by hand: each request
// gets the answer of its number (from 0), and the bodies are kept.
type scripted struct {
	seen   atomic.Int32
	bodies [8]string
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.seen.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	if n < len(s.bodies) {
		s.bodies[n] = string(b)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	s.answer(n, w, r)
}

// tokens writes token frames from..to-1, numbered with index.
func tokens(w io.Writer, from, to int) {
	for i := from; i < to; i++ {
		fmt.Fprintf(w, "data: {\"type\":\"token\",\"content\":\"t%d \",\"index\":%d}\n\n", i, i)
	}
}

func words(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "t%d ", i)
	}
	return b.String()
}

func TestAReplayThatStartsTooEarlyRepeatsNothing(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "retry: 40\n\ndata: {\"type\":\"start\"}\n\n")
		if n == 0 {
			tokens(w, 0, 10) // then the body ends: a cut
			return
		}
		tokens(w, 5, 20) // a server that replays from further back than asked
		io.WriteString(w, "data: {\"type\":\"done\"}\n\ndata: [DONE]\n\n")
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
	if got.err != nil || got.text != words(0, 20) {
		t.Fatalf("text %q, err %v; want t0 … t19 once each", got.text, got.err)
	}
	if len(got.reconnects) != 1 || got.reconnects[0].Wait > 40*time.Millisecond || got.reconnects[0].Wait < 32*time.Millisecond {
		t.Errorf("reconnects %+v; want one after the server's retry: 40 (less a fifth of jitter at most)", got.reconnects)
	}
	var body struct {
		SessionID  string `json:"sessionId"`
		ResumeFrom int    `json:"resumeFrom"`
	}
	json.Unmarshal([]byte(s.bodies[1]), &body)
	if body.SessionID == "" || body.ResumeFrom != 10 || !strings.Contains(s.bodies[0], body.SessionID) {
		t.Errorf("the reconnect's body %s; want the first's sessionId and resumeFrom 10", s.bodies[1])
	}
}

func TestResumeGivesUpAfterItsTries(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		if n > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "retry: 1\n\n")
		tokens(w, 0, 3)
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
	var re *client.ResumeError
	var he *client.HTTPError
	if !errors.As(got.err, &re) || re.Tries != 3 || !errors.As(got.err, &he) || he.StatusCode != 503 {
		t.Fatalf("err = %v; want could not resume in 3 tries: 503", got.err)
	}
	if got.text != words(0, 3) || len(got.reconnects) != 3 || s.seen.Load() != 4 {
		t.Errorf("text %q after %d reconnects and %d requests; want the 3 tokens, 3 reconnects, 4 requests", got.text, len(got.reconnects), s.seen.Load())
	}
}

func TestAnOutageIsBoundedInTime(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		if n > 0 {
			<-r.Context().Done() // a server that never answers again
			return
		}
		io.WriteString(w, "retry: 1\n\n")
		tokens(w, 0, 3)
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	start := time.Now()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3, ResumeWithin: 200 * time.Millisecond}, client.Endpoint{URL: hs.URL})
	var re *client.ResumeError
	if !errors.As(got.err, &re) || !strings.Contains(got.err.Error(), "did not come back in time (200ms)") {
		t.Fatalf("err = %v; want could not resume: did not come back in time", got.err)
	}
	// Not a timing assertion: a hang would take the test's whole deadline.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s", d)
	}
}

func TestStoppingDuringAReconnectWaitReturnsAtOnce(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "retry: 20000\n\n")
		tokens(w, 0, 3)
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := client.New(client.Config{ResumeTries: 3}).Chat(ctx, client.Endpoint{URL: hs.URL}, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for {
		ev, err := st.Next()
		if err != nil {
			t.Fatalf("before the reconnect: %v", err)
		}
		if ev.Kind == client.KindReconnect {
			break
		}
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err = st.Next()
	var re *client.ResumeError
	if !errors.Is(err, context.Canceled) || errors.As(err, &re) || time.Since(start) > 5*time.Second {
		t.Errorf("err = %v after %s; want context.Canceled at once", err, time.Since(start))
	}
}

func TestNoReconnectWithoutAnIndexOrAnID(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data: {\"type\":\"token\",\"content\":\"one \"}\n\ndata: {\"type\":\"token\",\"content\":\"two\"}\n\n")
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
	var co *client.CutOffError
	var re *client.ResumeError
	if !errors.As(got.err, &co) || errors.As(got.err, &re) || co.Tokens != 2 || got.text != "one two" || s.seen.Load() != 1 || len(got.reconnects) != 0 {
		t.Errorf("text %q, err %v, %d requests; want the cut-off as without resume, one request", got.text, got.err, s.seen.Load())
	}
}

func TestATokRequestAnsweredInAnotherDialectIsNotResumed(t *testing.T) {
	s := &scripted{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "id: %d\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t%d \"}}]}\n\n", i, i)
		}
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{ResumeTries: 3}, client.Endpoint{URL: hs.URL})
	var co *client.CutOffError
	if !errors.As(got.err, &co) || got.text != words(0, 3) || len(got.reconnects) != 0 || s.seen.Load() != 1 {
		t.Errorf("text %q, err %v, %d requests; want the cut-off, one request: an OpenAI stream may start again when asked twice", got.text, got.err, s.seen.Load())
	}
}

func TestTheLLMAPIsAreNotResumed(t *testing.T) {
	f := &flaky{next: server.New(server.Config{})}
	hs := httptest.NewServer(f)
	defer hs.Close()
	got := chat(t, context.Background(), client.Config{Retries: 2, ResumeTries: 3}, anthropicAt(hs.URL, "tokens=10,interval=0,first=0,drop-after=3"))
	var co *client.CutOffError
	if !errors.As(got.err, &co) || co.Tokens != 3 || len(got.reconnects) != 0 || f.seen.Load() != 1 {
		t.Errorf("err %v, %d reconnects, %d requests; want the cut-off after 3 tokens, one request", got.err, len(got.reconnects), f.seen.Load())
	}
}

func TestStreamResumesAnySSEServerByLastEventID(t *testing.T) {
	srv := server.New(server.Config{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	// A request built by hand: Stream can only add Last-Event-ID to it.
	open := func(knobs string, cfg client.Config) resumed {
		req, err := client.NewChatRequest(context.Background(), hs.URL+"/api/chat/stream",
			client.ChatRequest{Messages: []client.Message{{Role: "user", Content: "hi"}}, SessionID: "by-hand-" + knobs}, scenario(quick+knobs))
		if err != nil {
			t.Fatal(err)
		}
		s, err := client.New(cfg).Stream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var r resumed
		r.text, _, r.err = collect(s)
		return r
	}
	want := open("", client.Config{})
	got := open(",drop-after=15,once", client.Config{ResumeTries: 3})
	if got.err != nil || got.text != want.text {
		t.Fatalf("text %q, err %v\nwant %q", got.text, got.err, want.text)
	}
	if last := srv.Stats()[len(srv.Stats())-1]; last.LastEventID != "14" {
		t.Errorf("the reconnect sent Last-Event-ID %q; want 14", last.LastEventID)
	}
}
