package client

import (
	"context"
	"time"
)

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
	if conn := ses.current(); conn != nil {
		responses := t.e.Provider != ""
		fresh := !responses || time.Since(conn.opened) < responsesLifetime
		if fresh && ses.follows(t.msgs) && (!responses || ses.respID != "") {
			if err := t.settleWindow(); err != nil {
				return err
			}
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
