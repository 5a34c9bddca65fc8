package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// stream builds a judged result: headers at headers, then tokens at the
// times given, read in reads of the tokens' groups (each group one read
// of 40 bytes a token), ending at the last with usage.
func stream(headers time.Duration, groups ...[]time.Duration) *Result {
	res := reached(sseHeader("Content-Type", "text/event-stream", "Cache-Control", "no-cache"))
	res.Headers, res.FirstByte = headers, headers
	var end time.Duration
	for _, g := range groups {
		res.Reads = append(res.Reads, BodyRead{At: g[0], Bytes: 40 * len(g)})
		for _, at := range g {
			res.event(client.Event{Kind: client.KindText, Text: "tok", At: at})
			res.FrameCount++
			end = at
		}
	}
	return finish(res, end+time.Millisecond, res.Tokens)
}

// together is n arrival times from at, each step apart.
func together(n int, at, step time.Duration) []time.Duration {
	ts := make([]time.Duration, n)
	for i := range ts {
		ts[i] = at + time.Duration(i)*step
	}
	return ts
}

// inReads splits arrivals into reads of per tokens.
func inReads(ts []time.Duration, per int) [][]time.Duration {
	var out [][]time.Duration
	for len(ts) > per {
		out = append(out, ts[:per])
		ts = ts[per:]
	}
	return append(out, ts)
}

func TestProbeBufferingVerdicts(t *testing.T) {
	t.Parallel()
	const us = time.Microsecond
	hiccup := together(30, 1200*msec, 3*us)
	for i := 15; i < 30; i++ {
		hiccup[i] += 12 * msec // the reader was descheduled mid-lump
	}
	tests := []struct {
		name string
		res  *Result
		want string // the buffering check, "LEVEL detail" up to its end or a prefix
		rate bool   // a rate was measured
	}{
		{"a proxy holds the whole response (nginx, HTTP/1.0 upstream)", stream(1580*msec, together(30, 1580*msec, 2*us)),
			"FAIL the headers and all 30 tokens arrived at once, 1.58s after the request: a proxy held the response; send X-Accel-Buffering: no, set proxy_buffering off (nginx) and proxy_http_version 1.1, and flush after each event", false},
		{"a short answer, the same", stream(406*msec, together(10, 406*msec, 7*us)),
			"FAIL the headers and all 10 tokens arrived at once, 406ms", false},
		{"a proxy holds the body", stream(msec, together(30, 1200*msec, 3*us)),
			"FAIL all 30 tokens arrived at once, 1.20s after the headers: a proxy held them (or the server)", false},
		{"a lump read with a hiccup is still one", stream(msec, hiccup),
			"FAIL all 30 tokens arrived at once, 1.20s after the headers", false},
		{"a quick server that writes at once", stream(msec, together(20, 3*msec, 2*us)),
			"WARN all 20 tokens arrived at once (within 0.04ms), 3ms after the request: too soon to tell", false},
		{"no text", stream(msec), "WARN no text arrived, so there is nothing to judge", false},
		{"one token", stream(msec, together(1, 900*msec, 0)), "WARN only 1 text chunk: too few to tell", false},
		{"four tokens at once", stream(900*msec, together(4, 900*msec, us)), "WARN only 4 text chunks: too few to tell", false},
		{"a steady stream", healthyProbe(), "PASS 42 tokens, no lumps", true},
		{"a fast stream read four tokens at a time (-race)", stream(msec, inReads(together(40, 20*msec, 5*msec), 4)...),
			"PASS 40 tokens, no lumps", true},
		{"a long wait, then a stream read in batches", stream(msec, inReads(together(40, 10*time.Second, 12*msec), 4)...),
			"PASS 40 tokens, no lumps", true},
		{"a fast model, 1000 tokens a second", stream(msec, together(20, 300*msec, msec)),
			"PASS 20 tokens, no lumps", true},
		{"lumps of 4 KiB", bufferedProbe(), "FAIL tokens arrive in 4 lumps of ~4.0 KiB (100 tokens each)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkOf(tt.res, "buffering")
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("buffering = %q\nwant %q", got, tt.want)
			}
			if (tt.res.Rate > 0) != tt.rate || (tt.res.PerToken > 0) != tt.rate {
				t.Errorf("rate %.1f, per token %s; want a rate: %v", tt.res.Rate, tt.res.PerToken, tt.rate)
			}
			if strings.HasPrefix(tt.want, "FAIL") != tt.res.Failed() {
				t.Errorf("failed = %v: %+v", tt.res.Failed(), tt.res.Checks)
			}
		})
	}
}

