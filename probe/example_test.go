package probe_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/probe"
	"github.com/tokcli/tok/server"
)

// A probe of a short OpenAI-style stream: a server that streams, but
// sends no Cache-Control and an answer too short to judge buffering.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush() // no Content-Length: the body is chunked
		for _, word := range []string{"Hello", ",", " world"} {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", word)
		}
		io.WriteString(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/chat/completions", nil)
	// A long grace: the probe reads on after [DONE] until the server
	// closes the body, which it does at once.
	res := probe.Run(context.Background(), client.New(client.Config{}), req, probe.Options{Grace: 10 * time.Second})
	fmt.Println(res.Dialect, res.Tokens, "tokens in", res.FrameCount, "frames")
	for _, c := range res.Checks {
		fmt.Printf("%s  %-14s %s\n", c.Level, c.Name, c.Detail)
	}
	fmt.Println("failed:", res.Failed())
	// Output:
	// openai-chat 3 tokens in 5 frames
	// PASS  status         HTTP/1.1 200
	// PASS  content-type   text/event-stream
	// WARN  cache-control  none: send Cache-Control: no-cache, so no cache holds the stream
	// PASS  content-length none (chunked or close-delimited)
	// PASS  compression    none
	// PASS  dialect        openai-chat
	// PASS  frames         5 frames, well formed
	// PASS  end            [DONE]
	// PASS  after end      nothing, and the connection closed
	// PASS  heartbeats     none (no silence long enough to need them)
	// WARN  buffering      only 3 text chunks: too few to tell whether a proxy holds the stream; ask for a longer answer
	// failed: false
}

// The frames --frames prints: each with its arrival time, the data
// Go-quoted, so a control character a server sent shows as an escape.
func ExampleResult_WriteFrames() {
	res := &probe.Result{Frames: []probe.Frame{
		{At: 302114 * time.Microsecond, Event: "delta", ID: "7", Data: `{"text":"Hi"}`},
		{At: 310020 * time.Microsecond, Comment: true},
		{At: 1200 * time.Millisecond, Data: "\x1b]0;title\x07"},
	}}
	res.WriteFrames(os.Stdout)
	// Output:
	//   +302.114ms  event=delta id=7  data="{\"text\":\"Hi\"}"
	//   +310.020ms  : (comment)
	//  +1200.000ms  data="\x1b]0;title\a"
}

// A sweep of two levels of concurrency against tok serve, with a target
// every request meets: each step's figures, and the capacity line.
func ExampleDrive() {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	ep := client.Endpoint{URL: srv.URL + "/api/chat/stream", Header: http.Header{"X-Tok-Scenario": {"tokens=20,interval=1,first=1"}}}
	newRequest := func(ctx context.Context) (*http.Request, error) {
		return ep.Request(ctx, []client.Message{{Role: "user", Content: "hi"}})
	}
	shape := probe.Shape{Concurrency: []int{1, 2}, Requests: 4, SLO: &probe.SLO{E2E: time.Minute}}
	c := client.New(client.Config{Transport: &http.Transport{MaxIdleConnsPerHost: 2}})
	out := probe.Drive(context.Background(), c, newRequest, shape, probe.Options{})
	for _, st := range out.Steps {
		fmt.Printf("%s: %d requests, %d errors, %d good, %d tokens each\n", st.Load, st.Requests, st.Errors, st.Good, int(st.Tokens.P50))
	}
	fmt.Println(out.Capacity.Line)
	// Output:
	// 1 concurrent stream: 4 requests, 0 errors, 4 good, 20 tokens each
	// 2 concurrent streams: 4 requests, 0 errors, 4 good, 20 tokens each
	// capacity: 2 concurrent streams meet e2e ≤ 60.0s for 90% of requests, the most tried: the limit is higher
}
