package client

import (
	"strings"

	"github.com/valyala/fastjson"
)

// wsChatDecoder reads the chat protocol of WebSocket servers (the rig's
// seed server, tok serve's /api/chat/ws): a JSON object per message, token
// {content} pieces, then stream_end {interrupted} or error {message}. The
// server keeps the conversation per connection; the client sends
// {"type":"message","content"} and may send {"type":"interrupt"}, which
// the server acknowledges with stream_end {interrupted: true}.
//
// tok's own event objects (start, token, tool_*, done, error; see
// ../shared/PROTOCOL.md) are read too, as messages: a server may speak
// tok's protocol over a socket and end its answers with done. The
// dialect is then tok's.
type wsChatDecoder struct {
	p       fastjson.Parser
	tok     tokDecoder // the shared token, tool and done objects
	started bool
	isTok   bool // a start, tool or done object said the dialect is tok's
}

func (d *wsChatDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	v, err := d.p.Parse(f.Data)
	if err != nil {
		return dst, &frameError{d.dialect(), f.Data, err}
	}
	typ := str(v, "type")
	switch typ {
	case "start", "tool_start", "tool_executing", "tool_result", "done":
		d.isTok = true
	}
	if !d.started {
		d.started = true
		if typ != "start" {
			// The protocol has no opening message; the answer begins with
			// its first, as an OpenAI stream's does.
			dst = append(dst, Event{Kind: KindStart})
		}
	}
	switch typ {
	case "stream_end":
		stop := ""
		if v.GetBool("interrupted") {
			stop = StopReasonInterrupted
		}
		return append(dst, Event{Kind: KindDone, StopReason: stop}), nil
	case "error":
		if ev, ok := errorEvent(v); ok && v.Get("message") == nil {
			return append(dst, ev), nil // {"type":"error","error":{…}}
		}
	}
	return d.tok.decode(dst, f)
}

// end: an answer over a socket ends with stream_end, done or error; a
// socket that closes before one was cut off.
func (d *wsChatDecoder) end() []Event { return nil }

func (d *wsChatDecoder) dialect() Dialect {
	if d.isTok {
		return DialectTok
	}
	return DialectWSChat
}

// StopReasonInterrupted is the stop reason of a [KindDone] that ends an
// answer the server stopped on the client's interrupt (the chat
// protocol's stream_end with interrupted: true).
const StopReasonInterrupted = "interrupted"

// wsDetector is the decoder of a WebSocket whose dialect is not known
// yet. The first message decides: the chat protocol's messages and tok's
// objects go to a wsChatDecoder (tok's token objects are the protocol's
// own, and stream_end, which tok's SSE decoder does not know, ends an
// answer over a socket); anything else to the SSE detector, which knows
// every other dialect's objects, and plain text.
type wsDetector struct {
	p   fastjson.Parser
	dec decoder
}

func (d *wsDetector) decode(dst []Event, f Frame) ([]Event, error) {
	if d.dec == nil {
		if strings.TrimSpace(f.Data) == "" {
			return dst, nil // a keep-alive says nothing of the dialect
		}
		d.dec = &detector{}
		if d.isChat(f.Data) {
			d.dec = &wsChatDecoder{}
		}
	}
	return d.dec.decode(dst, f)
}

// isChat reports whether a first message is the chat protocol's or one
// of tok's objects.
func (d *wsDetector) isChat(data string) bool {
	v, err := d.p.Parse(data)
	if err != nil || v.Type() != fastjson.TypeObject {
		return false
	}
	switch str(v, "type") {
	case "token", "stream_end", "start", "done", "tool_start", "tool_executing", "tool_result":
		return true
	case "error":
		return errorDialect(v) == DialectTok
	}
	return false
}

func (d *wsDetector) end() []Event {
	if d.dec == nil {
		return nil
	}
	return d.dec.end()
}

func (d *wsDetector) dialect() Dialect {
	switch dec := d.dec.(type) {
	case *wsChatDecoder:
		return dec.dialect()
	case *detector:
		return dec.dialect
	}
	return ""
}
