package server

import (
	"context"
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

// serveWS upgrades a request to a WebSocket and serves the connection
// until either side closes it or the server shuts down.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, rt wsRoute) {
	sc, e := s.checkUpgrade(r, rt)
	if e != nil {
		rec := s.stats.start(Record{Method: r.Method, Path: r.URL.Path, Dialect: rt.proto().name(), Scenario: sc.String(), Started: time.Now()})
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
