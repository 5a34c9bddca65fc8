package probe

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
)

// Level is a check's verdict.
type Level string

// The verdicts, from best to worst.
const (
	Pass Level = "PASS"
	Warn Level = "WARN"
	Fail Level = "FAIL"
)

// Check is one verdict on a probed stream, with one line of why.
type Check struct {
	Name   string
	Level  Level
	Detail string
}

// Failed reports whether any check failed.
func (res *Result) Failed() bool {
	for _, c := range res.Checks {
		if c.Level == Fail {
			return true
		}
	}
	return false
}

// Reached reports whether the endpoint answered with a 2xx at all (a
// WebSocket's: switched protocols, 101).
func (res *Result) Reached() bool {
	return res.Status >= 200 && res.Status <= 299 || res.WebSocket && res.Status == 101
}

func (res *Result) add(name string, l Level, format string, args ...any) {
	res.Checks = append(res.Checks, Check{name, l, fmt.Sprintf(format, args...)})
}

// check judges the result. A request that got no 2xx has only the status
// check.
func (res *Result) check(opts Options) {
	res.Checks = nil
	if !res.Reached() {
		why := "no answer"
		if res.Err != nil {
			why = res.Err.Error()
		}
		res.add("status", Fail, "%s", why)
		return
	}
	res.add("status", Pass, "%s", strings.TrimSpace(res.Proto+" "+fmt.Sprint(res.Status)))
	if res.WebSocket {
		// A socket's messages are frames of their own: no SSE headers,
		// no compression of a body, no framing to get wrong.
		res.add("transport", Pass, "WebSocket, a frame per message")
	} else {
		res.checkHeaders()
	}
	res.checkProtocol()
	if res.Interrupt != nil {
		res.checkInterrupt()
	} else {
		res.checkEnd()
	}
	res.checkBuffering()
	res.checkThresholds(opts)
}

func (res *Result) checkHeaders() {
	h := res.Header
	switch ct := h.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/event-stream"):
		res.add("content-type", Pass, "%s", ct)
	case res.Dialect == client.DialectText || res.Dialect == client.DialectVercelData:
		res.add("content-type", Warn, "%s: a plain stream, not server-sent events", orNone(ct))
	default:
		res.add("content-type", Fail, "%s: want text/event-stream, or browsers and proxies treat the body as a download", orNone(ct))
	}
	if cc := h.Get("Cache-Control"); lower(cc, "no-cache", "no-store") {
		res.add("cache-control", Pass, "%s", cc)
	} else {
		res.add("cache-control", Warn, "%s: send Cache-Control: no-cache, so no cache holds the stream", orNone(cc))
	}
	if cl := h.Get("Content-Length"); cl != "" {
		res.add("content-length", Warn, "%s bytes: a stream has no length; something sized the body in advance, so it was buffered", cl)
	} else {
		res.add("content-length", Pass, "none (chunked or close-delimited)")
	}
	if ce := h.Get("Content-Encoding"); ce != "" && ce != "identity" {
		res.add("compression", Warn, "%s: compressors hold bytes back; turn compression off for text/event-stream", ce)
	} else {
		res.add("compression", Pass, "none")
	}
}

func (res *Result) checkProtocol() {
	switch {
	case errors.Is(res.Err, client.ErrUnknownDialect):
		res.add("dialect", Fail, "%v", res.Err)
	case res.Dialect == "":
		res.add("dialect", Fail, "no frame arrived to tell")
	default:
		res.add("dialect", Pass, "%s", res.Dialect)
	}
	if errors.Is(res.Err, client.ErrMalformedFrame) {
		res.add("frames", Fail, "%v", res.Err)
	} else {
		res.add("frames", Pass, "%d frames, well formed", res.FrameCount)
	}
}

// terminalName is how a dialect ends a stream, for the messages.
var terminalName = map[client.Dialect]string{
	client.DialectTok: `"done"`, client.DialectAnthropic: "message_stop", client.DialectOpenAIChat: "[DONE]",
	client.DialectOpenAIResponses: "response.completed", client.DialectGemini: "a finishReason",
	client.DialectVercelUI: `"finish"`, client.DialectVercelData: "d:", client.DialectText: "the end of the body",
}

