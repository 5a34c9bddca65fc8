package client

import (
	"strings"

	"github.com/valyala/fastjson"
)

// vercelUIDecoder reads the Vercel AI SDK UI message stream (v5+, header
// x-vercel-ai-ui-message-stream: v1): JSON parts typed start, text-delta,
// reasoning-delta, tool-input-*, tool-output-*, finish, error …, then
// "data: [DONE]".
type vercelUIDecoder struct {
	p     fastjson.Parser
	tools map[string]Tool
}

func (d *vercelUIDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	if f.Data == doneSentinel {
		return append(dst, Event{Kind: KindDone}), nil
	}
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectVercelUI, f.Data, err}
	}
	switch str(v, "type") {
	case "start":
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "messageId")})
	case "text-delta":
		dst = appendText(dst, KindText, str(v, "delta"))
	case "reasoning-delta":
		dst = appendText(dst, KindThinking, str(v, "delta"))
	case "tool-input-start":
		dst = d.toolStart(dst, str(v, "toolCallId"), str(v, "toolName"))
	case "tool-input-delta":
		dst = appendTool(dst, KindToolArgs, d.tools[str(v, "toolCallId")], str(v, "inputTextDelta"))
	case "tool-input-available":
		id := str(v, "toolCallId")
		if _, ok := d.tools[id]; !ok {
			dst = d.toolStart(dst, id, str(v, "toolName"))
			dst = appendTool(dst, KindToolArgs, d.tools[id], raw(v, "input"))
		}
	case "tool-output-available":
		t := d.tools[str(v, "toolCallId")]
		t.Result = raw(v, "output")
		dst = append(dst, Event{Kind: KindToolResult, Tool: t})
	case "finish":
		// The UI stream has no usage part; servers put it in the message
		// metadata (the AI SDK's own examples do), under the SDK's names.
		if u := v.Get("messageMetadata", "usage"); u != nil {
			dst = append(dst, Event{Kind: KindUsage, Usage: Usage{InputTokens: u.GetInt("inputTokens"), OutputTokens: u.GetInt("outputTokens")}})
		}
		dst = append(dst, Event{Kind: KindDone, StopReason: str(v, "finishReason")})
	case "abort":
		dst = append(dst, Event{Kind: KindDone, StopReason: "abort"})
	case "error":
		dst = append(dst, Event{Kind: KindError, Err: serverError(str(v, "errorText"), "")})
	}
	return dst, nil
}

func (d *vercelUIDecoder) toolStart(dst []Event, id, name string) []Event {
	t := Tool{ID: id, Name: name}
	if d.tools == nil {
		d.tools = make(map[string]Tool)
	}
	d.tools[id] = t
	return append(dst, Event{Kind: KindToolStart, Tool: t})
}

func (d *vercelUIDecoder) end() []Event { return nil }

// appendTool appends a tool event carrying text unless the text is empty.
func appendTool(dst []Event, k Kind, t Tool, text string) []Event {
	if text == "" {
		return dst
	}
	return append(dst, Event{Kind: k, Tool: t, Text: text})
}

// vercelDataDecoder reads the AI SDK v4 data stream protocol, which is not
// SSE: one "CODE:JSON" line each, handed over as Frame{Event: CODE, Data:
// JSON} (0 text, g reasoning, 3 error, b/c/9 tool call, a tool result,
// f start, e step finish, d message finish).
type vercelDataDecoder struct {
	p     fastjson.Parser
	tools map[string]Tool
}

func (d *vercelDataDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectVercelData, f.Event + ":" + f.Data, err}
	}
	switch f.Event {
	case "0":
		dst = appendText(dst, KindText, string(v.GetStringBytes()))
	case "g":
		dst = appendText(dst, KindThinking, string(v.GetStringBytes()))
	case "3":
		dst = append(dst, Event{Kind: KindError, Err: &ServerError{Message: string(v.GetStringBytes())}})
	case "f":
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "messageId")})
	case "b", "9":
		dst = d.toolCall(dst, f.Event, v)
	case "c":
		dst = appendTool(dst, KindToolArgs, d.tools[str(v, "toolCallId")], str(v, "argsTextDelta"))
	case "a":
		t := d.tools[str(v, "toolCallId")]
		t.Result = raw(v, "result")
		dst = append(dst, Event{Kind: KindToolResult, Tool: t})
	case "d":
		dst = append(dst, Event{Kind: KindUsage, Usage: Usage{
			InputTokens:  v.GetInt("usage", "promptTokens"),
			OutputTokens: v.GetInt("usage", "completionTokens"),
		}}, Event{Kind: KindDone, StopReason: str(v, "finishReason")})
	}
	return dst, nil
}

// toolCall handles b (streaming start) and 9 (whole call, which repeats a
// streamed one).
func (d *vercelDataDecoder) toolCall(dst []Event, code string, v *fastjson.Value) []Event {
	id := str(v, "toolCallId")
	if _, ok := d.tools[id]; ok {
		return dst
	}
	t := Tool{ID: id, Name: str(v, "toolName")}
	if d.tools == nil {
		d.tools = make(map[string]Tool)
	}
	d.tools[id] = t
	dst = append(dst, Event{Kind: KindToolStart, Tool: t})
	if code == "9" {
		dst = appendTool(dst, KindToolArgs, t, raw(v, "args"))
	}
	return dst
}

func (d *vercelDataDecoder) end() []Event { return nil }

// isDataStreamCode reports whether c starts a data stream protocol line.
func isDataStreamCode(c byte) bool {
	return strings.IndexByte("0123456789abcdefghijk", c) >= 0
}
