package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Chat streams endpoint e's answer to the conversation msgs.
//
// A tok-protocol endpoint (e.URL) gets a fresh sessionId with each answer.
// With [Config.ResumeTries] set, a stream of it in tok's protocol that
// breaks after text arrived is resumed: the reconnect carries resumeFrom, the index of the
// first token the answer lacks, or Last-Event-ID when the frames were
// numbered by SSE id lines only. The LLM APIs keep no sessions, so their
// streams are only retried before the first token ([Config.Retries]).
func (c *Client) Chat(ctx context.Context, e Endpoint, msgs []Message) (*Stream, error) {
	if e.Provider != "" {
		req, err := e.Request(ctx, msgs)
		if err != nil {
			return nil, err
		}
		return c.stream(ctx, req, nil)
	}
	if err := e.Check(); err != nil {
		return nil, err
	}
	body := ChatRequest{Messages: tidy(msgs), SystemPrompt: e.System, SessionID: rand.Text()}
	header := e.tokHeader()
	req, err := NewChatRequest(ctx, e.URL, body, header)
	if err != nil {
		return nil, err
	}
	return c.stream(ctx, req, func(ctx context.Context, from int, lastID string) (*http.Request, error) {
		b, h := body, header.Clone()
		if from > 0 {
			b.ResumeFrom = from
		} else {
			h.Set("Last-Event-ID", lastID)
		}
		return NewChatRequest(ctx, e.URL, b, h)
	})
}

// resumeFunc builds the request that continues an answer broken after
// the tokens before index from (0 when they were not numbered), or after
// the frame with SSE id lastID ("" when there was none).
type resumeFunc func(ctx context.Context, from int, lastID string) (*http.Request, error)

// ResumeError is a stream that broke after text arrived and could not be
// resumed: Cut is why it broke, Err why the last reconnect failed (the
// server forgot the session, it did not come back in time…).
type ResumeError struct {
	Cut, Err error
	// Tries counts the reconnects made.
	Tries int
}

func (e *ResumeError) Error() string {
	s := e.Cut.Error() + "; could not resume"
	if e.Tries > 1 {
		s += fmt.Sprintf(" in %d tries", e.Tries)
	}
	return s + ": " + e.Err.Error()
}

func (e *ResumeError) Unwrap() []error { return []error{e.Cut, e.Err} }

// position is how much of an answer a stream holds, which is what a
// reconnect asks for, and the state of an outage.
type position struct {
	next    int           // the index of the first token not held; 0 while none was numbered
	id      string        // the SSE id in force after the frames held
	dialect Dialect       // the answer's, from its first content
	hint    time.Duration // the server's retry field
	hinted  bool          // it sent one

	cut   error     // why the stream broke, during an outage
	since time.Time // when
	tries int       // reconnects in this outage

	// In all, whatever text the reconnects brought: a server that breaks
	// every stream at once must not keep tok reconnecting for ever.
	total int           // reconnects
	spent time.Duration // outages that ended
}

// progress ends an outage: new text arrived.
func (p *position) progress() {
	if p.cut != nil {
		p.spent += time.Since(p.since)
	}
	p.cut, p.tries = nil, 0
}

// wait is the pause before reconnect n (from 0): the server's retry
// field, else 250 ms, doubling up to 8 s, with jitter.
func (p *position) wait(n int) time.Duration {
	d := 250 * time.Millisecond
	if p.hinted {
		d = p.hint
	}
	if d <= 0 {
		return 0
	}
	return jitter(doubled(d, n, max(d, 8*time.Second)))
}

// track notes how far the answer has come with the frame just read, and
// drops that frame's events when the answer holds them already: a
// reconnect's replay that starts too early repeats nothing. A reconnect
// answered in a way that cannot show what it repeats is refused (see
// [retrier.vouch]).
func (r *retrier) track(evs []Event, n int) ([]Event, error) {
	p := r.cur.prod
	before := r.at.id
	if id := p.lastEventID(); id != "" {
		r.at.id = id
	}
	if h := p.retryHint(); h >= 0 {
		r.at.hint, r.at.hinted = h, true
	}
	if len(evs) == n {
		return evs, nil
	}
	if r.resumed {
		if err := r.vouch(evs[n:], before); err != nil {
			return evs[:n], err
		}
	}
	switch i := p.index(); {
	case i < 0:
	case i < r.at.next:
		return evs[:n], nil
	default:
		r.at.next = i + 1
	}
	return evs, nil
}

// vouch checks that a reconnect's frame can be placed in the answer: it
// is in the dialect the answer began in, and a frame with content is
// numbered as the reconnect asked (an index when it asked for resumeFrom,
// a new SSE id when it sent Last-Event-ID). A server that answers a
// reconnect any other way may be starting again from the top, and its
// text would repeat.
func (r *retrier) vouch(evs []Event, before string) error {
	p := r.cur.prod
	if d := p.dialect(); d != "" && r.at.dialect != "" && d != r.at.dialect {
		return fmt.Errorf("%w: it answered in %s, not %s", errResumeRefused, d, r.at.dialect)
	}
	if !hasContent(evs) {
		return nil
	}
	switch {
	case r.resume != nil && r.at.next > 0:
		if p.index() < 0 {
			return fmt.Errorf("%w: it sent tokens without an index", errResumeRefused)
		}
	case p.lastEventID() == "" || p.lastEventID() == before:
		return fmt.Errorf("%w: it sent text without a new event id", errResumeRefused)
	case numericNotAfter(p.lastEventID(), before):
		return fmt.Errorf("%w: it went back to event id %s after %s", errResumeRefused, p.lastEventID(), before)
	}
	return nil
}