func (res *Result) checkEnd() {
	end := terminalName[res.Dialect]
	if end == "" {
		end = "a terminal event"
	}
	var te *client.TimeoutError
	var le *LimitError
	errors.As(res.Err, &te)
	errors.As(res.Err, &le)
	switch {
	case res.ServerError != nil:
		res.add("end", Fail, "an error event after %d tokens: %s", res.Tokens, res.ServerError)
	case res.Terminal:
		res.add("end", Pass, "%s", end)
	case res.Implicit:
		res.add("end", Fail, "the body ended after the finish without %s; clients that wait for it hang or report a cut", end)
	case te != nil && te.Idle:
		res.add("end", Fail, "no bytes for %s after %d tokens: the stream stalled (raise --idle-timeout if the model is just slow)", te.After, res.Tokens)
	case te != nil:
		res.add("end", Fail, "no %s within %s (the total timeout), after %d tokens: the stream had not ended (raise --timeout for a longer answer)", end, te.After, res.Tokens)
	case le != nil:
		res.add("end", Fail, "%s: %s had not come after %d tokens; does the stream ever end?", le, end, res.Tokens)
	case res.Err != nil:
		res.add("end", Fail, "cut off after %d tokens at %s, before %s: %s", res.Tokens, fmtDur(res.Total), end, cause(res.Err))
	}
	// A stop of the probe's own (a limit, a timeout) is no gateway's.
	if res.Err != nil && !res.Terminal && le == nil && te == nil {
		if limit, ok := gatewayLimit(res.Total); ok {
			res.add("cut-off", Fail, "the stream died at %s: %s", fmtDur(res.Total), limit)
		}
	}
	res.checkAfterEnd(end)
	res.checkHeartbeats()
}

// checkAfterEnd looks past the terminal event: frames, or a connection
// held open.
func (res *Result) checkAfterEnd(end string) {
	switch {
	case res.AfterTerminal > 0:
		res.add("after end", Warn, "%d frames after %s", res.AfterTerminal, end)
	case res.WebSocket && res.Terminal:
		res.add("after end", Pass, "nothing; the socket stays open for the next turn")
	case res.HeldOpen:
		res.add("after end", Warn, "the connection stayed open after %s; close it, or clients that read to EOF wait", end)
	case res.Terminal:
		res.add("after end", Pass, "nothing, and the connection closed")
	}
}

func (res *Result) checkHeartbeats() {
	switch {
	case res.WebSocket:
		res.add("heartbeats", Pass, "WebSocket pings keep the socket alive")
	case res.Heartbeats > 0:
		res.add("heartbeats", Pass, "%d comments", res.Heartbeats)
	case res.Gaps.Max > 15*time.Second || res.FirstToken > 15*time.Second:
		res.add("heartbeats", Warn, "none, and silences of over 15 s: proxies may close an idle stream; send a ': ping' comment every 10-15 s")
	default:
		res.add("heartbeats", Pass, "none (no silence long enough to need them)")
	}
}

// cause is the innermost words of err.
func cause(err error) string {
	var co *client.CutOffError
	if errors.As(err, &co) && co.Err != nil {
		return co.Err.Error()
	}
	if errors.As(err, &co) {
		return "the server closed the stream"
	}
	return err.Error()
}

// gatewayLimits are the timeouts that cut streams at a round time.
var gatewayLimits = []struct {
	at   time.Duration
	name string
}{
	{29 * time.Second, "AWS API Gateway's 29 s integration timeout"},
	{30 * time.Second, "a 30 s gateway or load-balancer timeout (API Gateway, Heroku's router)"},
	{60 * time.Second, "a 60 s timeout: nginx's proxy_read_timeout, or an AWS ALB's idle timeout"},
	{100 * time.Second, "Cloudflare's 100 s proxy read timeout"},
	{120 * time.Second, "a 120 s gateway timeout"},
	{300 * time.Second, "a 300 s gateway timeout"},
}

// gatewayLimit names the timeout a stream that died at d probably met:
// the nearest of those it died just before or up to a second after.
func gatewayLimit(d time.Duration) (string, bool) {
	best, found := time.Duration(math.MaxInt64), ""
	for _, g := range gatewayLimits {
		diff := d - g.at
		if diff >= -300*time.Millisecond && diff <= time.Second && diff.Abs() < best {
			best, found = diff.Abs(), g.name
		}
	}
	if found == "" {
		return "", false
	}
	return "a gateway timeout, likely " + found, true
}

func (res *Result) checkThresholds(opts Options) {
	if opts.MaxTTFT > 0 {
		switch {
		case res.FirstToken == 0:
			res.add("ttft", Fail, "no token arrived (limit %s)", fmtDur(opts.MaxTTFT))
		case res.FirstToken > opts.MaxTTFT:
			res.add("ttft", Fail, "%s, over --max-ttft %s", fmtDur(res.FirstToken), fmtDur(opts.MaxTTFT))
		default:
			res.add("ttft", Pass, "%s, within %s", fmtDur(res.FirstToken), fmtDur(opts.MaxTTFT))
		}
	}
	if opts.MinRate > 0 {
		switch why := res.noRate(); {
		case why != "":
			res.add("rate", Fail, "none to hold to --min-rate %g: %s", opts.MinRate, why)
		case res.Rate < opts.MinRate:
			res.add("rate", Fail, "%.1f tokens/s, under --min-rate %g", res.Rate, opts.MinRate)
		default:
			res.add("rate", Pass, "%.1f tokens/s, over %g", res.Rate, opts.MinRate)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// fmtDur shows a duration as people read it: 812ms, 1.42s, 29.9s.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond).Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// fmtBytes shows a size: 812 B, 4.0 KiB.
func fmtBytes(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KiB", math.Round(float64(n)/102.4)/10)
}

// median of ns, the lower of the middle two.
func median(ns []int) int {
	s := slices.Clone(ns)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
