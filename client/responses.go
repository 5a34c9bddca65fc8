package client

import "github.com/valyala/fastjson"

// responsesDecoder reads the OpenAI Responses API stream: named events
// (response.created, response.output_text.delta, …, response.completed),
// with the type repeated in the JSON, which some servers send without the
// event line (OpenRouter) or after the data line (Bedrock).
type responsesDecoder struct {
	p     fastjson.Parser
	tools map[string]Tool // function calls by output item id
}

func (d *responsesDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	if f.Data == doneSentinel {
		return append(dst, Event{Kind: KindDone}), nil
	}
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectOpenAIResponses, f.Data, err}
	}
	typ := str(v, "type")
	switch typ {
	case "response.created":
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "response", "id"), Model: str(v, "response", "model")})
	case "response.output_text.delta", "response.refusal.delta":
		dst = appendText(dst, KindText, str(v, "delta"))
	case "response.reasoning_text.delta", "response.reasoning_summary_text.delta":
		dst = appendText(dst, KindThinking, str(v, "delta"))
	case "response.output_item.added":
		dst = d.itemAdded(dst, v.Get("item"))
	case "response.function_call_arguments.delta":
		if s := str(v, "delta"); s != "" {
			dst = append(dst, Event{Kind: KindToolArgs, Tool: d.tools[str(v, "item_id")], Text: s})
		}
	case "response.completed", "response.incomplete":
		dst = d.finish(dst, v.Get("response"))
	case "response.failed":
		ev, ok := errorEvent(v.Get("response"))
		if !ok {
			ev = Event{Kind: KindError, Err: &ServerError{Message: "the response failed"}}
		}
		dst = append(dst, ev)
	case "error":
		se := &ServerError{Message: str(v, "message"), Type: str(v, "code")}
		if ev, ok := errorEvent(v); ok {
			se = ev.Err
		}
		dst = append(dst, Event{Kind: KindError, Err: se})
	}
	return dst, nil
}

func (d *responsesDecoder) itemAdded(dst []Event, item *fastjson.Value) []Event {
	if item == nil || str(item, "type") != "function_call" {
		return dst
	}
	t := Tool{ID: str(item, "call_id"), Name: str(item, "name")}
	if t.ID == "" {
		t.ID = str(item, "id")
	}
	if d.tools == nil {
		d.tools = make(map[string]Tool)
	}
	d.tools[str(item, "id")] = t
	dst = append(dst, Event{Kind: KindToolStart, Tool: t})
	if s := str(item, "arguments"); s != "" {
		dst = append(dst, Event{Kind: KindToolArgs, Tool: t, Text: s})
	}
	return dst
}

func (d *responsesDecoder) finish(dst []Event, resp *fastjson.Value) []Event {
	if resp == nil {
		return append(dst, Event{Kind: KindDone})
	}
	if u := resp.Get("usage"); u != nil && u.Type() == fastjson.TypeObject {
		dst = append(dst, Event{Kind: KindUsage, Usage: Usage{
			InputTokens:  u.GetInt("input_tokens"),
			OutputTokens: u.GetInt("output_tokens"),
		}})
	}
	stop := str(resp, "incomplete_details", "reason")
	if stop == "" {
		stop = str(resp, "status")
	}
	return append(dst, Event{Kind: KindDone, StopReason: stop})
}

// end: without response.completed the answer was cut off.
func (d *responsesDecoder) end() []Event { return nil }

// appendText appends a text-like event unless s is empty.
func appendText(dst []Event, k Kind, s string) []Event {
	if s == "" {
		return dst
	}
	return append(dst, Event{Kind: k, Text: s})
}
