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
func (c *Client) Chat(ctx context.Context, e Endpoint, msgs []Message) (*Stream, error) {
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
	body := ChatRequest{Messages: tidy(msgs), SystemPrompt: e.System, SessionID: rand.Text()}
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
