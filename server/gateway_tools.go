package server

import (
	"encoding/json"
	"time"

	"github.com/tokcli/tok/client"
)

// A gateway with tools (Upstream.Tools) runs the model's tool calls
// itself, as the streaming design's server does, and streams the answer
// on after each round: the relay's stream is client.ChatTools's. In tok's
// protocol the client sees each call as it happens (tool_start when the
// model begins it, tool_executing with its arguments when it runs,
// tool_result with the result, isError and durationMs when it ends); the
// AI SDK stream shows it as the SDK's own server-side tools do; the LLM
// APIs' dialects show only the text, as their clients never offered the
// tools and cannot be handed calls they did not make. A client that goes
// away cancels the running calls (MCP cancellation) and the request.

// toolExecEncoder is an encoder whose dialect shows a tool's run as it
// happens.
type toolExecEncoder interface {
	toolStarted(fw *frameWriter, call toolCall) error
	toolExecuting(fw *frameWriter, call toolCall) error
	toolResult(fw *frameWriter, call toolCall, isError bool, took time.Duration) error
}

// toolEvent writes one tool event of a gateway that runs tools;
// ok is false for events that are not the tools'.
func (rl *relay) toolEvent(ev client.Event) (end string, done, ok bool) {
	if rl.up.Tools == nil || !rl.d.serverTools {
		switch ev.Kind {
		case client.KindToolStart, client.KindToolArgs, client.KindToolExecuting, client.KindToolResult:
			return "", false, rl.up.Tools != nil // the LLM dialects see only the text
		}
		return "", false, false
	}
	call := toolCall{ID: ev.Tool.ID, Name: ev.Tool.Name, Args: ev.Tool.Args}
	var err error
	switch ev.Kind {
	case client.KindToolStart:
		if call.ID == "" {
			call.ID = "call_" + randomID()
		}
		if x, isExec := rl.enc.(toolExecEncoder); isExec {
			err = x.toolStarted(rl.fw, call)
		} else {
			err = rl.enc.toolStart(rl.fw, call)
		}
	case client.KindToolArgs:
		return "", false, true // sent whole, when the call runs
	case client.KindToolExecuting:
		if x, isExec := rl.enc.(toolExecEncoder); isExec {
			err = x.toolExecuting(rl.fw, call)
		}
	case client.KindToolResult:
		b, _ := json.Marshal(ev.Tool.Result)
		call.Result = string(b)
		if x, isExec := rl.enc.(toolExecEncoder); isExec {
			err = x.toolResult(rl.fw, call, ev.Tool.IsError, ev.Tool.Duration)
		} else {
			if !json.Valid([]byte(call.Args)) {
				call.Args = "{}"
			}
			err = rl.enc.toolEnd(rl.fw, call)
		}
	default:
		return "", false, false
	}
	end, done = rl.written(err)
	return end, done, true
}

func (e *tokEncoder) toolStarted(fw *frameWriter, call toolCall) error {
	return e.send(fw, "", tokFrame{Type: "tool_start", Name: call.Name, ID: call.ID})
}

func (e *tokEncoder) toolExecuting(fw *frameWriter, call toolCall) error {
	f := tokFrame{Type: "tool_executing", Name: call.Name, ID: call.ID}
	if json.Valid([]byte(call.Args)) {
		f.Arguments = json.RawMessage(call.Args)
	}
	return e.send(fw, "", f)
}

func (e *tokEncoder) toolResult(fw *frameWriter, call toolCall, isError bool, took time.Duration) error {
	ms := took.Milliseconds()
	return e.send(fw, "", tokFrame{Type: "tool_result", Name: call.Name, ID: call.ID, Result: json.RawMessage(call.Result),
		IsError: isError, DurationMS: &ms})
}

// ask sends the conversation upstream: through the tool loop when the
// gateway runs tools (a continuation of a stored answer goes without).
func (rl *relay) ask(c *client.Client, ep client.Endpoint, msgs []client.Message) (*client.Stream, error) {
	if rl.up.Tools != nil && len(rl.stored) == 0 {
		return c.ChatTools(rl.ctx, ep, msgs, client.ToolLoop{Runner: rl.up.Tools, MaxSteps: rl.up.MaxSteps})
	}
	hr, err := ep.Request(rl.ctx, msgs)
	if err != nil {
		return nil, err
	}
	return c.Stream(rl.ctx, hr)
}
