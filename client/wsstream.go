package client

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// wsProducer is the producer of an answer that arrives over a WebSocket:
// each text message is a frame, fed to the dialect's decoder as an SSE
// frame is, so the answer's events are the same whichever transport
// carried it. It reads the messages its turn receives (see [wsConn]),
// watches the idle timeout (messages and pongs count) and the request's
// context, and carries out an interrupt.
//
// Invariants:
//   - After interrupt, no text, reasoning or tool event is yielded: the
//     stream ends with a *StopError once the server's acknowledgement
//     (any terminal event) arrives, or once the socket is closed for
//     want of one.
//   - ended is set only by a terminal event: the server has finished the
//     answer, so the connection may carry the next turn.
type wsProducer struct {
	conn *wsConn
	turn *wsTurn
	ctx  context.Context // the turn's: the caller's, and the total timeout
	c    *Client
	rec  *recorder
	dec  decoder
	sec  secrets
	tr   *Trace
	// closeOnly: the protocol has no interrupt message (the Responses
	// API's WebSocket mode), so an interrupt closes the socket.
	closeOnly bool
	// redo, when set, answers a failure before the answer's first event
	// by sending the turn again on a new connection: it returns the new
	// connection and turn, or false when it cannot (see wsSession).
	redo  func(data []byte, closed error) (*wsConn, *wsTurn, bool)
	began bool // an event of the answer arrived, so nothing is sent again

	ended    atomic.Bool
	stopping atomic.Bool
	mu       sync.Mutex
	stop     StopError   // the interrupt under way, while stopping
	timer    *time.Timer // closes the socket when no acknowledgement comes
	window   time.Time   // the end of the interrupt's wait: until then, what arrives is the stopped answer's
	released bool

	// onEvent sees each event of the answer (the session notes the
	// Responses API's response id).
	onEvent func(Event)
}

// next reads the next message and decodes it.
func (p *wsProducer) next(dst []Event) ([]Event, error) {
	m, err := p.receive()
	if err != nil {
		return dst, err
	}
	at := p.rec.since()
	p.rec.firstByte()
	if p.tr != nil && p.tr.Read != nil {
		if terr := p.tr.Read(len(m.data), at); terr != nil {
			p.conn.kill(nil)
			return dst, &traceStop{terr}
		}
	}
	f := Frame{Event: "message", Data: string(m.data)}
	if p.tr != nil && p.tr.Frame != nil {
		tf := f
		tf.Data = p.sec.scrub(tf.Data)
		p.tr.Frame(tf, at)
	}
	if m.binary {
		return dst, &NotAStreamError{What: "a binary WebSocket message", Excerpt: string(trimPartialRune(m.data[:min(len(m.data), 80)]))}
	}
	if !p.began && p.redo != nil && retryableResponsesError(m.data) && p.again(m.data, nil) {
		return dst, nil // the turn was sent again: its answer follows
	}
	n := len(dst)
	dst, err = p.dec.decode(dst, f)
	p.sec.scrubEvents(dst[n:])
	if err != nil {
		return dst, p.sec.scrubError(err)
	}
	return p.after(dst, n, m.at)
}

