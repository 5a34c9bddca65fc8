package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// ProbeOptions sets what [Client.Probe] checks.
type ProbeOptions struct {
	// Grace is how long the probe keeps reading after the terminal event,
	// to see whether anything follows it; 0 is 500 ms.
	Grace time.Duration
	// MaxTTFT fails a time to first token over it; 0 is no limit.
	MaxTTFT time.Duration
	// MinRate fails a decode rate under it, in tokens a second; 0 is none.
	MinRate float64
	// Frames keeps every frame with its arrival time (tok probe --frames),
	// up to [ProbeMaxFrames].
	Frames bool

	limits probeLimits // the defaults when zero; tests set lower ones
}

// ProbeResult is what one probe request measured, on the monotonic clock
// from the moment the request began. Durations that did not happen are 0.
type ProbeResult struct {
	URL    string
	Method string
	// Status is the HTTP status, 0 when none arrived; Proto the protocol.
	Status int
	Proto  string
	// Header holds the response headers the checks read.
	Header  http.Header
	Dialect Dialect

	DNS, Connect, TLS time.Duration
	Headers           time.Duration // time to the response headers
	FirstByte         time.Duration
	FirstToken        time.Duration // the first non-empty answer text
	Total             time.Duration // to the end of the body (or the failure)

	// Tokens are the text events (chunks); OutputTokens is the usage the
	// server reported, else Tokens, as TokensFrom says ("usage", "chunks").
	Tokens       int
	OutputTokens int
	TokensFrom   string
	// Arrivals are the text events' times, for the timeline (at most
	// [ProbeMaxTokens]).
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
	// Reads are the reads (at most [ProbeMaxReads]).
	Bytes int64
	Reads []Read
	// Frames are the frames and comments kept for [ProbeOptions.Frames]
	// (at most [ProbeMaxFrames]); FrameCount counts every frame.
	Frames     []ProbeFrame
	FrameCount int
	Heartbeats int
	// Terminal: the stream's own terminal event arrived (not inferred
	// from the body's end). AfterTerminal counts frames after it.
	Terminal      bool
	Implicit      bool // the body ended after a finish reason, without the terminal event
	AfterTerminal int
	HeldOpen      bool // the connection stayed open past Grace after the end
	// ServerError is an error event's; Err ends the request otherwise (a
	// [*ProbeLimitError] when the stream went on past a probe's limits).
	ServerError *ServerError
	Err         error

	Checks []Check
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

// Probe sends req once and measures its answer, reading past the terminal
// event for opts.Grace to see what follows. It never returns an error:
// failures are in the result's Err, Status and Checks.
func (c *Client) Probe(ctx context.Context, req *http.Request, opts ProbeOptions) *ProbeResult {
	if opts.Grace <= 0 {
		opts.Grace = 500 * time.Millisecond
	}
	res := &ProbeResult{URL: RedactURL(req.URL.String()), Method: req.Method}
	rec := newRecorder()
	lim := newProbeLimit(res, rec, opts.limits)
	rec.onRead = lim.read
	a, err := c.attempt(ctx, req, rec)
	c.probeTimings(res, rec)
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) {
			res.Status = he.StatusCode
		}
		res.Err = err
		res.Total = rec.since()
		res.check(opts)
		return res
	}
	defer a.close()
	lim.stop = a.close
	res.Status, res.Proto, res.Header = a.resp.StatusCode, a.resp.Proto, a.resp.Header.Clone()
	if a.resp.Uncompressed {
		res.Header.Set("Content-Encoding", "gzip") // the transport undid it
	}
	res.read(a, rec, lim, opts)
	c.probeTimings(res, rec)
	res.measure()
	res.check(opts)
	return res
}

func (c *Client) probeTimings(res *ProbeResult, rec *recorder) {
	t := rec.get()
	res.DNS, res.Connect, res.TLS, res.Headers, res.FirstByte = t.DNS, t.Connect, t.TLS, t.Headers, t.FirstByte
}

// read consumes the body: events until the terminal one, then frames
// until the body ends or opts.Grace passes; or until a limit stops it.
func (res *ProbeResult) read(a *attempt, rec *recorder, lim *probeLimit, opts ProbeOptions) {
	ended := false
	p := a.prod
	p.tap = func(f Frame) {
		res.FrameCount++
		if ended && f.Data != "[DONE]" { // the sentinel some dialects send after their end
			res.AfterTerminal++
		}
		if opts.Frames {
			res.keepFrame(ProbeFrame{At: rec.since(), Event: f.Event, Data: p.secrets.scrub(f.Data), ID: f.ID})
		}
	}
	p.comment = func([]byte) {
		res.Heartbeats++
		if opts.Frames {
			res.keepFrame(ProbeFrame{At: rec.since(), Comment: true})
		}
	}
	var grace *time.Timer
	var held atomic.Bool
	defer func() {
		if grace != nil {
			grace.Stop()
		}
		res.HeldOpen = held.Load()
	}()
	var buf []Event
	for {
		evs, err := p.next(buf[:0])
		now := rec.since()
		if !ended {
			for _, ev := range evs {
				ev.At = now
				if res.event(ev) {
					ended, res.Total = true, now
					grace = time.AfterFunc(opts.Grace, func() { held.Store(true); a.close() })
					break
				}
				if lim.token(); lim.hit != nil {
					break
				}
			}
		}
		res.Dialect = p.dialect()
		if lim.hit != nil && !ended {
			res.Err, res.Total = lim.hit, now
			return
		}
		if err == nil {
			continue
		}
		if ended {
			return
		}
		res.Total = now
		if errors.Is(err, io.EOF) {
			for _, ev := range p.end() {
				ev.At = now
				if res.event(ev) {
					res.Implicit = ev.Kind == KindDone && res.Dialect != DialectText
					res.Terminal = !res.Implicit
					return
				}
			}
			res.Err = &CutOffError{Tokens: res.Tokens}
			return
		}
		if err = a.fail(err); errors.Is(err, io.ErrUnexpectedEOF) {
			err = errConnectionClosed
		}
		if isCutOff(err) {
			err = &CutOffError{Tokens: res.Tokens, Err: err}
		}
		res.Err = err
		return
	}
}

// event notes one event; it reports whether the event ends the stream.
func (res *ProbeResult) event(ev Event) bool {
	switch ev.Kind {
	case KindText:
		if ev.Text == "" {
			return false
		}
		res.Tokens++
		res.Arrivals = append(res.Arrivals, ev.At)
		if res.FirstToken == 0 {
			res.FirstToken = max(ev.At, 1)
		}
	case KindUsage:
		res.OutputTokens = ev.Usage.OutputTokens
	case KindDone:
		res.Terminal = true
		return true
	case KindError:
		res.ServerError = ev.Err
		if res.ServerError == nil {
			res.ServerError = &ServerError{}
		}
		res.Terminal = true
		return true
	}
	return false
}

// measure derives the rates and gaps from the arrivals.
func (res *ProbeResult) measure() {
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
