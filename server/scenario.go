package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scenario is what a request asks of the scripted model: its size and
// pace, and the faults to inject. Requests set it in the X-Tok-Scenario
// header or the scenario query parameter, as "k=v,k=v,flag".
type Scenario struct {
	Tokens     int           // text tokens in the answer; 0 is the whole demo answer
	Interval   time.Duration // between tokens
	First      time.Duration // before the first token
	Tool       bool          // a tool call before the answer
	Thinking   bool          // reasoning before the answer
	DropAfter  int           // close the TCP connection after N tokens (-1: never)
	ErrorAfter int           // the dialect's error event after N tokens (-1: never)
	StallAfter int           // send nothing more after N tokens (-1: never)
	Status     int           // answer this HTTP status with the dialect's error
	RetryAfter int           // seconds, for status 429, 503 and 529
	Heartbeat  time.Duration // ": ping" comments this often (0: none)
	SSERetry   time.Duration // an SSE retry field first, the client's reconnection time (-1: none)
	CRLF       bool          // CRLF line endings
	Gzip       bool          // gzip the body, flushed per frame
	Buffer     int           // hold output and release it in lumps of this many bytes
	Once       bool          // the faults strike a fresh request only, not a resume
	NoIndex    bool          // tok's token frames carry an SSE id but no index
	Forget     bool          // keep no session: a resume is answered 404
	NoAck      bool          // WebSocket: ignore the client's interrupt, keep streaming
	Late       int           // WebSocket: tokens still sent after acknowledging an interrupt
	MaxConn    time.Duration // WebSocket: close the connection this long after it opened (0: never)

	raw string
}

// String returns the scenario as the request gave it.
func (s Scenario) String() string { return s.raw }

// knobs documents every knob, for errors and tok serve --help.
var knobs = []struct{ name, help string }{
	{"tokens=N", "text tokens in the answer (default: the whole demo answer; at most 100000)"},
	{"interval=MS", "milliseconds between tokens (default 25)"},
	{"first=MS", "milliseconds before the first token (default 300)"},
	{"tool", "a tool call before the answer, in the dialect's own shape"},
	{"thinking", "reasoning before the answer"},
	{"drop-after=N", "close the TCP connection after N tokens, mid-stream"},
	{"error-after=N", "send the dialect's error event after N tokens"},
	{"stall-after=N", "send nothing more after N tokens (heartbeats go on)"},
	{"status=CODE", "answer CODE with the dialect's JSON error"},
	{"retry-after=S", "the Retry-After of status 429, 503 and 529 (default 1)"},
	{"heartbeat=MS", "a ': ping' comment every MS milliseconds"},
	{"sse-retry=MS", "an SSE retry field first: the client's reconnection time"},
	{"crlf", "CRLF line endings"},
	{"gzip", "gzip the body, flushed frame by frame"},
	{"buffer=BYTES", "hold output and release it in lumps, as a buffering proxy does (at most 1048576)"},
	{"once", "the faults strike a fresh request only, not a resume (resumeFrom, Last-Event-ID)"},
	{"no-index", "tok's token frames carry an SSE id line but no index (resume by Last-Event-ID)"},
	{"forget", "keep no session, so a resume is answered 404, as after an expiry"},
	{"no-ack", "WebSocket: ignore the client's interrupt and stream the answer to its end"},
	{"late=N", "WebSocket: send N more tokens after acknowledging an interrupt"},
	{"max-conn=MS", "WebSocket: close the connection MS milliseconds after it opened, once no answer is streaming"},
}

// KnobHelp returns one line per knob, for tok serve --help.
func KnobHelp() string {
	var b strings.Builder
	for _, k := range knobs {
		fmt.Fprintf(&b, "  %-15s %s\n", k.name, k.help)
	}
	return b.String()
}

// defaultScenario is the pace of the demo model and no faults.
func defaultScenario() Scenario {
	return Scenario{Interval: 25 * time.Millisecond, First: 300 * time.Millisecond,
		DropAfter: -1, ErrorAfter: -1, StallAfter: -1, RetryAfter: 1, SSERetry: -1}
}

