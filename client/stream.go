package client

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stream is one streamed answer: the events of a response body, or of the
// demo model, in order.
//
// Contract, as go-sse's Read: [Stream.Events] yields events until a
// terminal one and then stops; an event is never yielded together with an
// error; a failed answer ends the sequence with one non-nil error, so a
// caller that checks only the error never takes a failure for a success.
// A KindDone event ends it well. A server's error event is yielded as an
// event (KindError, with its Err, for the partial picture) and then as the
// sequence's error, a [*ServerError]. A body that ends before a terminal
// event yields a [*CutOffError]; cancelling the request's context yields
// the context's cause (context.Canceled for a stop); an answer with no
// text yields [ErrEmptyAnswer]. Whatever ends the stream, the events
// before the end were yielded, so the partial answer is the caller's.
// Ranging over Events to its end, or calling Close, releases the request.
// The body is closed as soon as a terminal event arrives, without waiting
// for EOF. A Stream is not safe for concurrent use, but for
// [Stream.Interrupt], which the stop key calls while another goroutine
// reads.
type Stream struct {
	prod  producer
	rec   *recorder
	fail  func(error) error // turns a read error into the error to report
	close func()
	// Interrupt's: the producer's own interrupt, or the cancellation of
	// the request's context; neither for a stream of FromEvents.
	intr  interrupter
	abort context.CancelCauseFunc

	queue   []Event
	qi      int
	ended   bool
	err     error
	tokens  int
	size    int  // bytes of text, reasoning and tool arguments so far
	content bool // text, reasoning or a tool call arrived
	once    sync.Once

	// linger, from a trace, reads on after the terminal event.
	linger   time.Duration
	implicit bool        // the answer ended at the body's end (End)
	held     atomic.Bool // the linger ran out with the body still open
}

// producer yields the events of one step (one frame, one demo token); it
// returns io.EOF at the end of the body.
type producer interface {
	next(dst []Event) ([]Event, error)
	end() []Event
}

// NewStream reads a response body that has already been received, such as
// a recorded transcript: the dialect is detected from its first bytes and
// frames. Closing the stream closes r when r is an io.Closer.
func NewStream(r io.Reader) *Stream {
	s := &Stream{
		prod: &bodyProducer{r: r},
		rec:  newRecorder(),
		fail: func(err error) error { return err },
	}
	s.close = func() {
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
	}
	return s
}

// Events returns the stream's events as a sequence; see [Stream] for the
// contract. Breaking out of the loop closes the stream.
func (s *Stream) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		defer s.Close()
		for {
			ev, err := s.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// Next returns the next event. After the last one it returns io.EOF when
// the answer ended well, and otherwise the error that ended it, as
// [Stream] describes (after a KindError event, its *ServerError).
func (s *Stream) Next() (Event, error) {
	for s.qi == len(s.queue) {
		if s.ended {
			s.drain()
			if s.err != nil {
				return Event{}, s.err
			}
			return Event{}, io.EOF
		}
		evs, err := s.prod.next(s.queue[:0])
		s.queue, s.qi = evs, 0
		if err != nil {
			s.stop(err)
		}
	}
	ev := s.queue[s.qi]
	s.qi++
	if s.size += len(ev.Text); s.size > MaxAnswerSize {
		s.queue, s.qi, s.ended, s.err = nil, 0, true, ErrAnswerTooLarge
		s.Close()
		return Event{}, s.err
	}
	s.rec.event(&ev)
	switch ev.Kind {
	case KindText, KindThinking:
		s.tokens++
		s.content = s.content || strings.TrimSpace(ev.Text) != ""
	case KindToolStart, KindToolArgs, KindToolExecuting, KindToolResult:
		s.content = true
	}
	if ev.terminal() {
		s.queue, s.qi, s.ended = nil, 0, true
		if s.linger <= 0 {
			s.Close()
		} else {
			s.rec.finish() // the answer's end, whatever follows it
		}
		switch {
		case ev.Kind == KindError:
			if ev.Err == nil {
				ev.Err = &ServerError{}
			}
			s.err = ev.Err // after the event, the stream's error
		case !s.content:
			s.err = errEmptyDone
			s.drain()
			return Event{}, s.err
		}
	}
	return ev, nil
}

// Close releases the stream: it aborts the HTTP request if it is still
// running, so the server sees the disconnect. It is safe to call more than
// once, and is called by the stream itself when it ends.
func (s *Stream) Close() error {
	s.once.Do(func() {
		s.rec.finish()
		if s.close != nil {
			s.close()
		}
	})
	return nil
}

// Dialect returns the stream's dialect, or "" while it is not known yet.
func (s *Stream) Dialect() Dialect {
	if d, ok := s.prod.(interface{ dialect() Dialect }); ok {
		return d.dialect()
	}
	return ""
}

// Timings returns when the phases of the request happened so far.
func (s *Stream) Timings() Timings { return s.rec.get() }

// End says how the stream ended, once it has (see [End]).
func (s *Stream) End() End { return End{Implicit: s.implicit, HeldOpen: s.held.Load()} }

// drain reads what follows the terminal event, with a trace's Linger,
// so that the trace sees it; then the stream closes.
func (s *Stream) drain() {
	if s.linger <= 0 {
		return
	}
	d := s.linger
	s.linger = 0
	t := time.AfterFunc(d, func() {
		s.held.Store(true)
		s.Close()
	})
	defer t.Stop()
	defer s.Close()
	var buf []Event
	for {
		var err error
		if buf, err = s.prod.next(buf[:0]); err != nil {
			return
		}
	}
}
