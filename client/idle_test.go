package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// TestIdleTimeoutIsTheServersSilence: a caller that stops reading for
// longer than the idle timeout (the chat, suspended while the user's
// editor runs) does not time the answer out; a server that goes quiet
// still does.
func TestIdleTimeoutIsTheServersSilence(t *testing.T) {
	t.Parallel()
	const tokens = 20000 // some 1 MB: more than the socket buffers hold while the caller pauses
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		stall := r.URL.Query().Has("stall")
		fmt.Fprint(w, `data: {"type":"token","content":"first"}`+"\n\n")
		w.(http.Flusher).Flush()
		if stall {
			<-r.Context().Done()
			return
		}
		frame := `data: {"type":"token","content":"` + strings.Repeat("x", 40) + `"}` + "\n\n"
		for range tokens {
			if _, err := fmt.Fprint(w, frame); err != nil {
				return
			}
		}
		fmt.Fprint(w, "data: {\"type\":\"done\"}\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	const idle = 50 * time.Millisecond
	c := client.New(client.Config{IdleTimeout: idle})

	ctx := context.Background()
	s, err := c.Stream(ctx, chatRequest(t, ctx, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range s.Events() {
		if err != nil {
			t.Fatalf("after %d events: %v, want the whole answer despite the caller's pause", n, err)
		}
		if n++; n == 1 {
			time.Sleep(4 * idle) // the caller's pause, not a wait for a goroutine
		}
	}
	if n < tokens {
		t.Errorf("%d events, want %d tokens and more", n, tokens)
	}

	s, err = c.Stream(ctx, chatRequest(t, ctx, srv.URL+"?stall"))
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range s.Events() {
		last = err
	}
	if !errors.Is(last, client.ErrIdleTimeout) {
		t.Errorf("a silent server: %v, want the idle timeout", last)
	}
}

// TestWebSocketIdleTimeoutIsTheServersSilence: over a WebSocket too, a
// caller that pauses longer than the idle timeout finds the messages
// that arrived meanwhile, not an idle timeout.
func TestWebSocketIdleTimeoutIsTheServersSilence(t *testing.T) {
	t.Parallel()
	const tokens = 300 // more than the turn's buffer, so the socket's reader waits too
	srv := newWSServer(t, func(p *peer) {
		if _, ok := p.next(); !ok {
			return
		}
		for range tokens {
			p.send(map[string]any{"type": "token", "content": "x"})
		}
		p.send(map[string]any{"type": "stream_end", "interrupted": false})
		p.next()
	})
	const idle = 30 * time.Millisecond
	s := askWS(t, newWSClient(t, client.Config{IdleTimeout: idle, PingInterval: time.Hour}), srv.url("/ws"), "q")
	n := 0
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatalf("after %d events: %v, want the whole answer despite the caller's pauses", n, err)
		}
		if ev.Kind == client.KindText {
			if n++; n <= 6 { // each pause once failed about half the time
				time.Sleep(4 * idle) // the caller's pause, not a wait for a goroutine
			}
		}
	}
	if n != tokens {
		t.Errorf("%d tokens, want %d", n, tokens)
	}
}
