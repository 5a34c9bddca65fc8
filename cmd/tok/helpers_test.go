package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testStreams returns ioStreams on buffers; stdin, when not empty, is piped.
func testStreams(stdin string) (*ioStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &ioStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut, StdinPiped: stdin != "",
		Getenv: func(string) string { return "" }}, out, errOut
}

// result is what one run of tok left behind.
type result struct {
	code   int
	stdout string
	stderr string
}

// runTok runs tok with args and fails the test if it does not return
// within the deadline (a hang is a bug).
func runTok(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runTokEnv(t, nil, stdin, args...)
}

// runTokEnv is runTok with the environment env (and nothing else).
func runTokEnv(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	return runTokWith(t, env, stdin, nil, args...)
}

// runTokWith runs tok with env and stdin, and with edit, if not nil, set
// on its streams first (a stand-in for the terminal, say); it fails the
// test if tok does not return in 10 s.
func runTokWith(t *testing.T, env map[string]string, stdin string, edit func(*ioStreams), args ...string) result {
	t.Helper()
	ios, out, errOut := testStreams(stdin)
	ios.Getenv = func(k string) string { return env[k] }
	if edit != nil {
		edit(ios)
	}
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- execute(ctx, ios, args) }()
	select {
	case code := <-done:
		return result{code, out.String(), errOut.String()}
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Fatalf("tok %q did not return in 10s; stdout so far %q", args, out.String())
		return result{}
	}
}

// sse is a handler helper that writes frames and flushes after each.
type sse struct {
	w    http.ResponseWriter
	r    *http.Request
	body string // the request body, read up front
}

func (s sse) send(raw string) bool {
	if _, err := fmt.Fprint(s.w, raw); err != nil {
		return false
	}
	s.w.(http.Flusher).Flush()
	return s.r.Context().Err() == nil
}

func (s sse) token(text string) bool {
	b, _ := json.Marshal(map[string]string{"type": "token", "content": text})
	return s.send("data: " + string(b) + "\n\n")
}

// serveRaw starts a test server with h.
func serveRaw(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serve starts a test server whose handler sets the SSE content type and
// calls fn.
func serve(t *testing.T, fn func(s sse)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first, as real servers do: net/http notices a
		// client's disconnect only once it has.
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fn(sse{w, r, string(b)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// hijackClose drops the TCP connection without ending the HTTP response.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	buf.Flush()
	conn.Close()
}
