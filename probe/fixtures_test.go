package probe

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// The report tests build results by hand with fixed timings, feed the
// events through the probe's own event, measure and check, so the
// figures and verdicts are the real ones and only the clock is fake.

const msec = time.Millisecond

// errConnectionClosed is the cause a stream gives a connection closed
// mid-response.
var errConnectionClosed = errors.New("the connection closed mid-response")

// reached is a 2xx answer from tok serve's endpoint before any body.
func reached(header http.Header) *Result {
	return &Result{
		URL: "http://127.0.0.1:8080/api/chat/stream", Method: "POST",
		Status: 200, Proto: "HTTP/1.1", Header: header, Dialect: client.DialectTok,
		DNS: 400 * time.Microsecond, Connect: 200 * time.Microsecond,
		Headers: 1100 * time.Microsecond, FirstByte: 1300 * time.Microsecond,
	}
}

func sseHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// arrive feeds one text event of n body bytes at at.
func arrive(res *Result, at time.Duration, n int) {
	res.event(client.Event{Kind: client.KindText, Text: "tok", At: at})
	res.Reads = append(res.Reads, BodyRead{At: at, Bytes: n})
	res.Bytes += int64(n)
	res.FrameCount++
}

// finish ends the stream at end, with usage, and judges it.
func finish(res *Result, end time.Duration, usage int) *Result {
	if usage > 0 {
		res.event(client.Event{Kind: client.KindUsage, Usage: client.Usage{OutputTokens: usage}})
	}
	if res.Err == nil {
		res.event(client.Event{Kind: client.KindDone})
		res.FrameCount += 2
	}
	res.Total = end
	res.measure()
	res.check(Options{})
	return res
}

// healthyProbe is a steady stream: 42 tokens about 25 ms apart after a
// 302 ms wait for the first.
func healthyProbe() *Result {
	res := reached(sseHeader("Content-Type", "text/event-stream", "Cache-Control", "no-cache", "X-Accel-Buffering", "no"))
	at := 302 * msec
	for i := range 42 {
		arrive(res, at, 58)
		at += 25*msec + time.Duration(i*7%5-2)*msec // a little jitter
	}
	return finish(res, at, 42)
}

// bufferedProbe is a stream behind a proxy that releases 4 KiB at a time:
// 410 tokens made every 2 ms arrive as four lumps of 100 and the rest.
func bufferedProbe() *Result {
	res := reached(sseHeader("Content-Type", "text/event-stream; charset=utf-8"))
	for lump := range 4 {
		at := 20*msec + time.Duration(lump+1)*200*msec
		res.Reads = append(res.Reads, BodyRead{At: at, Bytes: 4096})
		for i := range 100 {
			res.event(client.Event{Kind: client.KindText, Text: "tok", At: at + time.Duration(i)*5*time.Microsecond})
			res.FrameCount++
		}
	}
	for i := range 10 {
		arrive(res, 842*msec+time.Duration(i)*5*time.Microsecond, 41)
	}
	res.Bytes += 4 * 4096
	return finish(res, 843*msec, 0)
}

// cutOffProbe is a steady stream that a gateway cut at 29.9 s.
func cutOffProbe() *Result {
	res := reached(sseHeader("Content-Type", "text/event-stream", "Cache-Control", "no-cache"))
	res.Dialect = client.DialectOpenAIChat
	at := 480 * msec
	for ; at < 29900*msec; at += 100 * msec {
		arrive(res, at, 120)
	}
	res.Err = &client.CutOffError{Tokens: res.Tokens, Err: errConnectionClosed}
	return finish(res, 29900*msec, 0)
}

// rateLimitedProbe got a 429 and no stream.
func rateLimitedProbe() *Result {
	res := &Result{
		URL: "https://api.example.com/v1/chat/completions", Method: "POST", Status: 429,
		DNS: 2 * msec, Connect: 11 * msec, TLS: 24 * msec, Total: 96 * msec,
		Err: &client.HTTPError{StatusCode: 429, Status: "429 Too Many Requests", Message: "Rate limit reached for requests per min",
			RetryAfter: 20 * time.Second},
	}
	res.check(Options{})
	return res
}

var probeCases = []struct {
	name  string
	probe func() *Result
}{
	{"healthy", healthyProbe},
	{"buffered", bufferedProbe},
	{"cut-off", cutOffProbe},
	{"rate-limited", rateLimitedProbe},
}

func summaryOf3() *Summary {
	return Summarize([]*Result{healthyProbe(), bufferedProbe(), rateLimitedProbe()}, 2500*msec)
}

// reporter is a result or a summary.
type reporter interface {
	Report(w io.Writer, color bool) error
}

func report(t *testing.T, r reporter, color bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Report(&b, color); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
