package probe

import (
	_ "embed" // for Schema
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/tokcli/tok/render"
)

// Schema is the JSON Schema (draft 2020-12) of what
// [Result.MarshalJSON] and [Summary.MarshalJSON] write: the
// contract `tok probe --json` keeps with the tools that read it.
//
//go:embed schema.json
var Schema []byte

// millis is a duration written to JSON as float milliseconds, to the
// microsecond.
type millis time.Duration

func (d millis) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, math.Round(float64(d)/1e3)/1e3, 'f', -1, 64), nil
}

// round2 rounds a rate to two decimals, so the JSON shows no float noise.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// probeJSON is a [Result] as schema.json's "result" describes
// it. The field order is the JSON's; keep it stable.
type probeJSON struct {
	URL           string           `json:"url"`
	Method        string           `json:"method"`
	Status        int              `json:"status"`
	Proto         string           `json:"proto"`
	WebSocket     bool             `json:"websocket"`
	Dialect       string           `json:"dialect"`
	Headers       headersJSON      `json:"headers"`
	DNS           millis           `json:"dns_ms"`
	Connect       millis           `json:"connect_ms"`
	TLS           millis           `json:"tls_ms"`
	HeadersAt     millis           `json:"headers_ms"`
	FirstByte     millis           `json:"first_byte_ms"`
	FirstToken    millis           `json:"first_token_ms"`
	Total         millis           `json:"total_ms"`
	Tokens        int              `json:"tokens"`
	OutputTokens  int              `json:"output_tokens"`
	TokensFrom    string           `json:"tokens_from"`
	Gaps          gapsJSON         `json:"gaps_ms"`
	PerToken      millis           `json:"per_token_ms"`
	Rate          float64          `json:"rate"`
	Bytes         int64            `json:"bytes"`
	Frames        int              `json:"frames"`
	Heartbeats    int              `json:"heartbeats"`
	Terminal      bool             `json:"terminal"`
	Implicit      bool             `json:"implicit"`
	AfterTerminal int              `json:"after_terminal"`
	HeldOpen      bool             `json:"held_open"`
	ServerError   *serverErrorJSON `json:"server_error"`
	Error         *string          `json:"error"`
	Interrupt     *interruptJSON   `json:"interrupt"`
	Passed        bool             `json:"passed"`
	Checks        []checkJSON      `json:"checks"`
	Arrivals      []millis         `json:"arrivals_ms"`
	// Since version 2.
	FirstThinking millis `json:"first_thinking_ms"`
	SecondToken   millis `json:"second_token_ms"`
	ErrorKind     string `json:"error_kind"`
	Step          int    `json:"step"`
	Due           millis `json:"due_ms"`
	Delay         millis `json:"delay_ms"`
	Lag           millis `json:"lag_ms"`
	Cancelled     bool   `json:"cancelled"`
	Good          *bool  `json:"good"`
}

// headersJSON holds the response headers the checks read, "" when absent.
type headersJSON struct {
	ContentType     string `json:"content_type"`
	CacheControl    string `json:"cache_control"`
	ContentLength   string `json:"content_length"`
	ContentEncoding string `json:"content_encoding"`
	XAccelBuffering string `json:"x_accel_buffering"`
}

type gapsJSON struct {
	P50 millis `json:"p50"`
	P90 millis `json:"p90"`
	P99 millis `json:"p99"`
	Max millis `json:"max"`
}

type interruptJSON struct {
	After       int    `json:"after_tokens"`
	Wait        millis `json:"wait_ms"`
	How         string `json:"how"`
	Ack         millis `json:"ack_ms"`
	LastToken   millis `json:"last_token_ms"`
	TokensAfter int    `json:"tokens_after"`
}

type serverErrorJSON struct {
	Message string `json:"message"`
	Type    string `json:"type"`
}

type checkJSON struct {
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Detail string `json:"detail"`
}

