package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// wsConn is one WebSocket connection.
type wsConn struct {
	s     *Server
	conn  *websocket.Conn
	ctx   context.Context // done when the connection has ended
	path  string
	sc    Scenario
	id    int
	proto wsProtocol
	turns chan *wsTurn // the turn to answer next
	last  *wsTurn      // the latest turn handed over: the reader's only
	n     int          // turns begun: the handler's only
}

// wsTurn is a turn the client asked for, and its interrupt.
type wsTurn struct {
	msg  any
	stop chan struct{} // closed by the client's interrupt
	at   time.Time     // when it came; written before stop is closed
}

// serve answers the connection's turns until the client goes, the
// server shuts down, or the connection's lifetime (max-conn) is over. A
// turn in progress is never cut short by the lifetime; a shutdown ends it
// with the dialect's error event.
func (c *wsConn) serve() {
	var life <-chan struct{} // closed when the lifetime is over
	if c.sc.MaxConn > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), c.sc.MaxConn)
		defer cancel()
		life = ctx.Done()
	}
	for !c.over(life) {
		select {
		case <-c.ctx.Done():
		case <-c.s.shutdown:
		case <-life:
		case t := <-c.turns:
			c.answer(t)
		}
	}
}

// over reports whether the connection is over, and closes it when the
// server shuts down or its lifetime is over: those come before a turn
// that waits.
func (c *wsConn) over(life <-chan struct{}) bool {
	select {
	case <-c.ctx.Done():
		return true
	case <-c.s.shutdown:
		c.conn.Close(websocket.StatusGoingAway, "the server is shutting down")
		return true
	case <-life:
		if msg := c.proto.expired(); msg != "" {
			c.send(msg)
		}
		c.conn.Close(websocket.StatusNormalClosure, "the connection's lifetime of "+c.sc.MaxConn.String()+" is over (scenario max-conn): reconnect")
		return true
	default:
		return false
	}
}

// read parses the client's messages until the connection ends.
func (c *wsConn) read() {
	for {
		_, data, err := c.conn.Read(c.ctx)
		if err != nil {
			return
		}
		msg, interrupt, e := c.proto.read(data)
		switch {
		case e != nil:
			c.send(c.proto.errorMessage(e))
		case interrupt:
			c.interrupt()
		default:
			c.handOver(msg)
		}
	}
}

// handOver gives a turn to the handler, which answers it after the one
// in progress, if any; a third is refused.
func (c *wsConn) handOver(msg any) {
	t := &wsTurn{msg: msg, stop: make(chan struct{})}
	select {
	case c.turns <- t:
		c.last = t
	default:
		c.send(c.proto.errorMessage(&apiError{http.StatusConflict, "invalid_request_error",
			"an answer is still streaming and another waits: interrupt it, or wait for its end"}))
	}
}

// interrupt stops the latest turn the client asked for: the one in
// progress, or the one waiting. One for a turn that has ended is ignored.
func (c *wsConn) interrupt() {
	t := c.last
	if t == nil || t.arrived() {
		return
	}
	t.at = time.Now()
	close(t.stop)
}

func (t *wsTurn) arrived() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

// send writes a message outside of an answer (the reader's errors).
func (c *wsConn) send(msg string) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.s.cfg.WriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, []byte(msg))
}

// answer answers a turn, as a record of its own.
func (c *wsConn) answer(t *wsTurn) {
	c.n++
	started := time.Now()
	ws := &WSTurn{Connection: c.id, Turn: c.n, Reused: c.n > 1}
	rec := c.s.stats.start(Record{Method: http.MethodGet, Path: c.path, Dialect: c.proto.name(), Scenario: c.sc.String(),
		Status: http.StatusSwitchingProtocols, Started: started, WS: ws})
	req, enc, note, e := c.proto.begin(t.msg)
	c.s.stats.update(rec, func(rec *Record) {
		for _, m := range req.messages {
			rec.WS.Roles = append(rec.WS.Roles, m.Role)
		}
		rec.WS.ResponseID, rec.WS.PreviousResponseID, rec.WS.InputItems = note.ResponseID, note.PreviousResponseID, note.InputItems
	})
	if e != nil {
		c.send(c.proto.errorMessage(e))
		c.s.stats.update(rec, func(rec *Record) {
			rec.End, rec.Error, rec.EndedMS = EndRejected, e.message, millis(time.Since(started))
		})
		return
	}
	p := newPlan(req, c.sc, c.proto.serverTools())
	c.s.stats.update(rec, func(rec *Record) { rec.TokensPlanned = p.tokens })
	out := &wsFrames{c: c}
	tap := &textTap{encoder: enc}
	ru := &run{ctx: c.ctx, shutdown: c.s.shutdown, sc: c.sc, plan: p, enc: tap, fw: out, stats: &c.s.stats, rec: rec,
		started: started, keep: c.s.sessions.keeper(c.ctx, ""), input: promptTokens(req), intr: c.interruptOf(t, out)}
	end := ru.play(0)
	c.s.stats.update(rec, func(rec *Record) {
		rec.End, rec.EndedMS, rec.TokensAfterDisconnect = end, millis(time.Since(started)), ru.after
		rec.WS.TokensAfterInterrupt = ru.afterInterrupt
	})
	c.proto.end(req, tap.sent.String(), end)
}

// interruptOf is the turn's interrupt, nil for a protocol without one.
func (c *wsConn) interruptOf(t *wsTurn, out *wsFrames) *interrupt {
	ack := c.proto.ack()
	if ack == "" {
		return nil
	}
	return &interrupt{stop: t.stop, at: &t.at, noAck: c.sc.NoAck, late: c.sc.Late,
		ack: func() error { return out.frame("", "", ack) }}
}

// wsFrames writes an answer's frames to a WebSocket, one text message
// each; it keeps its first error, as [frames] do. The SSE-only fields
// (retry, heartbeat comments) are not sent: the library answers pings.
type wsFrames struct {
	c   *wsConn
	err error
}

func (f *wsFrames) frame(_, _, data string) error {
	if f.err == nil {
		f.err = f.c.send(data)
	}
	return f.err
}

func (f *wsFrames) retry(time.Duration) error { return f.err }
func (f *wsFrames) comment(string) error      { return f.err }
func (f *wsFrames) close() error              { return f.err }

// drop closes the TCP connection with no close frame.
func (f *wsFrames) drop() {
	f.c.conn.CloseNow()
	f.err = errors.New("dropped")
}

// textTap keeps the text an encoder wrote, for the conversation.
type textTap struct {
	encoder
	sent strings.Builder
}

func (t *textTap) text(fw frames, text string, index int) error {
	err := t.encoder.text(fw, text, index)
	if err == nil {
		t.sent.WriteString(text)
	}
	return err
}
