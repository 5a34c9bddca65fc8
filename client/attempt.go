package client

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

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
	tr := traceOf(ctx)
	if tr != nil && tr.Response != nil {
		tr.Response(resp, rec.get())
	}
	body := &watchedBody{r: resp.Body, idle: timers, rec: rec, trace: tr}
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
		prod: newBodyProducer(decompress(resp, body), sec, tr, rec),
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

// pause stops the idle clock until the next read: a caller that takes
// its time with what arrived (a chat suspended while the user's editor
// runs) is not a server gone quiet.
func (t *timers) pause() {
	if t.idle != nil {
		t.idle.Stop()
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

// watchedBody runs the idle timer while a read waits for bytes (so the
// timeout is the server's silence, not the caller's pause between reads),
// notes the first byte, and tells a trace of each read.
type watchedBody struct {
	r     io.Reader
	idle  *timers
	rec   *recorder
	trace *Trace
	seen  bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.idle.touch()
	n, err := b.r.Read(p)
	if n > 0 {
		b.idle.pause()
		if !b.seen {
			b.seen = true
			b.rec.firstByte()
		}
		if b.trace != nil && b.trace.Read != nil {
			if terr := b.trace.Read(n, b.rec.since()); terr != nil {
				return n, &traceStop{terr}
			}
		}
	}
	return n, err
}
