// Package probe smoke-tests a streaming endpoint, as tok probe does: it
// sends one request through a [client.Client], measures how the answer
// arrived (the phases up to the first byte, the first token, the gaps
// between tokens, the rate, every read of the body), judges it with a
// list of [Check]s (the headers, the protocol, the end, buffering by a
// proxy, a gateway's cut-off, thresholds) and writes a report for a
// terminal, JSON for a tool ([Schema]), or the raw frames.
//
// It measures through [client.Trace]: the stream is read, its dialect
// detected and its end judged by the same code as any answer tok reads,
// and the probe only watches. [Run] probes once; [Drive] puts a load on
// the endpoint (a closed loop, an open loop of arrivals under a ceiling,
// sweeps of either) and judges it against latency targets ([SLO]) into
// an [Outcome], whose JSON has one shape for one request, a step and a
// sweep; [Compare] tells the regressions between two; [Summarize] sums
// up many probes as version 1 of the JSON did.
package probe

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
)

// Options sets what [Run] checks.
type Options struct {
	// Grace is how long the probe keeps reading after the terminal event,
	// to see whether anything follows it; 0 is 500 ms.
	Grace time.Duration
	// MaxTTFT fails a time to first token over it; 0 is no limit.
	MaxTTFT time.Duration
	// MinRate fails a decode rate under it, in tokens a second; 0 is none.
	MinRate float64
	// Frames keeps every frame with its arrival time (tok probe --frames),
	// up to [MaxFrames].
	Frames bool
	// InterruptAfter, when above 0, interrupts the answer after that many
	// text tokens ([client.Stream.Interrupt]) and measures how the server
	// takes it (Result.Interrupt): over a WebSocket in the chat protocol,
	// the acknowledgement it must send within InterruptWait (0 is 500
	// ms); elsewhere the abort.
	InterruptAfter int
	InterruptWait  time.Duration

	lims limits // the defaults when zero; tests set lower ones
}

// Result is what one probe request measured, on the monotonic clock
// from the moment the request began. Durations that did not happen are 0.
type Result struct {
	URL    string
	Method string
	// Status is the HTTP status, 0 when none arrived; Proto the protocol.
	Status int
	Proto  string
	// Header holds the response headers the checks read.
	Header  http.Header
	Dialect client.Dialect
	// WebSocket: the URL is a ws:// or wss:// one, its answer messages
	// on a socket (Status is then the upgrade's 101).
	WebSocket bool

	DNS, Connect, TLS time.Duration
	Headers           time.Duration // time to the response headers
	FirstByte         time.Duration
	FirstToken        time.Duration // the first non-empty answer text
	Total             time.Duration // to the end of the body (or the failure)
	// FirstThinking is the first non-empty reasoning text, 0 when none.
	FirstThinking time.Duration

	// Tokens are the text events (chunks); OutputTokens is the usage the
	// server reported, else Tokens, as TokensFrom says ("usage", "chunks").
	Tokens       int
	OutputTokens int
	TokensFrom   string
	// Arrivals are the text events' times, for the timeline (at most
	// [MaxTokens]).
	Arrivals []time.Duration
	// Gaps are the inter-token gaps' percentiles.
	Gaps Percentiles
	// PerToken is the mean time per output token after the first; Rate is
	// its inverse, the decode rate in tokens a second. Both are 0 when
	// fewer than two tokens arrived, or when they all arrived at once
	// (their span is then the network's, not the server's).
	PerToken time.Duration
	Rate     float64

	// Bytes counts the body's bytes as read (compressed, if it was);
	// Reads are the reads (at most [MaxReads]).
	Bytes int64
	Reads []BodyRead
	// Frames are the frames and comments kept for [Options.Frames]
	// (at most [MaxFrames]); FrameCount counts every frame.
	Frames     []Frame
	FrameCount int
	Heartbeats int
	// Terminal: the stream's own terminal event arrived (not inferred
	// from the body's end). AfterTerminal counts frames after it.
	Terminal      bool
	Implicit      bool // the body ended after a finish reason, without the terminal event
	AfterTerminal int
	HeldOpen      bool // the connection stayed open past Grace after the end
	// ServerError is an error event's; Err ends the request otherwise (a
	// [*LimitError] when the stream went on past a probe's limits).
	ServerError *client.ServerError
	Err         error
	// Interrupt is what Options.InterruptAfter measured; nil without it,
	// or when the answer ended before the interrupt was sent.
	Interrupt *Interrupt

	Checks []Check

	// Schedule is how the request ran under load ([Drive]); zero for [Run].
	Schedule Schedule
}