// MarshalJSON writes every figure and check of the result, as
// schema.json ([Schema]) documents: snake_case keys, durations
// as float milliseconds in keys ending in "_ms" (0 for a phase that did
// not happen), "error" null unless the request failed, "passed" true
// when no check failed, and the controls a terminal could act on escaped
// ([render.SafeJSON]).
func (res *Result) MarshalJSON() ([]byte, error) {
	out := res.figuresJSON()
	if res.ServerError != nil {
		out.ServerError = &serverErrorJSON{res.ServerError.Message, res.ServerError.Type}
	}
	if res.Err != nil {
		msg := res.Err.Error()
		out.Error = &msg
	}
	if in := res.Interrupt; in != nil {
		out.Interrupt = &interruptJSON{After: in.After, Wait: millis(in.Wait), How: in.How.String(), Ack: millis(in.Ack),
			LastToken: millis(in.LastToken), TokensAfter: in.TokensAfter}
	}
	for _, c := range res.Checks {
		out.Checks = append(out.Checks, checkJSON(c))
	}
	for _, at := range res.Arrivals {
		out.Arrivals = append(out.Arrivals, millis(at))
	}
	return safeJSON(json.Marshal(out))
}

// safeJSON escapes what a terminal could take for a control in the JSON
// text b (encoding/json passes C1 and bidirectional controls raw).
func safeJSON(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return render.SafeJSON(b), nil
}

// figuresJSON copies the figures; the lists are empty, never null.
func (res *Result) figuresJSON() probeJSON {
	h := res.Header.Get
	return probeJSON{
		URL:       res.URL,
		Method:    res.Method,
		Status:    res.Status,
		Proto:     res.Proto,
		WebSocket: res.WebSocket,
		Dialect:   string(res.Dialect),
		Headers: headersJSON{
			ContentType:     h("Content-Type"),
			CacheControl:    h("Cache-Control"),
			ContentLength:   h("Content-Length"),
			ContentEncoding: h("Content-Encoding"),
			XAccelBuffering: h("X-Accel-Buffering"),
		},
		DNS:           millis(res.DNS),
		Connect:       millis(res.Connect),
		TLS:           millis(res.TLS),
		HeadersAt:     millis(res.Headers),
		FirstByte:     millis(res.FirstByte),
		FirstToken:    millis(res.FirstToken),
		Total:         millis(res.Total),
		Tokens:        res.Tokens,
		OutputTokens:  res.OutputTokens,
		TokensFrom:    res.TokensFrom,
		Gaps:          gapsJSON{millis(res.Gaps.P50), millis(res.Gaps.P90), millis(res.Gaps.P99), millis(res.Gaps.Max)},
		PerToken:      millis(res.PerToken),
		Rate:          round2(res.Rate),
		Bytes:         res.Bytes,
		Frames:        res.FrameCount,
		Heartbeats:    res.Heartbeats,
		Terminal:      res.Terminal,
		Implicit:      res.Implicit,
		AfterTerminal: res.AfterTerminal,
		HeldOpen:      res.HeldOpen,
		Passed:        !res.Failed(),
		Checks:        make([]checkJSON, 0, len(res.Checks)),
		Arrivals:      make([]millis, 0, len(res.Arrivals)),
		FirstThinking: millis(res.FirstThinking),
		SecondToken:   millis(res.secondToken()),
		ErrorKind:     res.ErrorKind(),
		Step:          res.Schedule.Step,
		Due:           millis(res.Schedule.Due),
		Delay:         millis(res.Schedule.Delay),
		Lag:           millis(res.Schedule.Lag),
		Cancelled:     res.Schedule.Cancelled,
		Good:          res.good(),
	}
}

// secondToken is when the second text event arrived, 0 before two.
func (res *Result) secondToken() time.Duration {
	if len(res.Arrivals) < 2 {
		return 0
	}
	return res.Arrivals[1]
}

