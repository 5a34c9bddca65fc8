package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// wsSession is a conversation over a WebSocket, kept by the [Client]
// across the turns ([Client.Chat] calls) of one endpoint: the server
// holds the conversation per connection, so a turn that follows the last
// one on a live connection sends only the new question (the Responses
// API: the new input and previous_response_id). A turn that does not
// follow it (a question asked again, a conversation edited) or finds the
// connection gone dials a new one and sends the whole conversation.
//
// Invariants:
//   - One turn at a time: lock is held from Chat until the turn's
//     stream is closed; a later Chat waits for it (an interrupt under
//     way is settled first).
//   - held is what the server holds on conn, a stand-in for each
//     answer; it is empty whenever conn is nil.
type wsSession struct {
	lock chan struct{}

	mu   sync.Mutex // guards conn, which Client.Close reaches from outside a turn
	conn *wsConn

	held   []Message
	respID string // the Responses API's last completed response on conn
	// quiet is when the wait of the last turn's interrupt ends: the
	// server may send the stopped answer's tokens until then, so the
	// next turn waits for it before it asks (what arrives meanwhile is
	// dropped).
	quiet time.Time
}

// responsesLifetime is how long tok uses one connection in the
// Responses API's WebSocket mode, which closes them at 60 minutes: a
// turn that would start later starts on a new one.
const responsesLifetime = 55 * time.Minute

// session is e's conversation socket, made on first use.
func (c *Client) session(e Endpoint) (*wsSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shut {
		return nil, errClientClosed
	}
	key := e.wsURL()
	ses := c.sessions[key]
	if ses == nil {
		ses = &wsSession{lock: make(chan struct{}, 1)}
		if c.sessions == nil {
			c.sessions = map[string]*wsSession{}
		}
		c.sessions[key] = ses
	}
	return ses, nil
}

var errClientClosed = errors.New("the client is closed")

// Close closes the WebSockets the client keeps for its conversations;
// a turn still streaming on one ends as cut off. The client is not to be
// used after.
func (c *Client) Close() error {
	c.mu.Lock()
	c.shut = true
	sessions := c.sessions
	c.sessions = nil
	c.mu.Unlock()
	for _, ses := range sessions {
		ses.setConn(nil)
	}
	return nil
}

// setConn replaces the session's connection, closing the old one.
func (ses *wsSession) setConn(conn *wsConn) {
	ses.mu.Lock()
	old := ses.conn
	ses.conn = conn
	ses.mu.Unlock()
	if old != nil && old != conn {
		old.close()
	}
}

// current is the session's connection while it is open; a closed one
// is let go of.
func (ses *wsSession) current() *wsConn {
	ses.mu.Lock()
	conn := ses.conn
	if conn != nil && !conn.alive() {
		ses.conn = nil
	}
	ses.mu.Unlock()
	if conn != nil && !conn.alive() {
		conn.close() // its goroutines are ending: wait for them
		return nil
	}
	return conn
}

// follows reports whether msgs is what the server holds and a new
// question: the same questions in the same places (the answers are the
// server's own, which the client may have shown only in part).
func (ses *wsSession) follows(msgs []Message) bool {
	h := ses.held
	if len(h) == 0 || len(msgs) != len(h)+1 || msgs[len(msgs)-1].Role != "user" {
		return false
	}
	for i, m := range h {
		if m.Role != msgs[i].Role || (m.Role == "user" && m.Content != msgs[i].Content) {
			return false
		}
	}
	return true
}

// chatWS is [Client.Chat] over a WebSocket.
func (c *Client) chatWS(ctx context.Context, e Endpoint, msgs []Message) (*Stream, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	msgs = e.conversation(msgs)
	if len(msgs) == 0 || msgs[len(msgs)-1].Role != "user" {
		return nil, errors.New("the conversation does not end with a question")
	}
	ses, err := c.session(e)
	if err != nil {
		return nil, err
	}
	select {
	case ses.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	unlock := func() { <-ses.lock }
	t := &wsTurnSend{c: c, e: e, ses: ses, msgs: msgs, rec: newRecorder()}
	t.ctx, t.done = c.whole(ctx)
	if err := t.send(); err != nil {
		t.done()
		unlock()
		return nil, err
	}
	p := t.producer()
	s := &Stream{prod: p, rec: t.rec, fail: func(err error) error { return err }, intr: p}
	s.close = func() {
		p.release()
		t.settle(p)
		c.debugTimings(t.rec.get())
		t.done()
		unlock()
	}
	if tr := traceOf(ctx); tr != nil {
		s.linger = tr.Linger
	}
	return s, nil
}

// streamWS is [Client.Stream] of a ws:// or wss:// request: a WebSocket
// of the stream's own, opened with the request's headers, the request's
// body (if any) sent as its first message, closed with the stream.
func (c *Client) streamWS(ctx context.Context, req *http.Request) (*Stream, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, MaxEventSize))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	ctx, done := c.whole(ctx)
	rec := newRecorder()
	conn, _, err := c.dialWS(ctx, req, rec)
	if err != nil {
		done()
		return nil, err
	}
	turn := conn.begin()
	if len(body) > 0 {
		if err := conn.write(ctx, body); err != nil {
			conn.shut(nil)
			done()
			return nil, err
		}
	}
	p := &wsProducer{conn: conn, turn: turn, ctx: ctx, c: c, rec: rec, sec: requestSecrets(req), tr: traceOf(ctx),
		dec: &wsDetector{}}
	if isResponsesCreate(body) {
		p.dec, p.closeOnly = &responsesDecoder{}, true
	}
	s := &Stream{prod: p, rec: rec, fail: func(err error) error { return err }, intr: p}
	s.close = func() {
		p.release()
		conn.close()
		c.debugTimings(rec.get())
		done()
	}
	if tr := traceOf(ctx); tr != nil {
		s.linger = tr.Linger
	}
	return s, nil
}
