package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// The transports an [Endpoint] can use.
const (
	// TransportSSE is a POST answered with a stream (Server-Sent Events,
	// the AI SDK's data stream, plain text): the default.
	TransportSSE = "sse"
	// TransportWS is a WebSocket kept across a conversation's turns: a
	// ws:// or wss:// URL, or an API's WebSocket mode (OpenAI's Responses).
	TransportWS = "ws"
)

// isWebSocket reports whether u is a WebSocket's address.
func isWebSocket(u *url.URL) bool { return u.Scheme == "ws" || u.Scheme == "wss" }

// isWebSocketURL reports whether raw is a ws:// or wss:// URL.
func isWebSocketURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && isWebSocket(u)
}

// webSocket reports whether e's answers come over a WebSocket.
func (e Endpoint) webSocket() bool {
	if e.Provider == "" && isWebSocketURL(e.URL) {
		return true
	}
	return e.Transport == TransportWS
}

// checkTransport checks e.Transport against the endpoint: sse or ws, and
// ws only where there is a WebSocket (a URL, or an API with a mode).
func (e Endpoint) checkTransport(spec ProviderSpec) error {
	switch e.Transport {
	case "", TransportWS:
	case TransportSSE:
		if e.Provider == "" && isWebSocketURL(e.URL) {
			return &FieldError{"transport", TransportSSE, ": the URL is a WebSocket's (ws:// or wss://), which is ws"}
		}
		return nil
	default:
		return &FieldError{"transport", strconv.Quote(e.Transport), ": give sse or ws"}
	}
	if e.Transport == "" || e.Provider == "" {
		return nil
	}
	api := e.API
	if api == "" {
		api = spec.apis()[0]
	}
	if slices.Contains(spec.WebSocketAPIs, api) {
		return nil
	}
	if len(spec.WebSocketAPIs) == 0 {
		return &FieldError{"transport", TransportWS, fmt.Sprintf(": %s has no WebSocket mode", spec.Title)}
	}
	return &FieldError{"transport", TransportWS, fmt.Sprintf(": %s's %s API has no WebSocket mode (its %s API has)",
		spec.Title, api, list(spec.WebSocketAPIs, "and"))}
}

// wsURL is the address of e's WebSocket: the URL, or the API's request
// path with ws for http and wss for https.
func (e Endpoint) wsURL() string {
	raw := e.URL
	if e.Provider != "" {
		raw = e.Target()
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	return u.String()
}

// wsHeader is the headers of e's upgrade request: the key as the API
// wants it (a bearer token at a URL), then e.Header.
func (e Endpoint) wsHeader() http.Header {
	if e.Provider == "" {
		return e.tokHeader()
	}
	return merge(e.keyHeader(), e.Header)
}

// upgradeRequest is the GET that opens e's WebSocket, carrying first as
// its body: [Client.Stream] sends a ws:// request's body as the first
// message.
func (e Endpoint) upgradeRequest(ctx context.Context, first []byte) (*http.Request, error) {
	req, err := NewRequest(ctx, http.MethodGet, e.wsURL(), first, e.wsHeader())
	if err != nil {
		return nil, err
	}
	return req, nil
}

// wsMessage is the chat protocol's message from the client: a question,
// with the whole conversation when the connection is new (the server
// holds none of it yet).
type wsMessage struct {
	Type    string `json:"type"`
	Content string `json:"content"`
	// Messages is the conversation, ending with the question (Content
	// again), on a connection's first turn when there was one before it.
	Messages     []Message `json:"messages,omitempty"`
	SystemPrompt string    `json:"systemPrompt,omitempty"`
}

// responsesCreate is a turn of the Responses API's WebSocket mode: the
// body of a POST /responses, without stream, with the type and the
// response it follows.
type responsesCreate struct {
	Type               string              `json:"type"`
	Model              string              `json:"model"`
	Input              []responsesItem     `json:"input"`
	Tools              []responsesTool     `json:"tools,omitempty"`
	PreviousResponseID string              `json:"previous_response_id,omitempty"`
	Instructions       string              `json:"instructions,omitempty"`
	MaxOutputTokens    int                 `json:"max_output_tokens,omitempty"`
	Temperature        *float64            `json:"temperature,omitempty"`
	Reasoning          *responsesReasoning `json:"reasoning,omitempty"`
	Store              bool                `json:"store"`
}

// firstMessage is the message that asks e's question on a WebSocket:
// msgs whole (tidy, ending with the question), or, chained, only the
// question after what the server holds (prev: the response it follows,
// for the Responses API).
func (e Endpoint) firstMessage(msgs []Message, chained bool, prev string) ([]byte, error) {
	last := msgs[len(msgs)-1]
	var v any
	if e.Provider == "" {
		m := wsMessage{Type: "message", Content: last.Content}
		if !chained {
			m.SystemPrompt = e.System
			if len(msgs) > 1 {
				m.Messages = msgs
			}
		}
		v = m
	} else {
		r := e.responsesBody(msgs)
		c := responsesCreate{Type: "response.create", Model: r.Model, Input: r.Input, Tools: r.Tools,
			Instructions: r.Instructions, MaxOutputTokens: r.MaxOutputTokens, Temperature: r.Temperature,
			Reasoning: r.Reasoning}
		if chained { // the question is the last item
			c.Input, c.PreviousResponseID = r.Input[len(r.Input)-1:], prev
		}
		v = c
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the message: %w", err)
	}
	return b, nil
}

// isResponsesCreate reports whether a first message is a Responses turn.
func isResponsesCreate(b []byte) bool {
	v, err := fastjson.ParseBytes(b)
	return err == nil && str(v, "type") == "response.create"
}

// retryableResponsesError reports whether a message is the Responses
// API's refusal of a turn that a new connection with the whole input
// answers: the response it followed is not known there
// (previous_response_not_found, or previous_response_id_not_found as
// some servers say), or the connection reached its 60 minutes.
func retryableResponsesError(b []byte) bool {
	if !strings.Contains(string(b), "_not_found") && !strings.Contains(string(b), "limit_reached") {
		return false
	}
	v, err := fastjson.ParseBytes(b)
	if err != nil || str(v, "type") != "error" {
		return false
	}
	code := str(v, "code")
	if code == "" {
		code = str(v, "error", "code")
	}
	switch code {
	case "previous_response_not_found", "previous_response_id_not_found", "websocket_connection_limit_reached":
		return true
	}
	return false
}
