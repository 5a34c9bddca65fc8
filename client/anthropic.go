package client

import (
	"strings"

	"github.com/valyala/fastjson"
)

// anthropicDecoder reads the Anthropic Messages stream: message_start,
// content_block_start/delta/stop, message_delta, message_stop, ping and error
// events, with the type repeated inside each JSON payload.
type anthropicDecoder struct {
	p      fastjson.Parser
	blocks map[int]Tool // tool_use blocks by content index
	input  int          // input tokens from message_start
	stop   string       // stop_reason from message_delta
}

func (d *anthropicDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectAnthropic, f.Data, err}
	}
	switch str(v, "type") {
	case "message_start":
		d.input = v.GetInt("message", "usage", "input_tokens")
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "message", "id"), Model: str(v, "message", "model")})
	case "content_block_start":
		dst = d.blockStart(dst, v)
	case "content_block_delta":
		dst = d.blockDelta(dst, v)
	case "message_delta":
		if s := str(v, "delta", "stop_reason"); s != "" {
			d.stop = s
		}
		if u := v.Get("usage"); u != nil {
			in := d.input
			if n := u.GetInt("input_tokens"); n > 0 {
				in = n
			}
			dst = append(dst, Event{Kind: KindUsage, Usage: Usage{InputTokens: in, OutputTokens: u.GetInt("output_tokens")}})
		}
	case "message_stop":
		dst = append(dst, Event{Kind: KindDone, StopReason: d.stop})
	case "error":
		ev, ok := errorEvent(v)
		if !ok {
			ev = Event{Kind: KindError, Err: &ServerError{Message: "error event without details"}}
		}
		dst = append(dst, ev)
	}
	return dst, nil
}

func (d *anthropicDecoder) blockStart(dst []Event, v *fastjson.Value) []Event {
	b := v.Get("content_block")
	typ := str(b, "type")
	switch {
	case typ == "tool_use" || typ == "server_tool_use" || typ == "mcp_tool_use":
		t := Tool{ID: str(b, "id"), Name: str(b, "name")}
		if d.blocks == nil {
			d.blocks = make(map[int]Tool)
		}
		d.blocks[v.GetInt("index")] = t
		dst = append(dst, Event{Kind: KindToolStart, Tool: t})
	case strings.HasSuffix(typ, "_tool_result"):
		dst = append(dst, Event{Kind: KindToolResult, Tool: Tool{ID: str(b, "tool_use_id"), Name: typ, Result: raw(b, "content")}})
	case typ == "text":
		if s := str(b, "text"); s != "" {
			dst = append(dst, Event{Kind: KindText, Text: s})
		}
	}
	return dst
}

func (d *anthropicDecoder) blockDelta(dst []Event, v *fastjson.Value) []Event {
	delta := v.Get("delta")
	switch str(delta, "type") {
	case "text_delta":
		if s := str(delta, "text"); s != "" {
			dst = append(dst, Event{Kind: KindText, Text: s})
		}
	case "thinking_delta":
		if s := str(delta, "thinking"); s != "" {
			dst = append(dst, Event{Kind: KindThinking, Text: s})
		}
	case "input_json_delta":
		if s := str(delta, "partial_json"); s != "" {
			dst = append(dst, Event{Kind: KindToolArgs, Tool: d.blocks[v.GetInt("index")], Text: s})
		}
	}
	return dst
}

// end: without message_stop the answer was cut off.
func (d *anthropicDecoder) end() []Event { return nil }
