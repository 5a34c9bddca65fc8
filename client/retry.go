package client

import (
	"context"
	"io"
	"net/http"
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
// the whole request while no text has arrived (a retry, [KindRetry]; its
// state is retryState), and the rest of the answer when it breaks after
// text did and the server can resume it (a reconnect, [KindReconnect];
// resumeState, in resume.go). Each new attempt follows its event and a
// wait.
//
// Invariants:
//   - phase only moves forward: beforeText until the first text,
//     reasoning or tool event, then inText. Before text a failure may be
//     retried; in text it may only be resumed, so nothing is repeated.
//   - cur is nil exactly between a failed attempt and the next one; the
//     event announcing the next one is then queued (or yielded), and wait
//     is the pause before it.
//   - No event is yielded twice: a start event at most once, and a
//     reconnect's frames are placed by index (or SSE id) after the text
//     held, or refused (resumeState.vouch).
//   - Every count is bounded: retry.tries ≤ Config.Retries;
//     resume.tries ≤ Config.ResumeTries in one outage and resume.total ≤
//     4 × ResumeTries in all; one outage lasts at most ResumeWithin and
//     all of them together twice that; the answer at most Config.Timeout.
type retrier struct {
	c   *Client
	ctx context.Context
	req *http.Request
	rec *recorder

	phase     phase
	cur       *attempt
	queued    []Event       // the retry or reconnect event, before the next attempt
	wait      time.Duration // the pause before the next attempt
	startSent bool          // a start event was yielded; a later attempt's is dropped
	tail      []Event       // the dialect's end, once the body ended well
	dial      Dialect       // the latest attempt's dialect, kept after it closed

	retry  retryState
	resume resumeState
}

// phase is where an answer stands, which decides what a failure gets.
type phase uint8

const (
	beforeText phase = iota // no text yet: the request may be sent again
	inText                  // text arrived: only the rest may be asked for
)

// retryState is what the retries of an answer's request have used.
type retryState struct {
	tries int // retries made
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
			return dst, r.giveUp(err, true)
		}
	}
	n := len(dst)
	evs, err := r.cur.prod.next(dst)
	evs, refused := r.resume.track(r.cur, evs, n)
	if refused != nil {
		r.close()
		return evs, r.giveUp(refused, false)
	}
	evs = r.filter(evs, n)
	if last := len(evs) - 1; err == nil && r.phase == beforeText && last >= n && evs[last].Kind == KindError {
		// An error event before any text (overloaded, rate limited).
		if ev, ok := r.again(evs[last].Err); ok {
			return append(evs[:n], ev), nil
		}
	}
	if err != nil {
		return r.broke(evs, err)
	}
	return evs, nil
}

// broke handles the end of an attempt's body: a good end, or a break that
// is retried, resumed, or reported.
func (r *retrier) broke(evs []Event, err error) ([]Event, error) {
	e := endOf(err, r.cur.prod.end, r.cur.fail)
	if e.tail != nil {
		r.tail = e.tail
		return evs, io.EOF
	}
	cause := e.err
	if e.cut && cause == nil {
		cause = errCutBeforeText
		if r.phase == inText {
			cause = errConnectionClosed
		}
	}
	if ev, ok := r.again(cause); ok {
		return append(evs, ev), nil
	}
	if e.cut && e.err == nil && r.resume.cut == nil && !r.resume.exhausted(r.c.cfg) {
		return evs, io.EOF // a clean close: the stream reports the cut-off
	}
	return evs, r.giveUp(cause, false)
}

// open sends the next attempt: the request again, or a reconnect.
func (r *retrier) open() error {
	if r.phase == inText {
		return r.reopen()
	}
	r.rec.newAttempt()
	a, err := r.c.attempt(r.ctx, r.clone(), r.rec)
	if err != nil {
		return err
	}
	r.cur = a
	return nil
}

// filter moves the phase on at the first content and drops a start event
// repeated by a retry or a reconnect.
func (r *retrier) filter(evs []Event, n int) []Event {
	out := evs[:n]
	for _, ev := range evs[n:] {
		switch ev.Kind {
		case KindStart:
			if r.startSent {
				continue
			}
			r.startSent = true
		case KindText, KindThinking, KindToolStart, KindToolArgs, KindToolExecuting, KindToolResult:
			if r.phase == beforeText {
				r.phase, r.resume.dialect = inText, r.cur.prod.dialect()
			}
			r.resume.progress()
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
// text, a reconnect after. If it is, it releases the current attempt and
// returns the event that says so.
func (r *retrier) again(err error) (Event, bool) {
	ev := Event{Kind: KindRetry}
	ok := false
	if r.phase == beforeText {
		ok = r.retry.schedule(err, r.c.cfg, &ev.Retry)
	} else {
		ev.Kind = KindReconnect
		ok = r.canResume() && r.resume.schedule(err, r.c.cfg, &ev.Retry)
	}
	if !ok {
		return Event{}, false
	}
	r.close()
	r.cur, r.wait = nil, ev.Retry.Wait
	return ev, true
}

// giveUp is the error that ends the stream: during an outage, err as the
// reason the answer could not be resumed; a request that failed before any
// answer came (opening), err as itself, never a cut-off.
func (r *retrier) giveUp(err error, opening bool) error {
	if r.ctx.Err() != nil {
		return err
	}
	if re := r.resume.failed(err, r.c.cfg); re != nil {
		return re
	}
	if opening {
		return &requestError{err}
	}
	return err
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
