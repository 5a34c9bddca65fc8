package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// jsonEvent is one line of tok --events.
type jsonEvent struct {
	Kind       string     `json:"kind"`
	Dialect    string     `json:"dialect,omitempty"`
	Text       string     `json:"text,omitempty"`
	MessageID  string     `json:"message_id,omitempty"`
	Model      string     `json:"model,omitempty"`
	Tool       *jsonTool  `json:"tool,omitempty"`
	Usage      *jsonUsage `json:"usage,omitempty"`
	StopReason string     `json:"stop_reason,omitempty"`
	Error      *jsonError `json:"error,omitempty"`
	Retry      *jsonRetry `json:"retry,omitempty"`
	MS         float64    `json:"ms"`
}

type jsonRetry struct {
	Attempt int     `json:"attempt"`
	Of      int     `json:"of"`
	WaitMS  float64 `json:"wait_ms"`
	Reason  string  `json:"reason"`
}

type jsonTool struct {
	ID         string  `json:"id,omitempty"`
	Name       string  `json:"name,omitempty"`
	Arguments  string  `json:"arguments,omitempty"`
	Result     string  `json:"result,omitempty"`
	IsError    bool    `json:"is_error,omitempty"`
	DurationMS float64 `json:"duration_ms,omitempty"`
}

type jsonUsage struct {
	Input  int `json:"input_tokens"`
	Output int `json:"output_tokens"`
}

type jsonError struct {
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// writeJSONEvent writes ev as one line; explain describes a retry's cause.
func writeJSONEvent(w io.Writer, ev client.Event, dialect client.Dialect, explain func(error) string) error {
	j := jsonEvent{Kind: ev.Kind.String(), Text: ev.Text, MessageID: ev.MessageID, Model: ev.Model,
		StopReason: ev.StopReason, MS: millis(ev.At)}
	switch ev.Kind {
	case client.KindStart:
		j.Dialect = string(dialect)
	case client.KindToolStart, client.KindToolArgs, client.KindToolExecuting, client.KindToolResult:
		j.Tool = &jsonTool{ID: ev.Tool.ID, Name: ev.Tool.Name, Arguments: ev.Tool.Args, Result: ev.Tool.Result,
			IsError: ev.Tool.IsError, DurationMS: millis(ev.Tool.Duration)}
	case client.KindUsage:
		j.Usage = &jsonUsage{Input: ev.Usage.InputTokens, Output: ev.Usage.OutputTokens}
	case client.KindError:
		j.Error = &jsonError{Message: ev.Err.Message, Type: ev.Err.Type}
	case client.KindRetry, client.KindReconnect:
		j.Retry = &jsonRetry{Attempt: ev.Retry.Attempt, Of: ev.Retry.Of, WaitMS: millis(ev.Retry.Wait), Reason: explain(ev.Retry.Err)}
	}
	return writeJSONLine(w, j)
}

// writeJSONLine writes v as one line of JSON that is safe to show on a
// terminal: the C1 and bidi controls encoding/json leaves raw in server
// text are escaped too (render.SafeJSON).
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(render.SafeJSON(b), '\n'))
	return err
}

// writeJSONError reports a transport failure as a last error line, so a
// script reading --events sees why the stream ended.
func writeJSONError(w io.Writer, err error, at time.Duration) {
	_ = writeJSONLine(w, jsonEvent{Kind: "error", Error: &jsonError{Message: describe(err)}, MS: millis(at)})
}
