package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/tokcli/tok/client"
)

// Upstream is the LLM API a [Server] relays to in place of the scripted
// model (tok serve --provider). Every dialect route then sends the
// request's conversation upstream and re-encodes the answer's events in
// the request's own dialect, so a tok client can read OpenAI, and an
// OpenAI client can read Gemini.
//
// Contract:
//   - The upstream request runs under the client's request: when the client
//     goes away it is aborted at once, and nothing is read from it after.
//   - A non-2xx upstream answer before the stream is the client's answer:
//     the same status (and Retry-After) in the dialect's error JSON, with a
//     message that says it came from upstream. The key is never repeated.
//   - Scenario knobs shape only what the relay writes: status= and
//     retry-after= answer before the upstream is asked, crlf, gzip and
//     buffer frame the stream; the others (pace, size, faults) do nothing.
//   - Resume works as for the scripted model: a session's text is kept as
//     it is relayed. An unfinished session is continued by Anthropic (which
//     carries on a prefilled assistant turn); the other providers cannot,
//     and the resumed stream ends with the dialect's error after the replay.
type Upstream struct {
	// Endpoint is the API, model and key. Its System, MaxTokens and
	// Thinking are defaults: a request's system prompt is used when
	// System is empty, its token cap always, and its ask for reasoning
	// (as medium effort) when Thinking is unset.
	Endpoint client.Endpoint
	// Client sends the requests; nil is one shared client.New(client.Config{}).
	Client *client.Client
	// Tools, when set, runs the model's tool calls in the gateway, up to
	// MaxSteps rounds an answer (0: client.DefaultMaxSteps); see
	// gateway_tools.go.
	Tools    client.ToolRunner
	MaxSteps int
}

// defaultClient is the Client of an Upstream that names none: one for all,
// so that connections are reused.
var defaultClient = client.New(client.Config{})

// errShuttingDown is the cause of a relay cancelled by [Server.Shutdown].
var errShuttingDown = errors.New("the server is shutting down")

// cannotContinue ends a resumed session that the upstream cannot carry on.
const cannotContinue = "the answer was cut off upstream when the client left and cannot be continued; ask again"

// notRun is the tool result the relay reports to dialects whose server
// runs tools: it relays tool calls and runs none.
const notRun = `"not run: tok serve relays tool calls and runs no tools"`

// relay answers one request from the upstream.
type relay struct {
	up         *Upstream
	d          *dialect
	req        chatRequest
	sc         Scenario
	rec        *Record
	started    time.Time
	stored     []string // the session's text so far: replayed first
	storedDone bool     // and it was whole: the upstream is not asked

	ctx   context.Context // the client's request, cancelled too on shutdown
	stats *statsLog
	keep  *keeper // the session's tokens, for resume
	enc   encoder
	fw    *frameWriter

	first  *client.Event // read before the headers were written
	index  int           // of the next text token
	sent   int           // text and reasoning tokens written
	after  int           // tokens that arrived after the client left
	call   *toolCall     // the open tool call
	calls  int
	usage  client.Usage
	prefix int    // tokens of the stored answer a continuation adds to
	skip   string // whitespace the continued answer already ends with
}

// relay serves the request rl describes from the upstream.
func (s *Server) relay(w http.ResponseWriter, r *http.Request, rl *relay) {
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	go func() {
		select {
		case <-s.shutdown:
			cancel(errShuttingDown)
		case <-ctx.Done():
		}
	}()
	rl.up, rl.ctx, rl.stats, rl.keep = s.cfg.Upstream, ctx, &s.stats, s.sessions.keeper(ctx, rl.req.sessionID)
	rl.index = len(rl.stored)
	s.stats.update(rl.rec, func(rec *Record) { rec.Upstream = client.RedactURL(rl.up.Endpoint.Target()) })
	st, err := rl.open()
	if err != nil {
		rl.reject(s, w, err)
		return
	}
	if st != nil {
		defer st.Close() // aborts the upstream request if it still runs
	}
	s.stats.update(rl.rec, func(rec *Record) { rec.Status = http.StatusOK })
	streamHeaders(w.Header())
	if rl.d.header != nil {
		rl.d.header(w.Header())
	}
	rl.enc, rl.fw = rl.d.newEncoder(rl.req), s.newFrameWriter(w, rl.sc)
	end := rl.play(st)
	s.stats.update(rl.rec, func(rec *Record) { rec.End, rec.TokensAfterDisconnect = end, rl.after })
}

// open asks the upstream and waits for its first event, so that a
// failure before the answer can still be answered with its status. It
// returns no stream when there is nothing to ask: a finished session, or
// an unfinished one whose API cannot continue a prefill.
func (rl *relay) open() (*client.Stream, error) {
	msgs := rl.req.messages
	ep := rl.endpoint()
	if len(rl.stored) > 0 || rl.storedDone {
		if spec, _ := ep.Provider.Spec(); rl.storedDone || !spec.Prefill {
			return nil, nil
		}
		msgs, ep.Thinking = rl.prefill(), client.Thinking{} // a prefill goes without thinking (Anthropic refuses both)
	}
	c := rl.up.Client
	if c == nil {
		c = defaultClient
	}
	st, err := rl.ask(c, ep, msgs)
	if err != nil {
		return nil, err
	}
	for {
		ev, err := st.Next()
		if err != nil {
			return nil, err
		}
		if ev.Kind != client.KindRetry { // a retry sent nothing to the client
			rl.first = &ev
			return st, nil
		}
	}
}

// endpoint is the upstream endpoint with the request's settings.
func (rl *relay) endpoint() client.Endpoint {
	ep := rl.up.Endpoint
	if ep.System == "" {
		ep.System = rl.req.system
	}
	if rl.req.maxTokens > 0 {
		ep.MaxTokens = rl.req.maxTokens
	}
	if rl.req.thinking && ep.Thinking == (client.Thinking{}) {
		ep.Thinking = client.Thinking{Effort: "medium"}
	}
	return ep
}

// prefill is the conversation with the stored partial answer as the last,
// assistant turn. Anthropic refuses a prefill that ends in whitespace, so
// that is cut and noted, to be dropped from the continuation.
func (rl *relay) prefill() []client.Message {
	partial := strings.Join(rl.stored, "")
	kept := strings.TrimRightFunc(partial, unicode.IsSpace)
	rl.skip, rl.prefix = partial[len(kept):], len(rl.stored)
	msgs := append([]client.Message(nil), rl.req.messages...)
	return append(msgs, client.Message{Role: "assistant", Content: kept})
}

// reject answers a failure before the stream: the upstream's status, a
// bad gateway, or nothing when the client has gone.
func (rl *relay) reject(s *Server, w http.ResponseWriter, err error) {
	var he *client.HTTPError
	var te *client.TimeoutError
	e := &apiError{http.StatusBadGateway, "api_error", rl.upstreamMessage(err)}
	switch {
	case rl.shuttingDown():
		e = &apiError{http.StatusServiceUnavailable, "overloaded_error", errShuttingDown.Error()}
	case rl.ctx.Err() != nil:
		s.stats.update(rl.rec, func(rec *Record) { rec.End = EndClientDisconnect })
		return
	case errors.As(err, &he):
		e.status, e.kind = he.StatusCode, statusKind(he.StatusCode)
		if he.RetryAfter > 0 {
			w.Header().Set("Retry-After", itoa(int(math.Ceil(he.RetryAfter.Seconds()))))
		}
	case errors.As(err, &te):
		e.status = http.StatusGatewayTimeout
	}
	s.reject(w, rl.d, rl.rec, e, Scenario{}) // the Retry-After is the upstream's, not a scenario's
}
