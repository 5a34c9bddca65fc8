// Package server is tok's reference streaming server: the demo model
// behind every dialect tok reads (tok's protocol, Anthropic Messages,
// OpenAI Chat Completions and Responses, Gemini, the Vercel AI SDK UI
// stream), with per-request fault knobs, transcript replay, resume, and a
// disconnect that stops generation at once.
//
// Two endpoints speak WebSocket, with the same knobs (in X-Tok-Scenario or
// X-Rig-Scenario on the upgrade, or ?scenario=) and a record per turn in
// /_stats ([WSTurn]). GET /api/chat/ws speaks the seed's chat protocol, a
// JSON object per text message; the connection keeps the conversation
// across turns:
//
//	client → {"type":"message","content":"…"}            a turn
//	client → {"type":"message","content":"…","messages":[{"role":"user","content":"…"},…]}
//	                                                      a turn that replaces the history (after a reconnect)
//	client → {"type":"interrupt"}                        stop the answer before its next token
//	server → {"type":"token","content":"…"}              …
//	server → {"type":"stream_end","interrupted":false}   the end; interrupted:true acknowledges an interrupt
//	server → {"type":"error","message":"…"}              a failed answer or a refused message
//
// The knobs no-ack (no acknowledgement, the answer goes on) and late=N (N
// tokens after it) break the interrupt on purpose. GET /v1/responses
// upgraded is OpenAI's Responses WebSocket mode: each turn a
// {"type":"response.create",…} with the fields of the POST body, answered
// with the same response.* events as over SSE, one per message; later
// turns send previous_response_id and only their new input (an unknown id
// is an error event, code previous_response_not_found); max-conn=MS
// emulates the service's 60-minute cap on a connection.
//
// It is what tok serve runs, and the fixture tok's own tests stream from:
//
//	srv := httptest.NewServer(server.New(server.Config{}))
//	defer srv.Close()
//	// POST srv.URL+"/api/chat/stream" with X-Tok-Scenario: tokens=20,interval=0
package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config configures a [Server]. The zero value serves every dialect with
// an in-memory resume store and no replay directory.
type Config struct {
	// ReplayDir holds NAME.sse transcripts served at /replay/NAME.
	ReplayDir string
	// Store keeps resumable sessions; nil is an in-memory store.
	Store SessionStore
	// Upstream, when set, answers every dialect route by relaying to an
	// LLM API instead of the scripted model; nil is the scripted model.
	Upstream *Upstream
	// CORS lists the web origins (scheme://host[:port]) whose pages may
	// call the server, "*" for any: they get CORS headers and preflights.
	// A request from any other page is refused (see [Server.ServeHTTP]).
	CORS []string
	// AllowHosts are Host names answered besides the loopback ones; when
	// set, the Host check applies to every connection, not only to those
	// to a loopback address.
	AllowHosts []string
	// BodyTimeout bounds the reading of a request's body, from the end of
	// its headers; 0 is [BodyTimeout].
	BodyTimeout time.Duration
	// WriteTimeout bounds each write of a stream, so that a client that
	// stops reading is let go; 0 is [WriteTimeout]. The stream itself may
	// run as long as it likes.
	WriteTimeout time.Duration
	// StoreTimeout bounds each call to the Store; 0 is [StoreTimeout].
	StoreTimeout time.Duration
	// Log, when set, gets a line per request refused by a guard or a
	// limit, and per outage of the Store.
	Log *log.Logger
	// Capacity, when set, makes the scripted model an inference server
	// with this many batch slots: beyond them requests queue, and every
	// stream's pace slows with the batch's size (see capacity.go's model).
	Capacity int
	// Pause, when set, stalls every stream once for this long, PauseAfter
	// after the first request arrived.
	Pause, PauseAfter time.Duration
}

// Server is an http.Handler. It is safe for concurrent use.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	guard    guard
	log      *log.Logger
	stats    statsLog
	sessions *sessions
	batch    *batch
	shutdown chan struct{}
	once     sync.Once
	ws       wsConns
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, mux: http.NewServeMux(), guard: newGuard(cfg.CORS, cfg.AllowHosts), log: cfg.Log, shutdown: make(chan struct{})}
	if s.log == nil {
		s.log = log.New(io.Discard, "", 0)
	}
	if s.cfg.BodyTimeout <= 0 {
		s.cfg.BodyTimeout = BodyTimeout
	}
	if s.cfg.WriteTimeout <= 0 {
		s.cfg.WriteTimeout = WriteTimeout
	}
	store := cfg.Store
	if store == nil {
		store = NewMemoryStore()
	}
	s.sessions = newSessions(store, cfg.StoreTimeout, s.log)
	s.batch = newBatch(cfg.Capacity, cfg.Pause, cfg.PauseAfter)
	for _, rt := range s.routes() {
		d := rt.dialect
		s.mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serveStream(w, r, d) })
	}
	for _, rt := range s.wsRoutes() {
		s.mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serveWS(w, r, rt) })
	}
	s.mux.HandleFunc("GET /replay/{name}", s.serveReplay)
	s.mux.HandleFunc("POST /replay/{name}", s.serveReplay) // tok --url posts a question: it is not read
	s.mux.HandleFunc("GET /_stats", s.serveStats)
	s.mux.HandleFunc("GET /_reset", func(w http.ResponseWriter, r *http.Request) { s.stats.reset(); w.WriteHeader(http.StatusNoContent) })
	s.mux.HandleFunc("GET /{$}", s.serveIndex)
	return s
}

