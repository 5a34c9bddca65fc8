package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"` // "user", "assistant" or "tool" (RoleTool)
	Content string `json:"content"`
	// ToolCalls are the calls an assistant turn made, after its Content.
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
	// ToolResults answer the calls of the assistant turn before, in a
	// turn of role "tool", in the calls' order.
	ToolResults []ToolResult `json:"toolResults,omitempty"`
	// Images go with a user's turn, before its text, to the APIs that
	// read them ([Endpoint.TakesImages]); tok's protocol has none, so
	// they are never in its JSON.
	Images []Image `json:"-"`
}

// ChatRequest is the body of a request in tok's protocol
// (../shared/PROTOCOL.md).
type ChatRequest struct {
	// Messages alternate user and assistant turns, oldest first, ending
	// with the user's new turn.
	Messages     []Message `json:"messages"`
	SystemPrompt string    `json:"systemPrompt,omitempty"`
	// SessionID and ResumeFrom ask a server that keeps sessions to resume.
	SessionID  string `json:"sessionId,omitempty"`
	ResumeFrom int    `json:"resumeFrom,omitempty"`
}

// NewChatRequest returns a POST of body to url in tok's protocol, with
// extra headers added after the defaults (so they can replace them).
func NewChatRequest(ctx context.Context, url string, body ChatRequest, header http.Header) (*http.Request, error) {
	return postJSON(ctx, url, body, header)
}

// postJSON is a POST of body as JSON to url, asking for an event stream,
// with header added after the defaults (so it can replace them).
func postJSON(ctx context.Context, url string, body any, header http.Header) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return NewRequest(ctx, http.MethodPost, url, b, header)
}

// NewRequest is a request that asks for an event stream, with tok's
// default headers (Accept, User-Agent, and Content-Type: application/json
// when there is a body) and then header, which can replace any of them (a
// Host header sets the request's host). It is the one place tok's
// requests get their defaults; a nil body sends none.
func NewRequest(ctx context.Context, method, url string, body []byte, header http.Header) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", UserAgent)
	applyHeader(req, header)
	return req, nil
}

// applyHeader adds header to req's, replacing the defaults it names. A
// Host header sets the request's host.
func applyHeader(req *http.Request, header http.Header) {
	for k, vs := range header {
		if http.CanonicalHeaderKey(k) == "Host" && len(vs) > 0 {
			req.Host = vs[0] // net/http sends req.Host, never Header["Host"]
			continue
		}
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
}

// UserAgent is sent with every request; cmd sets the version.
var UserAgent = "tok"
