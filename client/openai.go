package client

import (
	"strconv"

	"github.com/valyala/fastjson"
)

// openAIChatDecoder reads OpenAI Chat Completions chunks, as OpenAI and the
// compatible servers (vLLM, OpenRouter, Groq, DeepSeek, Mistral …) send them:
// choices[].delta with content, reasoning and tool_calls, a finish_reason,
// a usage chunk with "choices": [], then "data: [DONE]".
type openAIChatDecoder struct {
	p       fastjson.Parser
	started bool
	tools   map[int]Tool // tool calls by their index in the delta
	stop    string       // finish_reason, once seen
	sawStop bool
}

func (d *openAIChatDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	if f.Data == doneSentinel {
		return append(dst, Event{Kind: KindDone, StopReason: d.stop}), nil
	}
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectOpenAIChat, f.Data, err}
	}
	if ev, ok := errorEvent(v); ok {
		return append(dst, ev), nil
	}
	if !d.started {
		d.started = true
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "id"), Model: str(v, "model")})
	}
	for _, c := range v.GetArray("choices") {
		if c.GetInt("index") != 0 {
			continue
		}
		dst = d.delta(dst, c.Get("delta"))
		if s := str(c, "finish_reason"); s != "" {
			d.stop, d.sawStop = s, true
		}
	}
	if u := v.Get("usage"); u != nil && u.Type() == fastjson.TypeObject {
		dst = append(dst, Event{Kind: KindUsage, Usage: Usage{
			InputTokens:  u.GetInt("prompt_tokens"),
			OutputTokens: u.GetInt("completion_tokens"),
		}})
	}
	return dst, nil
}

func (d *openAIChatDecoder) delta(dst []Event, delta *fastjson.Value) []Event {
	if delta == nil {
		return dst
	}
	for _, k := range [...]string{"reasoning_content", "reasoning"} {
		if s := str(delta, k); s != "" {
			dst = append(dst, Event{Kind: KindThinking, Text: s})
			break
		}
	}
	content := delta.Get("content")
	switch {
	case content == nil:
	case content.Type() == fastjson.TypeString:
		if s := content.GetStringBytes(); len(s) > 0 {
			dst = append(dst, Event{Kind: KindText, Text: string(s)})
		}
	case content.Type() == fastjson.TypeArray:
		dst = contentParts(dst, content)
	}
	for _, tc := range delta.GetArray("tool_calls") {
		dst = d.toolCall(dst, tc)
	}
	return dst
}

// contentParts reads an array-valued content (Mistral's thinking chunks):
// its thinking parts are reasoning; its text parts are answer text.
func contentParts(dst []Event, content *fastjson.Value) []Event {
	for _, part := range content.GetArray() {
		switch str(part, "type") {
		case "thinking":
			for _, t := range part.GetArray("thinking") {
				if s := str(t, "text"); s != "" {
					dst = append(dst, Event{Kind: KindThinking, Text: s})
				}
			}
		case "text":
			if s := str(part, "text"); s != "" {
				dst = append(dst, Event{Kind: KindText, Text: s})
			}
		}
	}
	return dst
}

func (d *openAIChatDecoder) toolCall(dst []Event, tc *fastjson.Value) []Event {
	i := tc.GetInt("index")
	t, seen := d.tools[i]
	if !seen {
		t = Tool{ID: str(tc, "id"), Name: str(tc, "function", "name")}
		if t.ID == "" {
			t.ID = "call_" + strconv.Itoa(i)
		}
		if d.tools == nil {
			d.tools = make(map[int]Tool)
		}
		d.tools[i] = t
		dst = append(dst, Event{Kind: KindToolStart, Tool: t})
	}
	if s := str(tc, "function", "arguments"); s != "" {
		dst = append(dst, Event{Kind: KindToolArgs, Tool: t, Text: s})
	}
	return dst
}

// end: a stream that saw a finish_reason is complete without [DONE] (Groq
// and some proxies omit it); otherwise it was cut off.
func (d *openAIChatDecoder) end() []Event {
	if d.sawStop {
		return []Event{{Kind: KindDone, StopReason: d.stop}}
	}
	return nil
}
