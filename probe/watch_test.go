package probe

import (
	"compress/gzip"
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

// tokBody is a stream of n tokens in tok's protocol, without its end.
func tokBody(n int) string {
	var b strings.Builder
	b.WriteString("data: {\"type\":\"start\",\"messageId\":\"m\"}\n\n")
	for i := range n {
		fmt.Fprintf(&b, "data: {\"type\":\"token\",\"content\":\"t%d \"}\n\n", i)
	}
	return b.String()
}

const tokDone = "data: {\"type\":\"done\",\"usage\":{\"outputTokens\":6}}\n\n"

// serveSSE answers with body as an event stream; with hold, it keeps the
// connection open after it until the client goes.
func serveSSE(body string, hold bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		io.WriteString(w, body)
		w.(http.Flusher).Flush()
		if hold {
			<-r.Context().Done()
		}
	}
}

// TestProbeWatchesTheWireThroughTheTrace checks what the probe reads off
// the trace rather than the events: frames after the end, a connection
// held open, an end by the body's close, compression the transport
// undid, heartbeats, a frame that is not well formed, and an empty
// answer, which is a verdict and not an error.
func TestProbeWatchesTheWireThroughTheTrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		h       http.HandlerFunc
		check   string
		want    string
		wantErr bool
	}{
		{"frames after the end", serveSSE(tokBody(6)+tokDone+"data: [DONE]\n\ndata: {\"late\":1}\n\n", false),
			"after end", `WARN 1 frames after "done"`, false},
		{"held open", serveSSE(tokBody(6)+tokDone, true),
			"after end", `WARN the connection stayed open after "done"`, false},
		{"closed", serveSSE(tokBody(6)+tokDone, false), "after end", "PASS nothing, and the connection closed", false},
		{"ended by the body's end", serveSSE(`data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}`+"\n\n"+
			`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n", false),
			"end", "FAIL the body ended after the finish without [DONE]", false},
		{"gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, tokBody(6)+tokDone)
			zw.Close()
		}, "compression", "WARN gzip: compressors hold bytes back", false},
		{"heartbeats", serveSSE(": ping\n\n"+tokBody(6)+": ping\n\n"+tokDone, false), "heartbeats", "PASS 2 comments", false},
		{"malformed frame", serveSSE(tokBody(3)+"data: {\"type\":\"token\",\"content\":\n\n", false),
			"frames", `FAIL malformed tok frame "{"type":"token","content":"`, true},
		{"empty answer", serveSSE(tokBody(0)+"data: {\"type\":\"done\"}\n\n", false), "end", `PASS "done"`, false},
		{"error event", serveSSE(tokBody(3)+"data: {\"type\":\"error\",\"message\":\"overloaded\"}\n\n", false),
			"end", "FAIL an error event after 3 tokens: overloaded", false},
		{"held open after an error event", serveSSE(tokBody(3)+"data: {\"type\":\"error\",\"message\":\"overloaded\"}\n\n", true),
			"after end", "WARN the connection stayed open after", false},
		{"held open after an empty answer", serveSSE(tokBody(0)+"data: {\"type\":\"done\"}\n\n", true),
			"after end", "WARN the connection stayed open after", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			res := Run(context.Background(), client.New(client.Config{}), req, Options{Grace: 200 * time.Millisecond})
			if got := checkOf(res, tt.check); !strings.HasPrefix(got, tt.want) {
				t.Errorf("%s = %q, want %q\nall: %+v", tt.check, got, tt.want, res.Checks)
			}
			if (res.Err != nil) != tt.wantErr {
				t.Errorf("err = %v, want one: %v", res.Err, tt.wantErr)
			}
		})
	}
}

// TestProbeCountsTextNotReasoningInACutOff checks that a cut-off's count
// is the probe's (text chunks), not the stream's (text and reasoning).
func TestProbeCountsTextNotReasoningInACutOff(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	ev := func(name, data string) { fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", name, data) }
	ev("message_start", `{"type":"message_start","message":{"id":"m","model":"x"}}`)
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`)
	for range 3 {
		ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}`)
	}
	ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`)
	for range 2 {
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi"}}`)
	}
	srv := httptest.NewServer(serveSSE(b.String(), false))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	res := Run(context.Background(), client.New(client.Config{}), req, Options{})
	var co *client.CutOffError
	if !errors.As(res.Err, &co) || co.Tokens != 2 || res.Tokens != 2 {
		t.Errorf("err %v (%d tokens), probe counted %d; want a cut-off after 2", res.Err, co.Tokens, res.Tokens)
	}
}

// TestProbeKeepsFramesWithTheirSecretsScrubbed checks that --frames shows
// the frames as the trace hands them over: with the request's key
// redacted where the server echoed it.
func TestProbeKeepsFramesWithTheirSecretsScrubbed(t *testing.T) {
	t.Parallel()
	const key = "sk-probe-secret-4242"
	srv := httptest.NewServer(serveSSE("data: {\"type\":\"token\",\"content\":\"key="+key+" \"}\n\n"+tokDone, false))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res := Run(context.Background(), client.New(client.Config{}), req, Options{Frames: true})
	var out strings.Builder
	if err := res.WriteFrames(&out); err != nil {
		t.Fatal(err)
	}
	if len(res.Frames) != 2 || strings.Contains(out.String(), key) {
		t.Errorf("%d frames kept, want 2 with the key redacted:\n%s", len(res.Frames), out.String())
	}
}
