package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

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

// resumeState is how much of an answer a stream holds, which is what a
// reconnect asks for, and the state of the outages.
type resumeState struct {
	// build makes a reconnect's request; nil resumes a clone of the
	// request with Last-Event-ID.
	build resumeFunc

	from    int           // the index of the first token not held; 0 while none was numbered
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
func (s *resumeState) progress() {
	if s.cut != nil {
		s.spent += time.Since(s.since)
	}
	s.cut, s.tries = nil, 0
}

// pause is the wait before reconnect n (from 0): the server's retry
// field, else 250 ms, doubling up to 8 s, with jitter.
func (s *resumeState) pause(n int) time.Duration {
	d := 250 * time.Millisecond
	if s.hinted {
		d = s.hint
	}
	return jitter(doubled(d, n, max(d, 8*time.Second)))
}

// track notes how far the answer has come with the frame a just read,
// and drops that frame's events when the answer holds them already: a
// reconnect's replay that starts too early repeats nothing. A reconnect
// answered in a way that cannot show what it repeats is refused (see
// [resumeState.vouch]).
func (s *resumeState) track(a *attempt, evs []Event, n int) ([]Event, error) {
	p := a.prod
	before := s.id
	if id := p.lastEventID(); id != "" {
		s.id = id
	}
	if h := p.retryHint(); h >= 0 {
		s.hint, s.hinted = h, true
	}
	if len(evs) == n {
		return evs, nil
	}
	if a.reconnect {
		if err := s.vouch(p, evs[n:], before); err != nil {
			return evs[:n], err
		}
	}
	switch i := p.index(); {
	case i < 0:
	case i < s.from:
		return evs[:n], nil
	default:
		s.from = i + 1
	}
	return evs, nil
}

// vouch checks that a reconnect's frame can be placed in the answer: it
// is in the dialect the answer began in, and a frame with content is
// numbered as the reconnect asked (an index when it asked for resumeFrom,
// a new SSE id when it sent Last-Event-ID). A server that answers a
// reconnect any other way may be starting again from the top, and its
// text would repeat.
func (s *resumeState) vouch(p *bodyProducer, evs []Event, before string) error {
	if d := p.dialect(); d != "" && s.dialect != "" && d != s.dialect {
		return fmt.Errorf("%w: it answered in %s, not %s", errResumeRefused, d, s.dialect)
	}
	if !hasContent(evs) {
		return nil
	}
	switch {
	case s.byIndex():
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

// byIndex reports whether a reconnect asks by index (resumeFrom) rather
// than by Last-Event-ID.
func (s *resumeState) byIndex() bool { return s.build != nil && s.from > 0 }

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
	s := &r.resume
	if s.build != nil && r.dialect() != DialectTok {
		return false
	}
	return s.id != "" || s.byIndex()
}

// schedule decides whether a stream broken by err after text arrived is
// worth resuming, and if it is, fills in the reconnect.
func (s *resumeState) schedule(err error, cfg Config, retry *Retry) bool {
	of := cfg.ResumeTries
	if of <= 0 || s.tries >= of || s.exhausted(cfg) || !resumable(err) {
		return false
	}
	if s.cut == nil {
		s.cut, s.since = err, time.Now()
	}
	wait := s.pause(s.tries)
	within := resumeWithin(cfg)
	if out := time.Since(s.since) + wait; out >= within || s.spent+out >= 2*within {
		return false
	}
	s.tries++
	s.total++
	*retry = Retry{Attempt: s.tries, Of: of, Wait: wait, Err: err}
	return true
}

// reopen sends a reconnect, which must bring headers before the outage's
// time is up.
func (r *retrier) reopen() error {
	s := &r.resume
	within := resumeWithin(r.c.cfg)
	left := within - time.Since(s.since)
	if left <= 0 {
		return fmt.Errorf("%w (%s)", errOutage, within)
	}
	var req *http.Request
	if s.build != nil {
		var err error
		if req, err = s.build(r.ctx, s.from, s.id); err != nil {
			return err
		}
	} else {
		req = r.clone()
		req.Header.Set("Last-Event-ID", s.id)
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
	release := a.close
	a.close = func() { release(); cancel(nil) }
	a.reconnect = true
	r.cur = a
	return nil
}

// failed is the error that ends an answer whose resume failed with err:
// during an outage, err as the reason; when the answer made all the
// reconnects it may, that; else nil.
func (s *resumeState) failed(err error, cfg Config) error {
	switch {
	case s.cut != nil:
		return &ResumeError{Cut: s.cut, Err: err, Tries: s.tries}
	case s.exhausted(cfg) && resumable(err):
		return &ResumeError{Cut: err, Err: fmt.Errorf("%w: %d reconnects, the most one answer may make", errTooManyReconnects, s.total), Tries: 1}
	}
	return nil
}

// exhausted reports whether the answer made all the reconnects it may:
// four outages' worth of tries.
func (s *resumeState) exhausted(cfg Config) bool {
	return cfg.ResumeTries > 0 && s.total >= 4*cfg.ResumeTries
}

// errTooManyReconnects ends an answer that broke too often.
var errTooManyReconnects = errors.New("it broke too often")

func resumeWithin(cfg Config) time.Duration { return cmpOr(cfg.ResumeWithin, 30*time.Second) }

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