// numericNotAfter reports whether ids a and b are both numbers and a does
// not come after b.
func numericNotAfter(a, b string) bool {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return err1 == nil && err2 == nil && x <= y
}

// errResumeRefused is a reconnect whose answer could repeat text.
var errResumeRefused = errors.New("the server's answer to the reconnect cannot be placed after the text held")

// canResume reports whether the server said enough to be asked for the
// rest: numbered tokens (with a request to carry resumeFrom) or an id.
// A tok request answered in another dialect is not resumed: that server
// did not take up tok's protocol, so nothing says it honours
// Last-Event-ID rather than answering again from the start.
func (r *retrier) canResume() bool {
	if r.resume != nil && r.dialect() != DialectTok {
		return false
	}
	return r.at.id != "" || (r.resume != nil && r.at.next > 0)
}

// reconnect decides whether a stream broken by err after text arrived is
// worth resuming, and if it is, schedules the reconnect.
func (r *retrier) reconnect(err error) (Event, bool) {
	of := r.c.cfg.ResumeTries
	if of <= 0 || r.at.tries >= of || r.at.total >= maxReconnects(of) || !r.canResume() || !resumable(err) {
		return Event{}, false
	}
	if r.at.cut == nil {
		r.at.cut, r.at.since = err, time.Now()
	}
	wait := r.at.wait(r.at.tries)
	within := r.c.resumeWithin()
	if out := time.Since(r.at.since) + wait; out >= within || r.at.spent+out >= 2*within {
		return Event{}, false
	}
	r.at.tries++
	r.at.total++
	r.close()
	r.cur, r.wait = nil, wait
	return Event{Kind: KindReconnect, Retry: Retry{Attempt: r.at.tries, Of: of, Wait: wait, Err: err}}, true
}

// reopen sends a reconnect, which must bring headers before the outage's
// time is up.
func (r *retrier) reopen() error {
	within := r.c.resumeWithin()
	left := within - time.Since(r.at.since)
	if left <= 0 {
		return fmt.Errorf("%w (%s)", errOutage, within)
	}
	var req *http.Request
	if r.resume != nil {
		var err error
		if req, err = r.resume(r.ctx, r.at.next, r.at.id); err != nil {
			return err
		}
	} else {
		req = r.clone()
		req.Header.Set("Last-Event-ID", r.at.id)
	}
	ctx, cancel := context.WithCancelCause(r.ctx)
	t := time.AfterFunc(left, func() { cancel(fmt.Errorf("%w (%s)", errOutage, within)) })
	// A scratch recorder: the answer's timings stay the first connection's.
	a, err := r.c.attempt(ctx, req, newRecorder())
	t.Stop()
	if err != nil {
		cancel(nil)
		return err
	}
	r.resumed = true
	release := a.close
	a.close = func() { release(); cancel(nil) }
	r.cur = a
	return nil
}

// giveUp is the error that ends the stream: err itself, or, during an
// outage, err as the reason the stream could not be resumed.
func (r *retrier) giveUp(err error) error {
	if r.ctx.Err() != nil {
		return err
	}
	if r.at.cut == nil {
		if r.exhausted() && resumable(err) {
			return &ResumeError{Cut: err, Err: fmt.Errorf("%w: %d reconnects, the most one answer may make", errTooManyReconnects, r.at.total), Tries: 1}
		}
		return err
	}
	return &ResumeError{Cut: r.at.cut, Err: err, Tries: r.at.tries}
}

// exhausted reports whether the answer made all the reconnects it may.
func (r *retrier) exhausted() bool {
	of := r.c.cfg.ResumeTries
	return of > 0 && r.at.total >= maxReconnects(of)
}

// errTooManyReconnects ends an answer that broke too often.
var errTooManyReconnects = errors.New("it broke too often")

// maxReconnects bounds the reconnects of one answer in all, outages
// apart: four outages' worth of tries.
func maxReconnects(tries int) int { return 4 * tries }

func (c *Client) resumeWithin() time.Duration {
	if c.cfg.ResumeWithin > 0 {
		return c.cfg.ResumeWithin
	}
	return 30 * time.Second
}

// errOutage ends an outage that outlasted [Config.ResumeWithin].
var errOutage = errors.New("the server did not come back in time")

// resumable reports whether a stream broken by err may be resumed: a cut
// connection, the idle timeout, or a reconnect answered by a status worth
// another try; not the total timeout, a stop or a body that is not a stream.
func resumable(err error) bool {
	var te *TimeoutError
	var he *HTTPError
	switch {
	case errors.As(err, &he):
		return retryable(he)
	case errors.As(err, &te):
		return te.Idle
	case errors.Is(err, errOutage):
		return false
	}
	return isCutOff(err)
}
