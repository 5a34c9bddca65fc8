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

func (ses *wsSession) current() *wsConn {
	ses.mu.Lock()
	defer ses.mu.Unlock()
	if ses.conn != nil && !ses.conn.alive() {
		go ses.conn.close() // its goroutines are ending: only wait for them aside
		ses.conn = nil
	}
	return ses.conn
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
	msgs = tidy(msgs)
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

// wsTurnSend is one turn of a session being asked.
type wsTurnSend struct {
	c    *Client
	e    Endpoint
	ses  *wsSession
	msgs []Message
	rec  *recorder
	ctx  context.Context
	done func()

	conn    *wsConn
	turn    *wsTurn
	reused  bool   // the turn went out on the session's open connection
	chained bool   // and sent only the new question
	respID  string // the Responses API's response, once it began
	doneID  string // and once it completed
}

// send asks the question: on the open connection when the turn follows
// what it holds, else (or when that connection turns out dead) on a new
// one, with the whole conversation.
func (t *wsTurnSend) send() error {
	ses := t.ses
	if err := t.settleWindow(); err != nil {
		return err
	}
	if conn := ses.current(); conn != nil {
		responses := t.e.Provider != ""
		fresh := !responses || time.Since(conn.opened) < responsesLifetime
		if fresh && ses.follows(t.msgs) && (!responses || ses.respID != "") {
			if t.write(conn, true) == nil {
				t.reused = true
				return nil
			}
		}
		if !responses || !fresh {
			ses.setConn(nil) // the server holds another conversation there
		} else if t.write(conn, false) == nil {
			t.reused = true // a new chain on the same connection
			return nil
		}
	}
	ses.setConn(nil)
	ses.held, ses.respID = nil, ""
	return t.dial()
}

// settleWindow waits for the end of the last interrupt's window.
func (t *wsTurnSend) settleWindow() error {
	d := time.Until(t.ses.quiet)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-t.ctx.Done():
		return t.c.explain(t.ctx, context.Cause(t.ctx))
	}
}

// write sends the turn's message on conn, chained or whole.
func (t *wsTurnSend) write(conn *wsConn, chained bool) error {
	body, err := t.e.firstMessage(t.msgs, chained, t.ses.respID)
	if err != nil {
		return err
	}
	turn := conn.begin()
	if err := conn.write(t.ctx, body); err != nil {
		conn.finish(turn)
		return err
	}
	t.conn, t.turn, t.chained = conn, turn, chained
	return nil
}

// dial opens a new connection and sends the whole conversation on it.
func (t *wsTurnSend) dial() error {
	req, err := t.e.upgradeRequest(t.ctx, nil)
	if err != nil {
		return err
	}
	conn, _, err := t.c.dialWS(t.ctx, req, t.rec)
	if err != nil {
		return err
	}
	t.ses.setConn(conn)
	if err := t.write(conn, false); err != nil {
		t.ses.setConn(nil)
		return err
	}
	return nil
}

// producer reads the turn's answer.
func (t *wsTurnSend) producer() *wsProducer {
	req, _ := t.e.upgradeRequest(t.ctx, nil)
	p := &wsProducer{conn: t.conn, turn: t.turn, ctx: t.ctx, c: t.c, rec: t.rec, sec: requestSecrets(req),
		tr: traceOf(t.ctx)}
	if t.e.Provider != "" {
		p.dec, p.closeOnly = &responsesDecoder{}, true
		p.onEvent = t.note
	} else {
		p.dec = &wsDetector{}
	}
	if t.reused {
		p.redo = t.redo
	}
	return p
}

// note keeps the Responses API's response id, to chain the next turn.
func (t *wsTurnSend) note(ev Event) {
	switch ev.Kind {
	case KindStart:
		t.respID = ev.MessageID
	case KindDone:
		t.doneID = t.respID
	}
}

// redo sends the turn again, whole, on a new connection, when the open
// one failed it before its answer began: it closed (it may have died
// between turns, or reached the Responses API's 60 minutes), or the
// server no longer knew the response the turn followed.
func (t *wsTurnSend) redo(_ []byte, _ error) (*wsConn, *wsTurn, bool) {
	t.conn.finish(t.turn)
	t.ses.setConn(nil)
	t.ses.held, t.ses.respID = nil, ""
	t.reused = false
	if err := t.dial(); err != nil {
		return nil, nil, false
	}
	return t.conn, t.turn, true
}

// settle records what the server holds after the turn: the conversation
// and a stand-in for its answer when the answer ended on a connection
// still open, else nothing (the next turn dials again).
func (t *wsTurnSend) settle(p *wsProducer) {
	ses := t.ses
	if !p.ended.Load() || !p.conn.alive() {
		ses.setConn(nil)
		ses.held, ses.respID = nil, ""
		return
	}
	ses.held = append(t.msgs[:len(t.msgs):len(t.msgs)], Message{Role: "assistant"})
	ses.respID = t.doneID
	if p.stopping.Load() {
		ses.quiet = p.window
	}
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
