package client

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// detector is the decoder of an SSE stream whose dialect is not known yet.
// It reads the dialect off the first frames (event names and JSON shape),
// holding back the frames that could belong to more than one dialect (a bare
// {"type":"start"} is both tok's and the AI SDK's), then hands everything to
// that dialect's decoder.
type detector struct {
	p       fastjson.Parser
	dialect Dialect
	dec     decoder
	held    []Frame
}

// maxHeld bounds the frames held while the dialect is undecided.
const maxHeld = 16

func (d *detector) decode(dst []Event, f Frame) ([]Event, error) {
	if d.dec != nil {
		return d.dec.decode(dst, f)
	}
	if strings.TrimSpace(f.Data) == "" {
		// An empty frame (a keep-alive, say) says nothing of the dialect
		// and holds no text in any of them.
		return dst, nil
	}
	dialect, v, err := d.classify(f)
	if err != nil {
		return dst, err
	}
	if dialect == "" && v != nil && str(v, "type") == "start" {
		// tok and the AI SDK both open with it, and mean the same.
		return append(dst, Event{Kind: KindStart, MessageID: str(v, "messageId")}), nil
	}
	if dialect == "" {
		if len(d.held) == maxHeld {
			return dst, fmt.Errorf("%w: %d frames without a sign of one", ErrUnknownDialect, maxHeld)
		}
		d.held = append(d.held, f)
		return dst, nil
	}
	return d.choose(dst, dialect, f)
}

// choose fixes the dialect and decodes the held frames, then f.
func (d *detector) choose(dst []Event, dialect Dialect, f Frame) ([]Event, error) {
	d.dialect, d.dec = dialect, newDecoder(dialect)
	held := d.held
	d.held = nil
	var err error
	for _, h := range append(held, f) {
		if dst, err = d.dec.decode(dst, h); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// end settles an undecided stream by its held frames: a lone [DONE] is
// read as tok's, the protocol tok speaks first.
func (d *detector) end() []Event {
	if d.dec == nil {
		if len(d.held) == 0 {
			return nil
		}
		d.dialect, d.dec = DialectTok, newDecoder(DialectTok)
		var evs []Event
		for _, h := range d.held {
			evs, _ = d.dec.decode(evs, h)
		}
		if len(evs) > 0 && evs[len(evs)-1].terminal() {
			return evs
		}
		return nil
	}
	return d.dec.end()
}

// classify names the frame's dialect, "" when it cannot tell yet, and
// returns the frame's JSON when it has some.
func (d *detector) classify(f Frame) (Dialect, *fastjson.Value, error) {
	if dialect := dialectOfEventName(f.Event); dialect != "" {
		return dialect, nil, nil
	}
	if f.Data == doneSentinel {
		return "", nil, nil
	}
	v, err := d.p.Parse(f.Data)
	if err != nil || v.Type() != fastjson.TypeObject {
		if looksLikeJSON(f.Data) {
			return "", nil, fmt.Errorf("%w: first frame %s", ErrUnknownDialect, quoteExcerpt(f.Data))
		}
		return DialectText, nil, nil
	}
	if dialect, ok := dialectOfObject(v); ok {
		return dialect, v, nil
	}
	if v.Exists("error") {
		// An error before any sign of a dialect: every decoder reads it.
		return DialectOpenAIChat, v, nil
	}
	return "", nil, fmt.Errorf("%w: first frame %s", ErrUnknownDialect, quoteExcerpt(f.Data))
}

func dialectOfEventName(name string) Dialect {
	switch {
	case name == "message_start" || name == "content_block_start" || name == "content_block_delta" ||
		name == "content_block_stop" || name == "message_delta" || name == "message_stop":
		return DialectAnthropic
	case strings.HasPrefix(name, "response."):
		return DialectOpenAIResponses
	}
	return ""
}

// dialectOfObject reads the dialect off a JSON payload. ok is false when the
// payload is unknown; an empty dialect with ok means "could be several".
func dialectOfObject(v *fastjson.Value) (d Dialect, ok bool) {
	switch {
	case v.Exists("choices") || str(v, "object") == "chat.completion.chunk":
		return DialectOpenAIChat, true
	case v.Exists("candidates") || v.Exists("usageMetadata") || v.Exists("promptFeedback"):
		return DialectGemini, true
	}
	typ := str(v, "type")
	switch {
	case typ == "":
		return "", false
	case strings.HasPrefix(typ, "response."):
		return DialectOpenAIResponses, true
	case strings.HasPrefix(typ, "data-"):
		return DialectVercelUI, true
	case typ == "start" || typ == "ping":
		return "", true
	case typ == "error":
		return errorDialect(v), true
	}
	d, ok = typeDialects[typ]
	return d, ok
}

// errorDialect tells the error payloads apart: Anthropic's nests an error
// object, the AI SDK's has errorText, tok's has message.
func errorDialect(v *fastjson.Value) Dialect {
	switch {
	case v.Exists("errorText"):
		return DialectVercelUI
	case v.Exists("error"):
		return DialectAnthropic
	default:
		return DialectTok
	}
}

// typeDialects maps the "type" values that belong to exactly one dialect.
var typeDialects = map[string]Dialect{
	"message_start": DialectAnthropic, "content_block_start": DialectAnthropic,
	"content_block_delta": DialectAnthropic, "content_block_stop": DialectAnthropic,
	"message_delta": DialectAnthropic, "message_stop": DialectAnthropic,

	"token": DialectTok, "tool_start": DialectTok, "tool_executing": DialectTok,
	"tool_result": DialectTok, "done": DialectTok,

	"start-step": DialectVercelUI, "finish-step": DialectVercelUI, "finish": DialectVercelUI,
	"text-start": DialectVercelUI, "text-delta": DialectVercelUI, "text-end": DialectVercelUI,
	"reasoning-start": DialectVercelUI, "reasoning-delta": DialectVercelUI, "reasoning-end": DialectVercelUI,
	"tool-input-start": DialectVercelUI, "tool-input-delta": DialectVercelUI,
	"tool-input-available": DialectVercelUI, "tool-input-error": DialectVercelUI,
	"tool-output-available": DialectVercelUI, "tool-output-error": DialectVercelUI,
	"source-url": DialectVercelUI, "source-document": DialectVercelUI, "file": DialectVercelUI,
	"message-metadata": DialectVercelUI, "abort": DialectVercelUI,
}

// looksLikeJSON reports whether data was meant as JSON (and so is not text).
func looksLikeJSON(data string) bool {
	s := strings.TrimSpace(data)
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}
