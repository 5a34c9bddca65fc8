package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// DefaultPingInterval is the keepalive of a WebSocket when [Config]
// names none: a ping every 20 s, which keeps NATs and proxies from
// dropping a chat's connection while the user types.
const DefaultPingInterval = 20 * time.Second

// wsConn is one WebSocket connection. Its reader goroutine reads every
// message as it arrives and hands it to the turn in flight, or drops it
// when there is none (a token a server sends after acknowledging an
// interrupt), so the connection answers pings and notices a close even
// between turns; its pinger keeps it alive.
//
// Invariants:
//   - Only the reader goroutine reads; writes (a turn's message, an
//     interrupt, pings) may come from any goroutine, as coder/websocket
//     allows.
//   - A message goes to the turn that was in flight when it arrived, or
//     nowhere: it is never kept for a later turn.
//   - closed is closed once, after err is set, when the reader ends;
//     close and kill may be called any number of times, from anywhere.
type wsConn struct {
	ws     *websocket.Conn
	opened time.Time
	life   context.Context // cancelled by close and shut: the goroutines end
	cancel context.CancelFunc
	once   sync.Once
	wg     sync.WaitGroup
	closed chan struct{} // the reader ended: the socket is gone
	err    error         // why, once closed is

	seen atomic.Int64 // when a message or pong last arrived, in UnixNano

	mu    sync.Mutex
	turn  *wsTurn
	cause error // what kill was told, to report instead of the read error
}

// wsTurn receives the messages of one answer.
type wsTurn struct {
	in   chan wsMsg
	gone chan struct{} // closed when the turn ends: nothing more is sent to in
}

// wsMsg is one message as the reader received it.
type wsMsg struct {
	data   []byte
	binary bool
	at     time.Time
}

// turnBuffer is how many messages wait for a reader that is slower than
// the socket, before the socket waits too.
const turnBuffer = 64

func (w *wsConn) touch() { w.seen.Store(time.Now().UnixNano()) }

// lastSeen is when a message or a pong last arrived.
func (w *wsConn) lastSeen() time.Time { return time.Unix(0, w.seen.Load()) }

// alive reports whether the socket is still open.
func (w *wsConn) alive() bool {
	select {
	case <-w.closed:
		return false
	default:
		return true
	}
}

// read is the reader goroutine.
func (w *wsConn) read() {
	defer w.wg.Done()
	for {
		typ, b, err := w.ws.Read(w.life)
		if err != nil {
			w.end(err)
			return
		}
		w.touch()
		w.deliver(wsMsg{data: b, binary: typ == websocket.MessageBinary, at: time.Now()})
	}
}

// deliver hands m to the turn in flight, if any.
func (w *wsConn) deliver(m wsMsg) {
	w.mu.Lock()
	t := w.turn
	w.mu.Unlock()
	if t == nil {
		return
	}
	select {
	case t.in <- m:
	case <-t.gone:
	case <-w.life.Done():
	}
}

// end records why the reader stopped and closes the socket.
func (w *wsConn) end(err error) {
	w.mu.Lock()
	if w.cause != nil {
		err = w.cause
	}
	w.err = err
	w.mu.Unlock()
	w.ws.CloseNow()
	close(w.closed)
}

// ping sends a ping every interval. A pong, like any message, counts as
// life for the idle timeout. Between turns a ping left unanswered for an
// interval closes the socket, so the next turn dials a live one; during
// a turn the idle timeout judges (a reader slower than the socket also
// delays pongs).
func (w *wsConn) ping(every time.Duration) {
	defer w.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.life.Done():
			return
		case <-w.closed:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(w.life, every)
		err := w.ws.Ping(ctx)
		cancel()
		switch {
		case err == nil:
			w.touch()
		case w.life.Err() != nil:
			return
		case !w.inTurn():
			w.kill(errNoPong)
			return
		}
	}
}

var errNoPong = errors.New("the server stopped answering pings")

func (w *wsConn) inTurn() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.turn != nil
}

// begin makes t the turn that receives messages.
func (w *wsConn) begin() *wsTurn {
	t := &wsTurn{in: make(chan wsMsg, turnBuffer), gone: make(chan struct{})}
	w.mu.Lock()
	w.turn = t
	w.mu.Unlock()
	return t
}

// finish ends t: messages from now on are dropped.
func (w *wsConn) finish(t *wsTurn) {
	w.mu.Lock()
	if w.turn == t {
		w.turn = nil
	}
	w.mu.Unlock()
	close(t.gone)
}

// write sends one text message.
func (w *wsConn) write(ctx context.Context, b []byte) error {
	if err := w.ws.Write(ctx, websocket.MessageText, b); err != nil {
		w.kill(nil)
		return fmt.Errorf("send on the WebSocket: %w", w.reason(err))
	}
	return nil
}

// reason is the error to report for err, a failed read or write: the
// cause kill was given, else err.
func (w *wsConn) reason(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cause != nil {
		return w.cause
	}
	return err
}

// kill closes the socket at once, without the closing handshake; cause,
// when not nil, is what the turn reading it is told.
func (w *wsConn) kill(cause error) {
	w.mu.Lock()
	if w.cause == nil {
		w.cause = cause
	}
	w.mu.Unlock()
	w.ws.CloseNow()
}

// close closes the socket, politely when it can (a close frame, a second
// for the server's), and waits for the goroutines.
func (w *wsConn) close() {
	w.once.Do(func() {
		if w.alive() {
			done := make(chan struct{})
			go func() {
				defer close(done)
				w.ws.Close(websocket.StatusNormalClosure, "")
			}()
			select {
			case <-done:
			case <-time.After(time.Second):
				w.ws.CloseNow()
				<-done
			}
		}
		w.cancel()
		w.ws.CloseNow()
		w.wg.Wait()
	})
}

// shut closes the socket at once and waits for the goroutines.
func (w *wsConn) shut(cause error) {
	w.kill(cause)
	w.once.Do(func() {
		w.cancel()
		w.wg.Wait()
	})
}