type route struct {
	pattern, doc string
	dialect      *dialect
}

func (s *Server) routes() []route {
	return []route{
		{"POST /api/chat/stream", "tok's protocol", tokDialect},
		{"GET /api/chat/stream", "tok's protocol, ?q=PROMPT", tokDialect},
		{"POST /v1/messages", "Anthropic Messages", anthropicDialect},
		{"POST /v1/chat/completions", "OpenAI Chat Completions", openAIDialect},
		{"POST /v1/responses", "OpenAI Responses", responsesDialect},
		{"POST /v1beta/models/{action}", "Gemini …/MODEL:streamGenerateContent?alt=sse", geminiDialect},
		{"POST /api/chat", "Vercel AI SDK UI message stream", vercelDialect},
	}
}

// Endpoints lists what the server serves, as "METHOD PATH  what" lines
// under base, for tok serve to print on start.
func (s *Server) Endpoints(base string) []string {
	var out []string
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if path == "/v1beta/models/{action}" {
			path = "/v1beta/models/tok-demo:streamGenerateContent?alt=sse"
		}
		out = append(out, fmt.Sprintf("%-5s%s%s  (%s)", method, base, path, rt.doc))
	}
	for _, rt := range s.wsRoutes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		out = append(out, fmt.Sprintf("%-5s%s%s  (%s)", method, wsBase(base), path, rt.doc))
	}
	if s.cfg.ReplayDir != "" {
		out = append(out, "GET|POST "+base+"/replay/NAME  (transcripts in "+s.cfg.ReplayDir+")")
	}
	return append(out, "GET  "+base+"/_stats  (a JSON record per request, the last 1000)")
}

// ServeHTTP serves the routes, to the requests the guards let through:
//
//   - A connection to a loopback address is answered only for a loopback
//     Host (localhost, 127.0.0.1, [::1]) or one of [Config.AllowHosts]:
//     others are refused with 421, against DNS rebinding.
//   - A request from a web page (an Origin header, or Sec-Fetch-Site
//     cross-site or same-site) is answered only for an origin of
//     [Config.CORS]: others are refused with 403. Allowed origins get CORS
//     headers, and OPTIONS preflights are answered.
//   - A POST must carry Content-Type: application/json (415), a body of at
//     most 1 MiB (413), sent within [Config.BodyTimeout] (408).
//
// Each refusal is the endpoint's JSON error and a line in [Config.Log].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		// Cleared once the body is read, so that a stream can run long.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	}
	if e := s.guard.check(r); e != nil {
		s.refuse(w, r, e)
		return
	}
	if r.Method == http.MethodOptions {
		s.guard.preflight(w, r)
		return
	}
	s.guard.cors(w.Header(), r)
	s.mux.ServeHTTP(w, r)
}

