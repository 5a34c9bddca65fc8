package server

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/tokcli/tok/client"
)

// wsResponses is OpenAI's Responses API in WebSocket mode: GET
// /v1/responses upgraded, with the key on the upgrade request
// (https://developers.openai.com/api/docs/guides/websocket-mode). Each turn
// is a client message
//
//	{"type":"response.create","model":"…","input":[…],"previous_response_id":"resp_…",…}
//
// with the fields of POST /v1/responses but stream, which is implicit
// (background is refused). The server answers with the same response.*
// events as over SSE ([responsesEncoder]), one per text message, with a
// fresh resp_ id per response. A later turn sends previous_response_id,
// the last response's id, and only its new input: like the service with
// store=false, the connection keeps its last completed response only, and
// any other id is answered with the error
//
//	{"type":"error","status":400,"error":{"type":"invalid_request_error",
//	 "code":"previous_response_not_found","message":"…","param":"previous_response_id"}}
//
// after which the client starts a new chain with its whole input. A
// response that fails (error-after) is not kept, nor the one before it. A
// client stops an answer by closing the socket: there is no interrupt
// message. The scenario's max-conn emulates the service's 60-minute cap:
// the error code websocket_connection_limit_reached, then a close.
type wsResponses struct {
	lastID  string           // the last completed response
	last    []client.Message // and the conversation it completed
	pending string           // the response being answered
}

// wsCreate is a response.create message.
type wsCreate struct {
	Type               string  `json:"type"`
	PreviousResponseID *string `json:"previous_response_id"`
	Background         *bool   `json:"background"`
	responsesBody
}

func (*wsResponses) name() string      { return responsesDialect.name }
func (*wsResponses) serverTools() bool { return false }

func (*wsResponses) read(data []byte) (any, bool, *apiError) {
	var m wsCreate
	if e := decodeAPIBody(data, &m); e != nil {
		return nil, false, e
	}
	switch {
	case m.Type != "response.create":
		return nil, false, badRequest("type: the client event must be response.create, not " + quote(m.Type))
	case m.Background != nil && *m.Background:
		return nil, false, badRequest("background: not supported over a WebSocket")
	}
	return m, false, nil
}

func (p *wsResponses) begin(turn any) (chatRequest, encoder, WSTurn, *apiError) {
	m := turn.(wsCreate)
	var note WSTurn
	if m.PreviousResponseID != nil {
		note.PreviousResponseID = *m.PreviousResponseID
	}
	var items []json.RawMessage
	if jsonKind(m.Input) == '"' {
		note.InputItems = 1
	} else if json.Unmarshal(m.Input, &items) == nil {
		note.InputItems = len(items)
	}
	req, e := m.request()
	if e != nil {
		return req, nil, note, e
	}
	if id := note.PreviousResponseID; id != "" {
		if id != p.lastID {
			return req, nil, note, &apiError{http.StatusBadRequest, "previous_response_not_found",
				"Previous response with id " + quote(id) + " not found: this connection keeps only its last completed response; send the whole input without previous_response_id"}
		}
		req.messages = trimHistory(append(slices.Clone(p.last), req.messages...))
		req.previousResponseID = id
	}
	enc := responsesDialect.newEncoder(req).(*responsesEncoder)
	p.pending, note.ResponseID = enc.id, enc.id
	return req, enc, note, nil
}

func (p *wsResponses) end(req chatRequest, text, how string) {
	if how != EndComplete {
		p.lastID, p.last = "", nil
		return
	}
	p.lastID, p.last = p.pending, trimHistory(append(req.messages, client.Message{Role: "assistant", Content: text}))
}

// errorMessage is an error event of the WebSocket mode: the HTTP status
// the request would have had, and the error object, whose code is the
// apiError's kind where that is more precise than the status's.
func (*wsResponses) errorMessage(e *apiError) string {
	kind, code, param := statusKind(e.status), any(nil), any(nil)
	if e.kind != kind {
		code = e.kind
	}
	if e.kind == "previous_response_not_found" {
		param = "previous_response_id"
	}
	return wireJSON(wireObject{{"type", "error"}, {"status", e.status}, {"error", wireObject{
		{"type", kind}, {"code", code}, {"message", e.message}, {"param", param}}}})
}

// ack: the WebSocket mode has no interrupt.
func (*wsResponses) ack() string { return "" }

func (p *wsResponses) expired() string {
	return p.errorMessage(&apiError{http.StatusBadRequest, "websocket_connection_limit_reached",
		"the connection reached its lifetime (scenario max-conn; the service's is 60 minutes): open a new one"})
}

// responsesKey refuses an upgrade without a key, as the API does.
func responsesKey(r *http.Request) *apiError {
	if !hasBearer(r) {
		return openAIKeyMissing()
	}
	return nil
}
