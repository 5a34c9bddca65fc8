package client

import (
	"context"
	"crypto/rand"
	"net/http"
)

// Chat streams endpoint e's answer to the conversation msgs.
//
// A tok-protocol endpoint (e.URL) gets a fresh sessionId with each answer.
// With [Config.ResumeTries] set, a stream of it in tok's protocol that
// breaks after text arrived is resumed: the reconnect carries resumeFrom, the index of the
// first token the answer lacks, or Last-Event-ID when the frames were
// numbered by SSE id lines only. The LLM APIs keep no sessions, so their
// streams are only retried before the first token ([Config.Retries]).
//
// An endpoint over a WebSocket (a ws:// or wss:// URL, or
// [TransportWS]) is a conversation on one socket, which the Client keeps
// across calls until [Client.Close]: a call whose msgs follow the last
// one's (the same questions, and a new one) sends only the new question
// ({"type":"message","content"}; the Responses API: the new input and
// previous_response_id). Otherwise, or when the socket has closed, it
// dials a new one and sends the whole conversation (the chat protocol's
// message carries it as messages). One call at a time per endpoint: a
// call waits until the last one's stream is closed.
func (c *Client) Chat(ctx context.Context, e Endpoint, msgs []Message) (*Stream, error) {
	if err := e.checkImages(msgs); err != nil {
		return nil, err
	}
	if e.webSocket() {
		return c.chatWS(ctx, e, msgs)
	}
	if e.Provider != "" {
		req, err := e.Request(ctx, msgs)
		if err != nil {
			return nil, err
		}
		return c.stream(ctx, req, nil)
	}
	if err := e.Check(); err != nil {
		return nil, err
	}
	body := ChatRequest{Messages: e.conversation(msgs), SystemPrompt: e.System, SessionID: rand.Text()}
	header := e.tokHeader()
	req, err := NewChatRequest(ctx, e.URL, body, header)
	if err != nil {
		return nil, err
	}
	return c.stream(ctx, req, func(ctx context.Context, from int, lastID string) (*http.Request, error) {
		b, h := body, header.Clone()
		if from > 0 {
			b.ResumeFrom = from
		} else {
			h.Set("Last-Event-ID", lastID)
		}
		return NewChatRequest(ctx, e.URL, b, h)
	})
}

// resumeFunc builds the request that continues an answer broken after
// the tokens before index from (0 when they were not numbered), or after
// the frame with SSE id lastID ("" when there was none).
type resumeFunc func(ctx context.Context, from int, lastID string) (*http.Request, error)
