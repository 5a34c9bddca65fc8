package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// TestInterruptAbortsAnHTTPStream: an SSE answer's interrupt is the
// abort it always was: at once, the server sees its request end, and the
// stream ends stopped (aborted), which errors.Is reads as a cancellation.
func TestInterruptAbortsAnHTTPStream(t *testing.T) {
	t.Parallel()
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for {
			if _, err := w.Write([]byte(`data: {"type":"token","content":"x"}` + "\n\n")); err != nil {
				break
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				close(gone)
				return
			case <-time.After(time.Millisecond):
			}
		}
		close(gone)
	}))
	defer srv.Close()
	s, err := client.New(client.Config{}).Stream(context.Background(), chatRequest(t, context.Background(), srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	texts := 0
	var end error
	for ev, err := range s.Events() {
		if end = err; err != nil {
			break
		}
		if ev.Kind == client.KindText {
			if texts++; texts == 3 {
				go s.Interrupt(time.Second) // the stop key, from another goroutine
			}
		}
	}
	var stop *client.StopError
	if !errors.As(end, &stop) || stop.How != client.StopAborted || !errors.Is(end, context.Canceled) {
		t.Fatalf("the stream ended %v, want stopped (aborted)", end)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's request did not end")
	}
}
