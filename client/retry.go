package client

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"syscall"
	"time"
)

// Retry describes a retry, in a [KindRetry] event: the attempt about to
// be made, of how many, after what wait, and the failure that caused it.
type Retry struct {
	Attempt, Of int
	Wait        time.Duration
	Err         error
}

// retrier is the producer of a stream that is sent again when it fails:
// the whole request while no token has arrived (a retry, [KindRetry]),
// and the rest of the answer when it breaks after text did and the server
// can resume it (a reconnect, [KindReconnect]; see resume.go). Each new
// attempt follows its event and a wait.
type retrier struct {
	c   *Client
	ctx context.Context
	req *http.Request
	rec *recorder
	// resume builds a reconnect's request; nil resumes a clone of req
	// with Last-Event-ID.
	resume resumeFunc

	cur     *attempt
	resumed bool          // cur is a reconnect
	queued  []Event       // events to yield before reading on
	wait    time.Duration // before the next attempt
	tries   int
	began   bool // a token arrived: no more retries, only reconnects
	started bool // a start event was yielded; a retry's own is dropped
	tail    []Event
	dial    Dialect // the latest attempt's, while there is none

	at position // how much of the answer is held, for a reconnect
}

func (r *retrier) next(dst []Event) ([]Event, error) {
	if len(r.queued) > 0 {
		dst = append(dst, r.queued...)
		r.queued = nil
		return dst, nil
	}
	if r.cur == nil {
		if err := r.sleep(); err != nil {
			return dst, err
		}
		if err := r.open(); err != nil {
			if ev, ok := r.again(err); ok {
				return append(dst, ev), nil
			}
			if r.at.cut == nil {
				// No answer to have been cut: the request itself failed.
				return dst, &requestError{err}
			}
			return dst, r.giveUp(err)
		}
	}
	n := len(dst)
	evs, err := r.cur.prod.next(dst)
	evs, terr := r.track(evs, n)
	if terr != nil {
		r.close()
		return evs, r.giveUp(terr)
	}
	evs = r.filter(evs, n)
	if last := len(evs) - 1; err == nil && !r.began && last >= n && evs[last].Kind == KindError && evs[last].Err != nil {
		if ev, ok := r.again(evs[last].Err); ok {
			return append(evs[:n], ev), nil
		}
	}
	switch {
	case err == nil:
		return evs, nil
	case errors.Is(err, io.EOF):
		tail := r.cur.prod.end()
		if len(tail) == 0 || !tail[len(tail)-1].terminal() {
			cut := errCutBeforeText
			if r.began {
				cut = errConnectionClosed
			}
			if ev, ok := r.again(cut); ok {
				return append(evs, ev), nil
			}
			if r.at.cut != nil || r.exhausted() {
				return evs, r.giveUp(cut)
			}
		}
		r.tail = tail
		return evs, err
	}
	if err = r.cur.fail(err); errors.Is(err, io.ErrUnexpectedEOF) {
		err = errConnectionClosed
	}
	if ev, ok := r.again(err); ok {
		return append(evs, ev), nil
	}
	return evs, r.giveUp(err)
}

// open sends the next attempt: the request again, or a reconnect.
func (r *retrier) open() error {
	if r.began {
		return r.reopen()
	}
	r.rec.newAttempt()
	r.resumed = false
	a, err := r.c.attempt(r.ctx, r.clone(), r.rec)
	if err != nil {
		return err
	}
	r.cur = a
	return nil
}

// filter notes whether a token arrived in evs[n:] and drops a start event
// repeated by a retry or a reconnect.
func (r *retrier) filter(evs []Event, n int) []Event {
	out := evs[:n]
	for _, ev := range evs[n:] {
		switch ev.Kind {
		case KindStart:
			if r.started {
				continue
			}
			r.started = true
		case KindText, KindThinking, KindToolStart, KindToolArgs, KindToolExecuting, KindToolResult:
			if !r.began {
				r.began, r.at.dialect = true, r.cur.prod.dialect()
			}
			r.at.progress()
		}
		out = append(out, ev)
	}
	return out
}

func (r *retrier) end() []Event { return r.tail }

func (r *retrier) dialect() Dialect {
	if r.cur != nil {
		r.dial = r.cur.prod.dialect()
	}
	return r.dial
}

func (r *retrier) close() {
	if r.cur != nil {
		r.dial = r.cur.prod.dialect()
		r.cur.close()
	}
}

// again decides whether err is worth another attempt: a retry before any
// token, a reconnect after. If it is, it releases the current attempt and
// returns the event that says so.
func (r *retrier) again(err error) (Event, bool) {
	if r.began {
		return r.reconnect(err)
	}
	if r.tries >= r.c.cfg.Retries || !retryable(err) {
		return Event{}, false
	}
	wait := r.backoff(r.tries)
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		maxWait := r.c.cfg.MaxRetryWait
		if maxWait <= 0 {
			maxWait = time.Minute
		}
		if he.RetryAfter > maxWait {
			return Event{}, false
		}
		wait = he.RetryAfter
	}
	r.tries++
	r.close()
	r.cur, r.wait = nil, wait
	return Event{Kind: KindRetry, Retry: Retry{Attempt: r.tries, Of: r.c.cfg.Retries, Wait: wait, Err: err}}, true
}

// backoff is the wait before retry n (from 0) when the server named none:
// doubling from RetryBackoff, up to 8 s, with a fifth of jitter.
func (r *retrier) backoff(n int) time.Duration {
	d := r.c.cfg.RetryBackoff
	if d <= 0 {
		d = 500 * time.Millisecond
	}
	return jitter(doubled(d, n, 8*time.Second))
}

// doubled is d doubled n times, at most ceiling: a backoff that cannot
// overflow, however many tries it is asked for.
func doubled(d time.Duration, n int, ceiling time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	for ; n > 0 && d < ceiling; n-- {
		d *= 2
	}
	return min(d, ceiling)
}

// jitter takes up to a fifth off d, so clients cut off together do not
// come back together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

// sleep waits before the next attempt, unless the caller stops first.
func (r *retrier) sleep() error {
	if r.wait <= 0 {
		return nil
	}
	t := time.NewTimer(r.wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.c.explain(r.ctx, context.Cause(r.ctx))
	}
}

// clone is the request again, with a fresh body.
func (r *retrier) clone() *http.Request {
	req := r.req.Clone(r.ctx)
	if r.req.GetBody != nil {
		if body, err := r.req.GetBody(); err == nil {
			req.Body = body
		}
	}
	return req
}

// errCutBeforeText is a body that ended before its first token and its
// terminal event.
var errCutBeforeText = errors.New("the connection closed before the answer began")

// retryStatus are the HTTP statuses worth another try.
var retryStatus = []int{408, 409, 429, 500, 502, 503, 504, 529}

// retryTypes are the error types of error events worth another try, as
// Anthropic, OpenAI and Gemini name them.
var retryTypes = []string{"overloaded_error", "rate_limit_error", "api_error", "rate_limit_exceeded",
	"server_error", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"}

// retryable reports whether a failure before the first token may pass if
// the request is sent again.
func retryable(err error) bool {
	var he *HTTPError
	var se *ServerError
	switch {
	case err == nil:
		return false
	case errors.As(err, &he):
		return slices.Contains(retryStatus, he.StatusCode)
	case errors.As(err, &se):
		return slices.Contains(retryTypes, se.Type)
	}
	return errors.Is(err, errCutBeforeText) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, errConnectionClosed)
}
