package server

import (
	"slices"

	"github.com/tokcli/tok/client"
)

// wsChat is the seed's chat protocol over a WebSocket, GET /api/chat/ws,
// which the rig's node/ws-server.mjs speaks too. Every message is a JSON
// object in a text message:
//
//	client → {"type":"message","content":"…"}               a turn: the user's new message
//	client → {"type":"message","content":"…","messages":[{"role":"user","content":"…"},…]}
//	                                                         a turn that replaces the history (a client that reconnected)
//	client → {"type":"interrupt"}                           stop the answer streaming
//	server → {"type":"token","content":"…"}                 the answer, token by token
//	server → {"type":"stream_end","interrupted":false}      the answer's end
//	server → {"type":"stream_end","interrupted":true}       an interrupt's acknowledgement: the answer's end
//	server → {"type":"error","message":"…"}                 a failed answer, or a refused message
//
// The connection keeps the conversation: each turn adds the user's message
// and the answer, a partial one too (interrupted, failed). With messages,
// the history becomes those messages, followed by content unless they end
// with it already. An interrupt stops the latest turn the client sent; one
// that comes after its end is ignored. A message while an answer streams
// waits for its end; a second one is refused with an error.
type wsChat struct {
	history []client.Message
}

// wsChatMessage is a client message of the seed's protocol.
type wsChatMessage struct {
	Type     string           `json:"type"`
	Content  *string          `json:"content"`
	Messages []client.Message `json:"messages"`
}

const wsChatShapes = `{"type":"message","content":"…"} or {"type":"interrupt"}`

func (*wsChat) name() string      { return "ws" }
func (*wsChat) serverTools() bool { return true }

func (*wsChat) read(data []byte) (any, bool, *apiError) {
	var m wsChatMessage
	if e := decodeAPIBody(data, &m); e != nil {
		return nil, false, badRequest("a message must be " + wsChatShapes + ": " + e.message)
	}
	switch {
	case m.Type == "interrupt":
		return nil, true, nil
	case m.Type != "message":
		return nil, false, badRequest("a message must be " + wsChatShapes + ", not type " + quote(m.Type))
	case m.Content == nil && m.Messages == nil:
		return nil, false, badRequest("a message needs content, the user's new message, or messages, the whole conversation")
	}
	return m, false, nil
}

func (p *wsChat) begin(turn any) (chatRequest, encoder, WSTurn, *apiError) {
	m := turn.(wsChatMessage)
	conv := slices.Clone(p.history)
	if m.Messages != nil {
		conv = slices.Clone(m.Messages)
	}
	if n := len(conv); m.Content != nil && (n == 0 || !isUserTurn(conv[n-1], *m.Content)) {
		conv = append(conv, client.Message{Role: "user", Content: *m.Content})
	}
	req := chatRequest{messages: trimHistory(conv)}
	if e := checkTurns(req.messages, "user", "assistant"); e != nil {
		return req, nil, WSTurn{}, e
	}
	return req, wsChatEncoder{}, WSTurn{}, nil
}

func (p *wsChat) end(req chatRequest, text, _ string) {
	p.history = trimHistory(append(req.messages, client.Message{Role: "assistant", Content: text}))
}

func (*wsChat) errorMessage(e *apiError) string {
	return wireJSON(wireObject{{"type", "error"}, {"message", e.message}})
}

func (*wsChat) ack() string { return `{"type":"stream_end","interrupted":true}` }

// expired: the seed's protocol has no message for it; the connection
// closes, and the client reconnects for its next turn.
func (*wsChat) expired() string { return "" }

// trimHistory drops the oldest messages past the bounds of a connection's
// history, keeping the newest always.
func trimHistory(msgs []client.Message) []client.Message {
	text := 0
	for _, m := range msgs {
		text += len(m.Content)
	}
	cut := 0
	for len(msgs)-cut > 1 && (len(msgs)-cut > maxHistory || text > maxHistoryText) {
		text -= len(msgs[cut].Content)
		cut++
	}
	if cut == 0 {
		return msgs
	}
	return slices.Clone(msgs[cut:]) // lets go of the dropped ones
}

// wsChatEncoder writes an answer in the seed's protocol: a token message
// per text token, then stream_end, or error. It has no reasoning, tool or
// usage messages: those steps are not sent.
type wsChatEncoder struct{}

func (wsChatEncoder) begin(frames) error                           { return nil }
func (wsChatEncoder) thinking(frames, string, int) error           { return nil }
func (wsChatEncoder) toolStart(frames, toolCall) error             { return nil }
func (wsChatEncoder) toolArgs(frames, toolCall, string, int) error { return nil }
func (wsChatEncoder) toolEnd(frames, toolCall) error               { return nil }

func (wsChatEncoder) text(fw frames, text string, _ int) error {
	return fw.frame("", "", wireJSON(wireObject{{"type", "token"}, {"content", text}}))
}

func (wsChatEncoder) fail(fw frames, message string) error {
	return fw.frame("", "", wireJSON(wireObject{{"type", "error"}, {"message", message}}))
}

func (wsChatEncoder) end(fw frames, _ client.Usage, _ stop) error {
	return fw.frame("", "", `{"type":"stream_end","interrupted":false}`)
}

// isUserTurn reports whether m is the user's turn saying content (a
// reconnecting client may send its new message in both fields).
func isUserTurn(m client.Message, content string) bool {
	return m.Role == "user" && m.Content == content && len(m.ToolCalls) == 0 && len(m.ToolResults) == 0
}
