package client

import (
	"strings"

	"github.com/valyala/fastjson"
)

// geminiDecoder reads Gemini's streamGenerateContent?alt=sse chunks: each a
// GenerateContentResponse with candidates[].content.parts[] (text, thought
// text, functionCall) and, on the last, a finishReason and usageMetadata.
// There is no end sentinel: the chunk with a finishReason ends the answer.
type geminiDecoder struct {
	p       fastjson.Parser
	started bool
	calls   int
}

func (d *geminiDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{DialectGemini, f.Data, err}
	}
	if ev, ok := errorEvent(v); ok {
		return append(dst, ev), nil
	}
	if !d.started {
		d.started = true
		dst = append(dst, Event{Kind: KindStart, MessageID: str(v, "responseId"), Model: str(v, "modelVersion")})
	}
	finish := ""
	for _, c := range v.GetArray("candidates") {
		if c.GetInt("index") != 0 {
			continue
		}
		for _, part := range c.GetArray("content", "parts") {
			dst = d.part(dst, part)
		}
		if s := str(c, "finishReason"); s != "" {
			finish = s
		}
	}
	if finish == "" {
		if r := str(v, "promptFeedback", "blockReason"); r != "" {
			return append(dst, Event{Kind: KindError, Err: &ServerError{Message: "the prompt was blocked", Type: r}}), nil
		}
		return dst, nil
	}
	if u := v.Get("usageMetadata"); u != nil {
		dst = append(dst, Event{Kind: KindUsage, Usage: Usage{
			InputTokens:  u.GetInt("promptTokenCount"),
			OutputTokens: u.GetInt("candidatesTokenCount") + u.GetInt("thoughtsTokenCount"),
		}})
	}
	return append(dst, Event{Kind: KindDone, StopReason: strings.ToLower(finish)}), nil
}

func (d *geminiDecoder) part(dst []Event, part *fastjson.Value) []Event {
	if fc := part.Get("functionCall"); fc != nil {
		d.calls++
		t := Tool{ID: str(fc, "id"), Name: str(fc, "name"), Signature: str(part, "thoughtSignature")}
		if t.ID == "" {
			t.ID = t.Name
		}
		dst = append(dst, Event{Kind: KindToolStart, Tool: t})
		if args := raw(fc, "args"); args != "" {
			dst = append(dst, Event{Kind: KindToolArgs, Tool: t, Text: args})
		}
		return dst
	}
	k := KindText
	if part.GetBool("thought") {
		k = KindThinking
	}
	return appendText(dst, k, str(part, "text"))
}

// end: Gemini ends with a finishReason; a body that ends before it was cut off.
func (d *geminiDecoder) end() []Event { return nil }
