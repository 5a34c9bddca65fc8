package client

import (
	"errors"

	"github.com/valyala/fastjson"
)

// Dialect names the wire format of a stream.
type Dialect string

// The dialects tok understands. The names match ../shared/corpus.
const (
	DialectTok             Dialect = "tok"
	DialectAnthropic       Dialect = "anthropic"
	DialectOpenAIChat      Dialect = "openai-chat"
	DialectOpenAIResponses Dialect = "openai-responses"
	DialectGemini          Dialect = "gemini"
	DialectVercelUI        Dialect = "vercel-ui"
	DialectVercelData      Dialect = "vercel-data"
	DialectText            Dialect = "text"
	// DialectWSChat is the chat protocol of WebSocket servers: token,
	// stream_end and error messages (see [Client.Chat]).
	DialectWSChat Dialect = "ws-chat"
	// DialectDemo is the built-in demo model's, which has no wire.
	DialectDemo Dialect = "demo"
)

// ErrUnknownDialect is reported when a stream's frames match no dialect tok
// knows.
var ErrUnknownDialect = errors.New("the stream's frames match no dialect tok knows")

// decoder turns the frames of one dialect into events.
//
// decode appends the frame's events to dst. It returns an error only for a
// frame that is not what the dialect promises (such as invalid JSON); a
// frame it has no use for yields no events. end is called when the body ends
// before a terminal event: it returns the events that complete the stream
// when the dialect allows an answer to end that way (a finish reason already
// seen, plain text), or nil when the stream was cut off.
type decoder interface {
	decode(dst []Event, f Frame) ([]Event, error)
	end() []Event
}

func newDecoder(d Dialect) decoder {
	switch d {
	case DialectTok:
		return &tokDecoder{}
	case DialectAnthropic:
		return &anthropicDecoder{}
	case DialectOpenAIChat:
		return &openAIChatDecoder{}
	case DialectOpenAIResponses:
		return &responsesDecoder{}
	case DialectGemini:
		return &geminiDecoder{}
	case DialectVercelUI:
		return &vercelUIDecoder{}
	case DialectVercelData:
		return &vercelDataDecoder{}
	case DialectWSChat:
		return &wsChatDecoder{}
	default:
		return &textDecoder{sse: true}
	}
}

// doneSentinel is the data of the frame OpenAI-style streams end with.
const doneSentinel = "[DONE]"

// str returns the string at the path, or "" when there is none.
func str(v *fastjson.Value, keys ...string) string {
	return string(v.GetStringBytes(keys...))
}

// raw returns the JSON at the path as text: a string's value, or any other
// value marshalled, or "" when the path is absent or null.
func raw(v *fastjson.Value, keys ...string) string {
	x := v.Get(keys...)
	if x == nil || x.Type() == fastjson.TypeNull {
		return ""
	}
	if x.Type() == fastjson.TypeString {
		return string(x.GetStringBytes())
	}
	return string(x.MarshalTo(nil))
}

// isNull reports whether the path is absent or JSON null.
func isNull(v *fastjson.Value, keys ...string) bool {
	x := v.Get(keys...)
	return x == nil || x.Type() == fastjson.TypeNull
}

// errorEvent reads the error object or string at v's "error" key, in the
// shapes the APIs use: {"error":{"message","type"|"status"|"code"}} or
// {"error":"text"}. It returns false when there is none.
func errorEvent(v *fastjson.Value) (Event, bool) {
	e := v.Get("error")
	if e == nil || e.Type() == fastjson.TypeNull {
		return Event{}, false
	}
	if e.Type() == fastjson.TypeString {
		return Event{Kind: KindError, Err: &ServerError{Message: string(e.GetStringBytes())}}, true
	}
	se := &ServerError{Message: str(e, "message"), Type: str(e, "type")}
	if se.Type == "" {
		se.Type = str(e, "status")
	}
	if se.Type == "" {
		se.Type = str(e, "code")
	}
	return Event{Kind: KindError, Err: se}, true
}

// ErrMalformedFrame is the cause of a stream that ended on a frame its
// dialect's decoder could not read; errors.Is matches the error a
// [Stream] reports for it, whose text quotes the frame's start.
var ErrMalformedFrame = errors.New("malformed frame")

// frameError is the error for a frame the dialect's decoder cannot read.
type frameError struct {
	dialect Dialect
	data    string
	err     error
}

func (e *frameError) Error() string {
	return "malformed " + string(e.dialect) + " frame " + quoteExcerpt(e.data) + ": " + e.err.Error()
}

func (e *frameError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrMalformedFrame) true.
func (e *frameError) Is(target error) bool { return target == ErrMalformedFrame }

// quoteExcerpt quotes the start of s for an error message.
func quoteExcerpt(s string) string {
	const max = 80
	r := []rune(s)
	if len(r) > max {
		return `"` + string(r[:max]) + `…"`
	}
	return `"` + s + `"`
}
