package client

import (
	"time"

	"github.com/valyala/fastjson"
)

// tokDecoder reads tok's own protocol (../shared/PROTOCOL.md): a JSON object
// per frame with a "type" of start, token, tool_start, tool_executing,
// tool_result, done or error, then "data: [DONE]".
type tokDecoder struct {
	p fastjson.Parser
	// seq is 1 + the index of the token frame just decoded, 0 when that
	// frame had none: a session's tokens are numbered, for resume.
	seq int
}

func (d *tokDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	d.seq = 0
	if f.Data == doneSentinel {
		return append(dst, Event{Kind: KindDone}), nil
	}
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectTok, f.Data, err}
	}
	switch str(v, "type") {
	case "start":
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "messageId")})
	case "token":
		if i := v.Get("index"); i != nil && i.Type() == fastjson.TypeNumber {
			if n, err := i.Int(); err == nil && n >= 0 {
				d.seq = n + 1
			}
		}
		if s := str(v, "content"); s != "" {
			dst = append(dst, Event{Kind: KindText, Text: s})
		}
	case "tool_start":
		dst = append(dst, Event{Kind: KindToolStart, Tool: Tool{Name: str(v, "name"), ID: str(v, "id")}})
	case "tool_executing":
		dst = append(dst, Event{Kind: KindToolExecuting, Tool: Tool{Name: str(v, "name"), ID: str(v, "id"), Args: raw(v, "arguments")}})
	case "tool_result":
		dst = append(dst, Event{Kind: KindToolResult, Tool: tokResult(v)})
	case "done":
		if u := v.Get("usage"); u != nil {
			dst = append(dst, Event{Kind: KindUsage, Usage: Usage{
				InputTokens:  u.GetInt("inputTokens"),
				OutputTokens: u.GetInt("outputTokens"),
			}})
		}
		dst = append(dst, Event{Kind: KindDone, StopReason: str(v, "stopReason")})
	case "error":
		dst = append(dst, Event{Kind: KindError, Err: serverError(str(v, "message"), str(v, "code"))})
	}
	return dst, nil
}

// end: a tok stream that closes without done or error was cut off.
func (d *tokDecoder) end() []Event { return nil }

// tokResult reads a tool_result frame: a result that is a JSON string is
// its text; any other JSON is kept as written. isError and durationMs
// come from a gateway that runs tools (tok serve --mcp).
func tokResult(v *fastjson.Value) Tool {
	t := Tool{Name: str(v, "name"), ID: str(v, "id"), Result: raw(v, "result"), IsError: v.GetBool("isError")}
	if r := v.Get("result"); r != nil && r.Type() == fastjson.TypeString {
		t.Result = str(v, "result")
	}
	if ms := v.GetInt64("durationMs"); ms > 0 {
		t.Duration = time.Duration(ms) * time.Millisecond
	}
	return t
}