// runsOf lists the runs of a result, for debugging the lump check.
func runsOf(res *Result) []string {
	var out []string
	for _, r := range res.runs() {
		out = append(out, fmt.Sprintf("%d tokens %s..%s after %s, %d B", r.tokens, r.start, r.end, r.gapBefore, r.bytes))
	}
	return append(out, fmt.Sprint("lump gap ", res.lumpGap(), " p50 ", res.Gaps.P50))
}

// checkOf is the check called name, as "LEVEL detail".
func checkOf(res *Result, name string) string {
	for _, c := range res.Checks {
		if c.Name == name {
			return string(c.Level) + " " + c.Detail
		}
	}
	return "(no " + name + " check)"
}

func TestProbeReportSaysWhyThereIsNoRate(t *testing.T) {
	t.Parallel()
	held := stream(1580*msec, together(30, 1580*msec, 2*time.Microsecond))
	if out := report(t, held, false); !strings.Contains(out, "per token —  rate n/a, every token arrived at once") {
		t.Errorf("report of a held stream:\n%s", out)
	}
	held.check(Options{MinRate: 20})
	if got := checkOf(held, "rate"); got != "FAIL none to hold to --min-rate 20: every token arrived at once" {
		t.Errorf("rate check = %q", got)
	}
	one := stream(msec, together(1, 300*msec, 0))
	one.check(Options{MinRate: 20})
	if got := checkOf(one, "rate"); got != "FAIL none to hold to --min-rate 20: 1 token arrived" {
		t.Errorf("rate check of one token = %q", got)
	}
	if s := Summarize([]*Result{held, healthyProbe()}, time.Second); s.Rate.N != 1 || s.Rate.Max > 100 {
		t.Errorf("a summary's rates = %+v, want only the steady stream's", s.Rate)
	}
}

// heldServer answers a tok-protocol stream of n tokens whose frames all go
// out in one write after wait, as a buffering proxy releases a short
// answer; with early, the headers go out first, as when only the body is
// held.
func heldServer(t *testing.T, n int, wait time.Duration, early bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		if early {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
		}
		select {
		case <-time.After(wait): // the proxy holds what the server made
		case <-r.Context().Done():
			return
		}
		var b strings.Builder
		b.WriteString("data: {\"type\":\"start\",\"messageId\":\"m\"}\n\n")
		for i := range n {
			fmt.Fprintf(&b, "data: {\"type\":\"token\",\"content\":\"%d \"}\n\n", i)
		}
		fmt.Fprintf(&b, "data: {\"type\":\"done\",\"usage\":{\"outputTokens\":%d}}\n\ndata: [DONE]\n\n", n)
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProbeFailsAStreamDeliveredAllAtOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		n     int
		wait  time.Duration
		early bool
		want  string
		has   string
	}{
		{"headers held too", 30, 300 * time.Millisecond, false, "FAIL the headers and all 30 tokens arrived at once, 3", "a proxy held the response"},
		{"body held", 10, 300 * time.Millisecond, true, "FAIL all 10 tokens arrived at once, 3", "after the headers"},
		{"two tokens", 2, 300 * time.Millisecond, false, "WARN only 2 text chunks", "too few"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := heldServer(t, tt.n, tt.wait, tt.early)
			req, err := client.NewChatRequest(context.Background(), srv.URL, client.ChatRequest{Messages: []client.Message{{Role: "user", Content: "hi"}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := Run(context.Background(), client.New(client.Config{}), req, Options{})
			if got := checkOf(res, "buffering"); !strings.HasPrefix(got, tt.want) || !strings.Contains(got, tt.has) {
				t.Errorf("buffering = %q, want %q … %q\nruns %v", got, tt.want, tt.has, runsOf(res))
			}
			if res.Rate != 0 || res.Failed() != strings.HasPrefix(tt.want, "FAIL") {
				t.Errorf("rate %.1f (want none), failed %v: %+v", res.Rate, res.Failed(), res.Checks)
			}
		})
	}
}