// good is the SLO's verdict on the request, nil when none judged it.
func (res *Result) good() *bool {
	if !res.Schedule.Judged {
		return nil
	}
	g := res.Schedule.Good
	return &g
}

// MarshalJSON writes the summary as schema.json's "summary"
// describes it ([Schema]): the same conventions as
// [Result.MarshalJSON], each distribution as an object of n, min,
// p50, p90, p99, max and mean (null when n is 0), and every request's
// result under "results".
func (s *Summary) MarshalJSON() ([]byte, error) {
	out := summaryJSON{
		URL: s.URL, Method: s.Method, Requests: s.Requests, Errors: s.Errors,
		Wall: millis(s.Wall), PerSecond: round2(s.PerSecond),
		Headers: durationsJSON(s.Headers), FirstByte: durationsJSON(s.FirstByte),
		FirstToken: durationsJSON(s.FirstToken), Total: durationsJSON(s.Total), GapP50: durationsJSON(s.GapP50),
		Rate: floatsJSON(s.Rate), OutputTokens: floatsJSON(s.OutputTokens),
		Passed: !s.Failed(), Checks: make([]tallyJSON, 0, len(s.Checks)),
		Results: s.Results,
	}
	if out.Results == nil {
		out.Results = []*Result{}
	}
	for _, t := range s.Checks {
		out.Checks = append(out.Checks, tallyJSON(t))
	}
	return safeJSON(json.Marshal(out))
}

type summaryJSON struct {
	URL          string      `json:"url"`
	Method       string      `json:"method"`
	Requests     int         `json:"requests"`
	Errors       int         `json:"errors"`
	Wall         millis      `json:"wall_ms"`
	PerSecond    float64     `json:"requests_per_second"`
	Headers      distJSON    `json:"headers_ms"`
	FirstByte    distJSON    `json:"first_byte_ms"`
	FirstToken   distJSON    `json:"first_token_ms"`
	Total        distJSON    `json:"total_ms"`
	GapP50       distJSON    `json:"gap_p50_ms"`
	Rate         distJSON    `json:"rate"`
	OutputTokens distJSON    `json:"output_tokens"`
	Passed       bool        `json:"passed"`
	Checks       []tallyJSON `json:"checks"`
	Results      []*Result   `json:"results"`
}

type tallyJSON struct {
	Name string `json:"name"`
	Pass int    `json:"pass"`
	Warn int    `json:"warn"`
	Fail int    `json:"fail"`
}

// distJSON is a distribution; the figures are null when N is 0.
type distJSON struct {
	N    int             `json:"n"`
	Min  json.RawMessage `json:"min"`
	P50  json.RawMessage `json:"p50"`
	P90  json.RawMessage `json:"p90"`
	P99  json.RawMessage `json:"p99"`
	Max  json.RawMessage `json:"max"`
	Mean json.RawMessage `json:"mean"`
	P95  json.RawMessage `json:"p95"`
	P999 json.RawMessage `json:"p99_9"`
}

func durationsJSON(d Distribution[time.Duration]) distJSON {
	return toDistJSON(d, func(v time.Duration) json.RawMessage { b, _ := millis(v).MarshalJSON(); return b })
}

func floatsJSON(d Distribution[float64]) distJSON {
	return toDistJSON(d, func(v float64) json.RawMessage { b, _ := json.Marshal(round2(v)); return b })
}

func toDistJSON[T time.Duration | float64](d Distribution[T], enc func(T) json.RawMessage) distJSON {
	out := distJSON{N: d.N}
	fields := []*json.RawMessage{&out.Min, &out.P50, &out.P90, &out.P99, &out.Max, &out.Mean, &out.P95, &out.P999}
	for i, v := range []T{d.Min, d.P50, d.P90, d.P99, d.Max, d.Mean, d.P95, d.P999} {
		*fields[i] = json.RawMessage("null")
		if d.N > 0 {
			*fields[i] = enc(v)
		}
	}
	return out
}