// after notes the events of one message and, while an interrupt is
// under way, drops them until its acknowledgement.
func (p *wsProducer) after(dst []Event, n int, at time.Time) ([]Event, error) {
	for _, ev := range dst[n:] {
		p.began = true
		if ev.terminal() {
			p.ended.Store(true)
		}
		if p.onEvent != nil {
			p.onEvent(ev)
		}
	}
	if !p.stopping.Load() {
		return dst, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range dst[n:] {
		switch {
		case ev.Kind != KindText && ev.Kind != KindThinking:
		case p.stop.How == StopInterrupted:
			p.stop.Late++ // read by a trace's linger, after the acknowledgement
			p.stop.Last = p.rec.at(at)
		default:
			p.stop.Dropped++
			p.stop.Last = p.rec.at(at)
		}
	}
	if !p.ended.Load() || p.stop.How == StopInterrupted {
		return dst[:n], nil
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.stop.How, p.stop.Ack = StopInterrupted, p.rec.at(at)
	// The stream's error is the producer's own record, so that what a
	// trace's linger reads after it (Late) is counted there too; nothing
	// writes it but this goroutine from now on.
	return dst[:n], &p.stop
}

// receive waits for the turn's next message, the socket's close, the
// context's end or the idle timeout. The idle clock runs from the last
// message or pong, or from the start of the wait if that is later: a
// caller that paused between messages (a chat suspended while the user's
// editor runs) is not a server gone quiet.
func (p *wsProducer) receive() (wsMsg, error) {
	var idle <-chan time.Time
	waiting := time.Now()
	if d := p.c.cfg.IdleTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		idle = t.C
	}
	for {
		select {
		case m := <-p.turn.in:
			return m, nil
		case <-p.conn.closed:
			select {
			case m := <-p.turn.in: // what arrived before the close comes first
				return m, nil
			default:
			}
			if err := p.closed(); err != nil {
				return wsMsg{}, err
			}
			// sent again on a new connection: read on there
		case <-p.turn.gone:
			return wsMsg{}, errClosed // released: a trace's linger ran out
		case <-p.ctx.Done():
			if p.isReleased() {
				return wsMsg{}, errClosed
			}
			p.conn.kill(nil)
			return wsMsg{}, p.c.explain(p.ctx, p.ctx.Err())
		case <-idle:
			if left := time.Until(later(p.conn.lastSeen(), waiting).Add(p.c.cfg.IdleTimeout)); left > 0 {
				idle = time.After(left) // a pong came meanwhile
				continue
			}
			p.conn.kill(nil)
			return wsMsg{}, &TimeoutError{Idle: true, After: p.c.cfg.IdleTimeout}
		}
	}
}

// closed is the error for a socket that closed under the turn.
func (p *wsProducer) closed() error {
	if p.stopping.Load() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.stop.How = StopClosed
		e := p.stop
		return &e
	}
	err := closeError(p.conn.err)
	if !p.began && p.redo != nil && p.again(nil, err) {
		return nil // the turn was sent again: its answer follows
	}
	if errors.Is(err, errWSClosed) {
		// A normal close is the body's end: the dialect's rule says
		// whether the answer was whole (plain text) or cut off.
		return io.EOF
	}
	return p.sec.scrubError(err)
}

// again sends the turn once more on a new connection, after the server
// refused it (data, its error message) or closed the socket (closed)
// before the answer began. It reports whether it did; it tries once.
func (p *wsProducer) again(data []byte, closed error) bool {
	redo := p.redo
	p.redo = nil
	conn, turn, ok := redo(data, closed)
	if ok {
		p.conn, p.turn = conn, turn
	}
	return ok
}

// interrupt stops the answer: it sends the protocol's interrupt (or, for
// a protocol without one, closes the socket), drops what arrives from
// now on, and closes the socket if no acknowledgement comes within wait.
func (p *wsProducer) interrupt(wait time.Duration) {
	p.mu.Lock()
	if p.released || p.ended.Load() || p.stopping.Load() {
		p.mu.Unlock()
		return
	}
	p.stop = StopError{At: p.rec.since()}
	p.window = time.Now().Add(wait)
	p.stopping.Store(true)
	if p.closeOnly || wait <= 0 {
		p.mu.Unlock()
		p.conn.kill(nil)
		return
	}
	conn := p.conn
	p.timer = time.AfterFunc(wait, func() { conn.kill(nil) })
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn.write(ctx, []byte(`{"type":"interrupt"}`)) // a failed write closes the socket
}

// release ends the turn. A turn whose answer did not end (the caller
// stopped reading, or the stream broke) leaves the server mid-answer, so
// its socket is closed: the next turn dials a new one.
func (p *wsProducer) release() {
	p.mu.Lock()
	p.released = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
	p.conn.finish(p.turn)
	if !p.ended.Load() {
		p.conn.kill(nil)
	}
}

func (p *wsProducer) isReleased() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.released
}

// end: the dialect's rule at the body's end.
func (p *wsProducer) end() []Event {
	evs := p.dec.end()
	p.sec.scrubEvents(evs)
	return evs
}

func (p *wsProducer) dialect() Dialect {
	switch d := p.dec.(type) {
	case *responsesDecoder:
		return DialectOpenAIResponses
	case interface{ dialect() Dialect }:
		return d.dialect()
	}
	return ""
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
