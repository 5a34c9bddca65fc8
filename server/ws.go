package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket transport. A connection speaks one protocol ([wsProtocol]):
// the seed's chat protocol at GET /api/chat/ws ([wsChat]) or OpenAI's
// Responses WebSocket mode at GET /v1/responses ([wsResponses]). Each turn
// is answered by the scripted model through the same plan, run and
// encoders as over SSE, written one frame per text message ([wsFrames]).
//
// Two goroutines serve a connection: the handler's, which answers its
// turns one at a time, and a reader, which parses the client's messages,
// hands turns over (one may wait while another is answered; more are
// refused), answers bad messages, and delivers interrupts to the turn they
// follow. The reader ends when the connection does, and the handler waits
// for it.

// Bounds of a WebSocket connection: a client message is bounded as a POST
// body is, and a connection's history (maxHistory messages, maxHistoryText
// bytes of text, the oldest dropped first) as tok's protocol bounds one
// request's conversation.
const (
	maxWSMessage   = maxBody
	maxHistory     = 200
	maxHistoryText = maxBody
)

// wsProtocol is what differs between the protocols a WebSocket speaks.
// One serves one connection and holds its conversation; its methods are
// called from the handler's goroutine, except read, which the reader
// calls and which must not touch the conversation.
type wsProtocol interface {
	// name is the dialect of the connection's records.
	name() string
	// read parses a client message: a turn to answer (in the protocol's
	// own form), an interrupt, or an error to answer it with.
	read(data []byte) (turn any, interrupt bool, e *apiError)
	// begin makes the request a turn asks for, with the conversation
	// so far, and its encoder; note has the protocol's own fields of the
	// turn's record (the Responses mode's).
	begin(turn any) (req chatRequest, enc encoder, note WSTurn, e *apiError)
	// end keeps the answer in the conversation: the text sent and how
	// the answer ended.
	end(req chatRequest, text, how string)
	// errorMessage is the message that answers e.
	errorMessage(e *apiError) string
	// ack acknowledges an interrupt: "" when the protocol has none.
	ack() string
	// expired is sent when the connection's lifetime (max-conn) is over,
	// before it closes: "" for nothing.
	expired() string
	// serverTools: the plan carries on after a tool call.
	serverTools() bool
}

// wsRoute is a WebSocket endpoint: its protocol, and the dialect whose
// JSON errors refuse an upgrade.
type wsRoute struct {
	pattern, doc string
	dialect      *dialect
	proto        func() wsProtocol
	// check refuses an upgrade the API would refuse (a missing key).
	check func(r *http.Request) *apiError
}

func (s *Server) wsRoutes() []wsRoute {
	return []wsRoute{
		{"GET /api/chat/ws", "the seed's chat protocol over a WebSocket", tokDialect,
			func() wsProtocol { return &wsChat{} }, func(*http.Request) *apiError { return nil }},
		{"GET /v1/responses", "OpenAI Responses, WebSocket mode", responsesDialect,
			func() wsProtocol { return &wsResponses{} }, responsesKey},
	}
}

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

// serveWS upgrades a request to a WebSocket and serves the connection
// until either side closes it or the server shuts down.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, rt wsRoute) {
	sc, e := s.checkUpgrade(r, rt)
	if e != nil {
		rec := s.stats.start(Record{Method: r.Method, Path: r.URL.Path, Dialect: rt.dialect.name, Scenario: sc.String(), Started: time.Now()})
		s.reject(w, rt.dialect, rec, e, sc)
		return
	}
	conn, err := websocket.Accept(w, r, s.acceptOptions())
	if err != nil {
		s.log.Printf("refused %s %s from %s: %v", r.Method, quote(r.URL.Path), r.RemoteAddr, err)
		return // Accept has answered
	}
	id := s.ws.add()
	defer s.ws.done()
	conn.SetReadLimit(maxWSMessage)
	ctx, cancel := context.WithCancel(context.Background()) // not r's: the connection is hijacked
	defer cancel()
	c := &wsConn{s: s, conn: conn, ctx: ctx, path: r.URL.Path, sc: sc, id: id,
		proto: rt.proto(), turns: make(chan *wsTurn, 1)}
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer cancel()
		c.read()
	}()
	c.serve()
	conn.CloseNow() // a no-op after a close handshake; ends the reader
	<-read
}

// checkUpgrade checks an upgrade as a POST is checked: the scenario, the
// API's own check, a scripted status, and that it is one.
func (s *Server) checkUpgrade(r *http.Request, rt wsRoute) (Scenario, *apiError) {
	sc, err := scenarioOf(r, "X-Tok-Scenario", "X-Rig-Scenario")
	switch {
	case err != nil:
		e := &apiError{http.StatusBadRequest, "invalid_request_error", err.Error()}
		s.logRefusal(r, e)
		return sc, e
	case s.cfg.Upstream != nil:
		return sc, &apiError{http.StatusNotImplemented, "api_error", "tok serve --provider relays the SSE endpoints only; " +
			r.URL.Path + " answers with the demo model in a tok serve without --provider"}
	case !isUpgrade(r):
		return sc, &apiError{http.StatusUpgradeRequired, "invalid_request_error", "GET " + r.URL.Path +
			" is a WebSocket endpoint: open a WebSocket (ws://" + r.Host + r.URL.Path + ")" + postInstead(r.URL.Path)}
	}
	if e := rt.check(r); e != nil {
		return sc, e
	}
	if sc.Status != 0 {
		return sc, &apiError{sc.Status, statusKind(sc.Status), "scripted status " + http.StatusText(sc.Status) + " (scenario status=" + itoa(sc.Status) + ")"}
	}
	return sc, nil
}

// wsBase is base (http://host:port) as a WebSocket URL's.
func wsBase(base string) string {
	if rest, ok := strings.CutPrefix(base, "http"); ok {
		return "ws" + rest
	}
	return base
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func postInstead(path string) string {
	if path == "/v1/responses" {
		return ", or POST to stream the answer over SSE"
	}
	return ""
}

// acceptOptions let in the web pages the guard lets in. The guard has
// refused other origins already; this says the same to the library,
// which would otherwise refuse every cross-origin page.
func (s *Server) acceptOptions() *websocket.AcceptOptions {
	if s.guard.allows("*") {
		return &websocket.AcceptOptions{InsecureSkipVerify: true}
	}
	return &websocket.AcceptOptions{OriginPatterns: s.guard.origins}
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

// Wait waits until every WebSocket connection has closed, or ctx is
// done. http.Server.Shutdown does not wait for them (they are hijacked):
// call it after [Server.Shutdown], which closes them.
func (s *Server) Wait(ctx context.Context) error {
	s.ws.mu.Lock()
	idle, open := s.ws.idle, s.ws.open
	s.ws.mu.Unlock()
	if open == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wsConns counts the open connections and numbers them.
type wsConns struct {
	mu   sync.Mutex
	open int
	idle chan struct{} // closed while none is open
	next int
}

// add counts a new connection and returns its number.
func (w *wsConns) add() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.open == 0 {
		w.idle = make(chan struct{})
	}
	w.open++
	w.next++
	return w.next
}

func (w *wsConns) done() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open--
	if w.open == 0 {
		close(w.idle)
	}
}