// BodyRead is one read of a response body: when, and how many bytes.
type BodyRead struct {
	At    time.Duration
	Bytes int
}

// Percentiles summarise durations: p50, p90, p99 and the largest.
type Percentiles struct {
	P50, P90, P99, Max time.Duration
}

// percentiles of ds (nearest rank); zero for none.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Percentiles{at(0.50), at(0.90), at(0.99), s[len(s)-1]}
}

// Run sends req once through c and measures its answer, reading past the
// terminal event for opts.Grace to see what follows. It never returns an
// error: failures are in the result's Err, Status and Checks. c's
// timeouts apply; give it no [client.Config.Retries] or ResumeTries, or a
// retry would be measured as part of one answer (and nothing read after
// the end).
func Run(ctx context.Context, c *client.Client, req *http.Request, opts Options) *Result {
	if opts.Grace <= 0 {
		opts.Grace = 500 * time.Millisecond
	}
	if opts.InterruptWait <= 0 {
		opts.InterruptWait = DefaultInterruptWait
	}
	res := &Result{URL: client.RedactURL(req.URL.String()), Method: req.Method,
		WebSocket: req.URL.Scheme == "ws" || req.URL.Scheme == "wss"}
	w := newWatch(res, opts)
	s, err := c.Stream(client.WithTrace(ctx, w.trace()), req)
	if err != nil {
		w.failed(err)
	} else {
		w.consume(s)
		res.measure()
	}
	res.check(opts)
	return res
}

// event notes one event; it reports whether the event ends the stream.
func (res *Result) event(ev client.Event) bool {
	switch ev.Kind {
	case client.KindText:
		if ev.Text == "" {
			return false
		}
		res.Tokens++
		res.Arrivals = append(res.Arrivals, ev.At)
		if res.FirstToken == 0 {
			res.FirstToken = max(ev.At, 1)
		}
	case client.KindThinking:
		if ev.Text != "" && res.FirstThinking == 0 {
			res.FirstThinking = max(ev.At, 1)
		}
	case client.KindUsage:
		res.OutputTokens = ev.Usage.OutputTokens
	case client.KindDone:
		res.Terminal = true
		return true
	case client.KindError:
		res.ServerError = ev.Err
		if res.ServerError == nil {
			res.ServerError = &client.ServerError{}
		}
		res.Terminal = true
		return true
	}
	return false
}

// measure derives the rates and gaps from the arrivals.
func (res *Result) measure() {
	res.TokensFrom = "chunks"
	if res.OutputTokens > 0 {
		res.TokensFrom = "usage"
	} else {
		res.OutputTokens = res.Tokens
	}
	if len(res.Arrivals) < 2 {
		return
	}
	gaps := make([]time.Duration, 0, len(res.Arrivals)-1)
	for i := 1; i < len(res.Arrivals); i++ {
		gaps = append(gaps, res.Arrivals[i]-res.Arrivals[i-1])
	}
	res.Gaps = percentiles(gaps)
	if res.released() {
		return // the span is the network's, not the server's: no rate
	}
	span := res.span()
	// Output tokens after the first arrived over the span; usage counts
	// tokens, chunks may hold several.
	n := res.OutputTokens - max(res.OutputTokens/res.Tokens, 1)
	if n > 0 && span > 0 {
		res.PerToken = span / time.Duration(n)
		res.Rate = float64(n) / span.Seconds()
	}
}

// lower reports whether s, lower-cased, contains any of subs.
func lower(s string, subs ...string) bool {
	s = strings.ToLower(s)
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