// Shutdown asks open streams to end with the dialect's error event, or,
// for a resumable session (tok's protocol with a sessionId), to close with
// an SSE retry field and no terminal event, so the client reconnects and
// resumes from the store: this server restarted, or another sharing its
// Redis. Call it before http.Server.Shutdown, which waits for them.
func (s *Server) Shutdown() { s.once.Do(func() { close(s.shutdown) }) }

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, d *dialect) {
	rec := s.stats.start(Record{Method: r.Method, Path: r.URL.Path, Dialect: d.name, Started: time.Now()})
	started := time.Now()
	s.batch.arrive(started)
	defer func() {
		s.stats.update(rec, func(rec *Record) {
			if rec.End == EndRunning {
				rec.End = EndClientDisconnect
			}
			rec.EndedMS = millis(time.Since(started))
		})
	}()
	req, sc, apiErr := s.parse(w, r, d)
	s.stats.update(rec, func(rec *Record) {
		rec.Scenario, rec.SessionID, rec.ResumeFrom, rec.LastEventID = sc.String(), req.sessionID, req.resumeFrom, req.lastEventID
	})
	if apiErr != nil {
		s.reject(w, d, rec, apiErr, sc)
		return
	}
	stored, done, apiErr := s.resume(r, req)
	if apiErr != nil {
		s.reject(w, d, rec, apiErr, sc)
		return
	}
	if s.cfg.Upstream != nil {
		s.relay(w, r, &relay{d: d, req: req, sc: sc, rec: rec, started: started, stored: stored, storedDone: done})
		return
	}
	p := newPlan(req, sc, d.serverTools)
	s.stats.update(rec, func(rec *Record) { rec.TokensPlanned, rec.Status = p.tokens, http.StatusOK })
	streamHeaders(w.Header())
	if d.header != nil {
		d.header(w.Header())
	}
	enc, session := d.newEncoder(req), req.sessionID
	if te, ok := enc.(*tokEncoder); ok {
		te.noIndex = sc.NoIndex
	}
	if sc.Forget {
		session = ""
	}
	ru := &run{ctx: r.Context(), shutdown: s.shutdown, sc: sc, plan: p, enc: enc,
		fw: s.newFrameWriter(w, sc), stats: &s.stats, rec: rec, started: started,
		keep: s.sessions.keeper(r.Context(), session), session: session, stored: stored, storedDone: done,
		input: promptTokens(req), batch: s.batch}
	end := ru.play(req.resumeFrom)
	s.stats.update(rec, func(rec *Record) { rec.End, rec.TokensAfterDisconnect = end, ru.after })
}

// resume loads a session's stored tokens. Resuming a session the store
// does not know, or did not keep in full, is a 404, so the client can tell
// it has to start over.
func (s *Server) resume(r *http.Request, req chatRequest) (tokens []string, done bool, _ *apiError) {
	if req.sessionID == "" {
		return nil, false, nil
	}
	if req.resumed && s.sessions.isLost(req.sessionID) {
		return nil, false, &apiError{http.StatusNotFound, "not_found_error", "session " + strconv.Quote(req.sessionID) +
			" was not kept in full (the session store failed): start the answer again"}
	}
	tokens, done, ok, err := s.sessions.load(r.Context(), req.sessionID)
	switch {
	case err != nil && !req.resumed:
		s.sessions.markLost(req.sessionID) // a new answer goes on, not kept
		return nil, false, nil
	case err != nil:
		return nil, false, &apiError{http.StatusServiceUnavailable, "overloaded_error", "the session store failed: " + err.Error()}
	case !ok && req.resumeFrom > 0:
		return nil, false, &apiError{http.StatusNotFound, "not_found_error", "session " + strconv.Quote(req.sessionID) + " is unknown or expired: start the answer again"}
	}
	return tokens, done, nil
}

// parse reads the scenario, the body and the request, in that order.
func (s *Server) parse(w http.ResponseWriter, r *http.Request, d *dialect) (chatRequest, Scenario, *apiError) {
	sc, err := scenarioOf(r)
	if err != nil {
		e := &apiError{http.StatusBadRequest, "invalid_request_error", err.Error()}
		if _, over := err.(overLimitError); over {
			s.logRefusal(r, e)
		}
		return chatRequest{}, sc, e
	}
	body, apiErr := s.body(w, r)
	if apiErr != nil {
		s.logRefusal(r, apiErr)
		return chatRequest{}, sc, apiErr
	}
	req, apiErr := d.parse(r, body)
	if sc.Once && req.resumed {
		sc = sc.calm()
	}
	if apiErr == nil && sc.Status != 0 {
		apiErr = &apiError{sc.Status, statusKind(sc.Status), "scripted status " + http.StatusText(sc.Status) + " (scenario status=" + itoa(sc.Status) + ")"}
	}
	return req, sc, apiErr
}

func (s *Server) reject(w http.ResponseWriter, d *dialect, rec *Record, e *apiError, sc Scenario) {
	if sc.retryable() && e.status == sc.Status {
		w.Header().Set("Retry-After", itoa(sc.RetryAfter))
	}
	d.writeError(w, e)
	s.stats.update(rec, func(rec *Record) { rec.End, rec.Status, rec.Error = EndRejected, e.status, e.message })
}

// streamHeaders are the headers of every stream (../shared/PROTOCOL.md).
func streamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
}

// Stats returns the records of the recent requests, oldest first, as
// GET /_stats serves them.
func (s *Server) Stats() []Record { return s.stats.snapshot() }

func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "tok serve: a reference streaming server\n\n")
	for _, e := range s.Endpoints("") {
		io.WriteString(w, e+"\n")
	}
	io.WriteString(w, "\nScenario knobs, in X-Tok-Scenario: k=v,k=v or ?scenario=:\n"+KnobHelp())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
