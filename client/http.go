package client

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
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
}

// DefaultConnectTimeout is the connect timeout of a zero [Config].
const DefaultConnectTimeout = 10 * time.Second

// Client sends streaming requests. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
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
	ctx, done := c.whole(ctx)
	rec := newRecorder()
	a, err := c.attempt(ctx, req, rec)
	again := c.cfg.Retries > 0 || c.cfg.ResumeTries > 0
	if !again || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		if err != nil {
			done()
			return nil, err
		}
		return &Stream{rec: rec, prod: a.prod, fail: a.fail, close: func() { a.close(); done() }}, nil
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
	return &Stream{rec: rec, prod: r, fail: func(err error) error { return err }, close: func() { r.close(); done() }}, nil
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

// attempt is one try of a request: its body's producer, the function
// that explains its read errors, and the one that releases it.
type attempt struct {
	resp  *http.Response
	prod  *bodyProducer
	fail  func(error) error
	close func()
	// reconnect marks an attempt that asks for the rest of an answer.
	reconnect bool
}

// attempt sends req once and returns its answer once the headers arrive.
func (c *Client) attempt(ctx context.Context, req *http.Request, rec *recorder) (*attempt, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	timers := c.startTimers(cancel)
	release := func() {
		timers.stop()
		cancel(errClosed)
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, rec.trace()))
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/event-stream")
	}
	c.debugRequest(req)
	sec := requestSecrets(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		release()
		return nil, sec.scrubError(c.explain(ctx, err))
	}
	rec.set(func(t *Timings, now time.Duration) { t.Headers = now })
	c.debugResponse(resp, sec)
	body := &watchedBody{r: resp.Body, idle: timers, rec: rec}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
		resp.Body.Close()
		release()
		he := newHTTPError(resp, b)
		he.CredentialsLeftAt = leftBehind(req, resp)
		return nil, sec.scrubError(he)
	}
	var once sync.Once
	return &attempt{
		resp: resp,
		prod: &bodyProducer{r: decompress(resp, body), secrets: sec},
		fail: func(err error) error { return sec.scrubError(c.explain(ctx, err)) },
		close: func() {
			once.Do(func() {
				release()
				resp.Body.Close()
				c.debugTimings(rec.get())
			})
		},
	}, nil
}

var errClosed = errors.New("stream closed")

// decompress undoes a gzip body the transport left encoded (it does that
// when the caller set Accept-Encoding itself).
func decompress(resp *http.Response, body io.Reader) io.Reader {
	if resp.Uncompressed || resp.Header.Get("Content-Encoding") != "gzip" {
		return body
	}
	return &lazyGzip{r: body}
}

// lazyGzip reads the gzip header on the first Read, so opening the stream
// does not wait for the first byte.
type lazyGzip struct {
	r  io.Reader
	zr *gzip.Reader
}

func (g *lazyGzip) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.r)
		if err != nil {
			return 0, fmt.Errorf("gzip body: %w", err)
		}
		g.zr = zr
	}
	return g.zr.Read(p)
}

// explain turns a transport error into its real cause: a timeout, the
// caller's cancellation, or else err itself, with the URL net/http puts
// in its errors redacted ([RedactURL]).
func (c *Client) explain(ctx context.Context, err error) error {
	if t := c.timeoutOf(ctx); t != nil {
		return t
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, errClosed) {
		return cause
	}
	return redactURLError(err)
}

func (c *Client) timeoutOf(ctx context.Context) error {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, ErrIdleTimeout):
		return &TimeoutError{Idle: true, After: c.cfg.IdleTimeout}
	case errors.Is(cause, ErrTimeout):
		return &TimeoutError{After: c.cfg.Timeout}
	}
	return nil
}

// isCallerStop reports whether err is the caller's own cancellation.
func isCallerStop(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// timers runs the idle and total timeouts of one request.
type timers struct {
	idle, total *time.Timer
	idleFor     time.Duration
}

func (c *Client) startTimers(cancel context.CancelCauseFunc) *timers {
	t := &timers{idleFor: c.cfg.IdleTimeout}
	if c.cfg.IdleTimeout > 0 {
		t.idle = time.AfterFunc(c.cfg.IdleTimeout, func() { cancel(ErrIdleTimeout) })
	}
	if c.cfg.Timeout > 0 {
		t.total = time.AfterFunc(c.cfg.Timeout, func() { cancel(ErrTimeout) })
	}
	return t
}

func (t *timers) touch() {
	if t.idle != nil {
		t.idle.Reset(t.idleFor)
	}
}

func (t *timers) stop() {
	if t.idle != nil {
		t.idle.Stop()
	}
	if t.total != nil {
		t.total.Stop()
	}
}

// watchedBody resets the idle timer on every byte and notes the first.
type watchedBody struct {
	r    io.Reader
	idle *timers
	rec  *recorder
	seen bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.rec.read(n)
		b.idle.touch()
		if !b.seen {
			b.seen = true
			b.rec.firstByte()
		}
	}
	return n, err
}