// Bounds of what a scenario may ask, so that a request cannot make the
// server hold much memory: the scenario's own length, the answer's tokens
// (the plan holds them all), and the bytes buffer holds back.
const (
	maxScenario = 1024
	maxTokens   = 100000
	maxBuffer   = 1 << 20
)

// overLimitError is a scenario past one of the bounds.
type overLimitError string

func (e overLimitError) Error() string { return string(e) }

// scenarioOf reads the request's scenario from the first of headers that
// is set (X-Tok-Scenario when none are named), else the query.
func scenarioOf(r *http.Request, headers ...string) (Scenario, error) {
	if len(headers) == 0 {
		headers = []string{"X-Tok-Scenario"}
	}
	var raw string
	for _, h := range headers {
		if raw = r.Header.Get(h); raw != "" {
			break
		}
	}
	if raw == "" {
		raw = r.URL.Query().Get("scenario")
	}
	if len(raw) > maxScenario {
		return defaultScenario(), overLimitError(fmt.Sprintf("the scenario is %d bytes long; at most %d", len(raw), maxScenario))
	}
	return ParseScenario(raw)
}

// ParseScenario parses "k=v,k=v,flag". Unknown knobs and bad values are
// errors that name them.
func ParseScenario(raw string) (Scenario, error) {
	s := defaultScenario()
	s.raw = raw
	var unknown []string
	for _, item := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '+' }) {
		k, v, _ := strings.Cut(strings.TrimSpace(item), "=")
		ok, err := s.set(k, v)
		if err != nil {
			return s, err
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		names := make([]string, len(knobs))
		for i, k := range knobs {
			names[i], _, _ = strings.Cut(k.name, "=")
		}
		return s, fmt.Errorf("unknown scenario knob %s; knobs are %s", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	return s, nil
}

// set applies one knob; ok is false for an unknown one.
func (s *Scenario) set(k, v string) (ok bool, err error) {
	ints := map[string]*int{"tokens": &s.Tokens, "drop-after": &s.DropAfter, "error-after": &s.ErrorAfter,
		"stall-after": &s.StallAfter, "status": &s.Status, "retry-after": &s.RetryAfter, "buffer": &s.Buffer, "late": &s.Late}
	durations := map[string]*time.Duration{"interval": &s.Interval, "first": &s.First, "heartbeat": &s.Heartbeat,
		"sse-retry": &s.SSERetry, "max-conn": &s.MaxConn}
	flags := map[string]*bool{"tool": &s.Tool, "thinking": &s.Thinking, "crlf": &s.CRLF, "gzip": &s.Gzip,
		"once": &s.Once, "no-index": &s.NoIndex, "forget": &s.Forget, "no-ack": &s.NoAck}
	switch {
	case ints[k] != nil || durations[k] != nil:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return true, fmt.Errorf("scenario knob %s wants a whole number, not %q", k, v)
		}
		if p := ints[k]; p != nil {
			*p = n
		} else {
			*durations[k] = time.Duration(n) * time.Millisecond
		}
	case flags[k] != nil:
		if v != "" && v != "1" && v != "true" {
			return true, fmt.Errorf("scenario knob %s is a flag: write it alone", k)
		}
		*flags[k] = true
	default:
		return false, nil
	}
	switch {
	case k == "status" && (s.Status < 100 || s.Status > 599):
		return true, fmt.Errorf("scenario knob status wants an HTTP status, not %d", s.Status)
	case (k == "tokens" || k == "late") && *ints[k] > maxTokens:
		return true, overLimitError(fmt.Sprintf("scenario knob %s is at most %d, not %d", k, maxTokens, *ints[k]))
	case k == "buffer" && s.Buffer > maxBuffer:
		return true, overLimitError(fmt.Sprintf("scenario knob buffer is at most %d bytes, not %d", maxBuffer, s.Buffer))
	}
	return true, nil
}

// calm is the scenario without its faults, for a resume under once.
func (s Scenario) calm() Scenario {
	s.DropAfter, s.ErrorAfter, s.StallAfter, s.Status = -1, -1, -1, 0
	return s
}

// retryable reports whether the status carries Retry-After.
func (s Scenario) retryable() bool { return slices.Contains([]int{429, 503, 529}, s.Status) }
