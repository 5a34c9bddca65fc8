package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Config sets a [Client]'s timeouts and transport. The zero value is usable:
// no idle or total timeout, and a 10 s connect timeout.
type Config struct {
	// ConnectTimeout bounds the TCP connect and TLS handshake.
	ConnectTimeout time.Duration
	// IdleTimeout ends a request that receives no bytes for this long,
	// heartbeat comments included, from the moment it is sent; 0 is none.
	IdleTimeout time.Duration
	// Timeout bounds the whole answer: the request, its stream, and every
	// retry and reconnect with the waits between them; 0 is none.
	Timeout time.Duration
	// Transport replaces the default transport (for tests and proxies).
	Transport http.RoundTripper
	// Retries is how many times a request is sent again when it fails
	// before the answer's first token: a 408, 409, 429 or 5xx answer, an
	// error event saying the server is overloaded or rate limited, or a
	// connection cut. Once text, reasoning or a tool call has arrived,
	// nothing is retried, so nothing is ever repeated. 0 is none.
	Retries int
	// RetryBackoff is the wait before the first retry when the server
	// names none (Retry-After); it doubles for each retry after it, up to
	// 8 s. 0 is 500 ms.
	RetryBackoff time.Duration
	// MaxRetryWait is the longest Retry-After honoured: a server asking
	// for a longer wait gets no retry, and its error is returned. 0 is 60 s.
	MaxRetryWait time.Duration
	// ResumeTries is how many times tok reconnects to a stream that broke
	// after text arrived (a clean close before the end, a reset, the idle
	// timeout), when the server can resume it: tok's protocol numbers a
	// session's tokens with index, and any SSE server may send id lines.
	// The reconnect asks for the rest (resumeFrom, or Last-Event-ID), and
	// tokens already held are dropped by index, so the text neither
	// repeats nor skips. A reconnect that brings new text starts the count
	// again, but one answer makes at most 4 × ResumeTries reconnects in
	// all. A reconnect must be answered in tok's protocol with indexed
	// tokens (or, resumed by Last-Event-ID, with id lines) or it is
	// refused, so nothing is ever repeated. 0 is none.
	ResumeTries int
	// ResumeWithin bounds one outage: from the break to the headers of the
	// reconnect that ends it; all the outages of one answer together get
	// twice as long. 0 is 30 s.
	ResumeWithin time.Duration
	// Debug, when set, receives the request line, headers with secrets
	// redacted, the response headers and the timings.
	Debug io.Writer
	// PingInterval is how often a WebSocket is pinged to keep it alive;
	// a pong counts as data for the idle timeout. 0 is
	// [DefaultPingInterval].
	PingInterval time.Duration
}

// DefaultConnectTimeout is the connect timeout of a zero [Config].
const DefaultConnectTimeout = 10 * time.Second

// Client sends streaming requests. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client

	mu       sync.Mutex
	sessions map[string]*wsSession // the WebSocket conversations, by address
	shut     bool
}

// New returns a Client with the given configuration.
func New(cfg Config) *Client {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	rt := cfg.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = cfg.ConnectTimeout
		rt = t
	}
	c := &Client{cfg: cfg}
	c.hc = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c
}

// TimeoutError reports the idle or the total timeout. errors.Is matches it
// with [ErrIdleTimeout] or [ErrTimeout].
type TimeoutError struct {
	Idle  bool
	After time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Idle {
		return fmt.Sprintf("no data for %s (the idle timeout)", e.After)
	}
	return fmt.Sprintf("the request took longer than %s (the total timeout)", e.After)
}

// Is matches the sentinels.
func (e *TimeoutError) Is(target error) bool {
	return (e.Idle && target == ErrIdleTimeout) || (!e.Idle && target == ErrTimeout)
}

// Stream sends req and returns the stream of its answer once the response
// headers arrive. A non-2xx answer is an [*HTTPError]. The request runs
// under ctx: cancelling it aborts the request at once, and so does closing
// the stream. Accept defaults to text/event-stream.
//
// With [Config.Retries] set, a failure before the answer's first token
// (a 429 or 5xx, an overloaded error event, a connection cut) is retried
// after a [KindRetry] event, as [Config.Retries] describes. With
// [Config.ResumeTries] set, a stream that breaks later and sent SSE id
// lines is resumed with Last-Event-ID after a [KindReconnect] event.
func (c *Client) Stream(ctx context.Context, req *http.Request) (*Stream, error) {
	return c.stream(ctx, req, nil)
}

// stream is Stream with the request that resumes the answer, when the
// caller knows how to ask for one (see [Client.Chat]).
func (c *Client) stream(ctx context.Context, req *http.Request, resume resumeFunc) (*Stream, error) {
	if isWebSocket(req.URL) {
		return c.streamWS(ctx, req)
	}
	ctx, abort := context.WithCancelCause(ctx) // Interrupt's
	ctx, whole := c.whole(ctx)
	done := func() {
		whole()
		abort(errClosed)
	}
	rec := newRecorder()
	a, err := c.attempt(ctx, req, rec)
	again := c.cfg.Retries > 0 || c.cfg.ResumeTries > 0
	if !again || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		if err != nil {
			done()
			return nil, err
		}
		s := &Stream{rec: rec, prod: a.prod, fail: a.fail, close: func() { a.close(); done() }, abort: abort}
		if tr := traceOf(ctx); tr != nil {
			s.linger = tr.Linger
		}
		return s, nil
	}
	r := &retrier{c: c, ctx: ctx, req: req, rec: rec, resume: resumeState{build: resume}, cur: a}
	if err != nil {
		ev, ok := r.again(err)
		if !ok {
			done()
			return nil, err
		}
		r.queued = []Event{ev}
	}
	return &Stream{rec: rec, prod: r, fail: func(err error) error { return err }, close: func() { r.close(); done() }, abort: abort}, nil
}

// whole bounds an answer by the total timeout, retries, reconnects and
// the waits between them included; done releases the timer.
func (c *Client) whole(ctx context.Context) (context.Context, func()) {
	if c.cfg.Timeout <= 0 {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(c.cfg.Timeout, func() { cancel(ErrTimeout) })
	return ctx, func() {
		t.Stop()
		cancel(errClosed)
	}
}
