package client

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// ToolSpec is a tool offered to the model: its name as the model calls
// it, what it does, and the JSON Schema of its arguments (an object).
type ToolSpec struct {
	Name        string
	Description string
	// Schema is a JSON Schema of type object; nil offers a tool that
	// takes no arguments.
	Schema json.RawMessage
}

// ToolCall is a tool call the model made, in an assistant [Message].
type ToolCall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Args is the arguments as the model wrote them: a JSON object when
	// well formed, but it may be anything (a cut-off answer, a confused
	// model); the request builders send an object whatever it holds.
	Args string `json:"args"`
	// Signature is Gemini's thoughtSignature of the call, sent back with
	// it as Gemini asks.
	Signature string `json:"signature,omitempty"`
}

// ToolResult answers a [ToolCall] by its ID, in a [Message] of role
// "tool". Content is what the model reads: the tool's output, or why it
// failed or was not run.
type ToolResult struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Content string `json:"content"`
	IsError bool   `json:"isError,omitempty"`
}

// RoleTool is the role of a [Message] that carries tool results.
const RoleTool = "tool"

// ToolRunner runs the model's tool calls for [Client.ChatTools].
//
// Contract: Tools is called once per answer, before the first request,
// and may wait for the tools to start (bounded by ctx). RunTools returns
// one result for each call, in the calls' order, whatever happens to the
// others (a call that fails or times out is an error result; one that
// was not allowed is a result that says so); it returns once every call
// has finished or ctx is done. It reports what happens as it happens
// through emit: [KindToolExecuting] when a call starts running and
// [KindToolResult] when it ends, with the Tool's ID, Name, Args and, for
// the result, Result, IsError and Duration. emit is safe to call from
// several goroutines.
type ToolRunner interface {
	Tools(ctx context.Context) []ToolSpec
	RunTools(ctx context.Context, calls []ToolCall, emit func(Event)) []ToolResult
}

// hasTools reports whether m carries tool calls or results.
func (m Message) hasTools() bool { return len(m.ToolCalls) > 0 || len(m.ToolResults) > 0 }

// objectArgs is a call's arguments as a JSON object, for the APIs that
// take an object: "{}" when they are empty or not an object (the call's
// result then says what was wrong).
func objectArgs(args string) json.RawMessage {
	s := strings.TrimSpace(args)
	if strings.HasPrefix(s, "{") && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return json.RawMessage("{}")
}

// schemaOf is a tool's schema as the APIs take it: an object schema.
func schemaOf(t ToolSpec) json.RawMessage {
	s := strings.TrimSpace(string(t.Schema))
	if s == "" || s == "null" || !json.Valid([]byte(s)) {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return json.RawMessage(s)
}

// toolsAsText turns the tool turns of msgs into words, for a request
// that offers no tools (tok's protocol, an endpoint without tools): an
// API refuses tool calls and results it did not offer the tools of. Each
// call is told after its turn's text, with its result, and the turns
// then join as tidy joins any two of one role.
func toolsAsText(msgs []Message) []Message {
	results := map[string]ToolResult{}
	for _, m := range msgs {
		for _, r := range m.ToolResults {
			results[r.ID] = r
		}
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		switch {
		case m.Role == RoleTool:
			continue // told with its calls
		case len(m.ToolCalls) > 0:
			var b strings.Builder
			b.WriteString(m.Content)
			for _, c := range m.ToolCalls {
				if b.Len() > 0 {
					b.WriteString("\n\n")
				}
				b.WriteString(callNote(c, results[c.ID]))
			}
			m = Message{Role: m.Role, Content: b.String()}
		}
		out = append(out, m)
	}
	return out
}

// noteMax bounds a call's arguments and result in a note, in bytes.
const noteMax = 2000

// callNote tells a tool call and its result in words.
func callNote(c ToolCall, r ToolResult) string {
	call := strings.TrimSpace(clipText(c.Name, 200) + " " + clipText(strings.TrimSpace(c.Args), noteMax))
	switch {
	case r.ID == "":
		return "[called " + call + "; it was not run]"
	case r.IsError:
		return "[called " + call + ", which failed: " + clipText(strings.TrimSpace(r.Content), noteMax) + "]"
	}
	return "[called " + call + ", which returned " + clipText(strings.TrimSpace(r.Content), noteMax) + "]"
}

// clipText cuts s to at most n bytes, at a character's start, marking
// the cut with "…".
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// DefaultMaxSteps is the rounds of tool calls one answer may run when
// [ToolLoop] names no limit.
const DefaultMaxSteps = 10

// StopMaxSteps is the StopReason of the [KindDone] that ends an answer
// whose model still asked for tools after the step limit: the calls it
// asked for then were not run.
const StopMaxSteps = "max_steps"

// toolDuration rounds a tool's run time for events.
func toolDuration(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
