package client

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"time"
)

// Stream is one streamed answer: the events of a response body, or of the
// demo model, in order.
//
// Contract, as go-sse's Read: [Stream.Events] yields events until a
// terminal one (KindDone or KindError) and then stops; an event is never
// yielded together with an error; a transport failure ends the sequence with
// one non-nil error. A body that ends before a terminal event yields a
// [*CutOffError]; cancelling the request's context yields the context's
// cause (context.Canceled for a stop). Whatever ends the stream, the events
// before the end were yielded, so the partial answer is the caller's.
// Ranging over Events to its end, or calling Close, releases the request.
// The body is closed as soon as a terminal event arrives, without waiting
// for EOF. A Stream is not safe for concurrent use.
type Stream struct {
	prod  producer
	rec   *recorder
	fail  func(error) error // turns a read error into the error to report
	close func()

	queue   []Event
	qi      int
	ended   bool
	err     error
	tokens  int
	size    int  // bytes of text, reasoning and tool arguments so far
	content bool // text, reasoning or a tool call arrived
	once    sync.Once
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

// Next returns the next event. It returns io.EOF after the terminal event,
// and otherwise the error that ended the stream, as [Stream] describes.
func (s *Stream) Next() (Event, error) {
	for s.qi == len(s.queue) {
		if s.ended {
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
		s.Close()
		if ev.Kind == KindDone && !s.content {
			s.err = errEmptyDone
			return Event{}, s.err
		}
	}
	return ev, nil
}

// MaxAnswerSize bounds one answer's text, reasoning and tool arguments
// together: 16 MiB, some forty times the longest answer an API writes,
// so that no server can make tok (or the terminal drawing the answer)
// hold text without end.
const MaxAnswerSize = 16 << 20

// ErrAnswerTooLarge ends a stream whose answer passed [MaxAnswerSize];
// the events before it were delivered.
var ErrAnswerTooLarge = errors.New("the answer passed 16 MiB, tok's limit for one answer")

// ErrEmptyAnswer is the cause of a stream that ended, well formed or
// not, without a piece of text, reasoning or a tool call: an empty body,
// a stream of nothing but heartbeats, or a terminal event with nothing
// before it. errors.Is matches the errors a [Stream] reports for it.
var ErrEmptyAnswer = errors.New("the answer was empty")

var (
	errEmptyEOF  = fmt.Errorf("%w: the body ended before any text arrived", ErrEmptyAnswer)
	errEmptyDone = fmt.Errorf("%w: the server ended it without any text", ErrEmptyAnswer)
)

// stop ends the stream on a read error, after the events already queued.
func (s *Stream) stop(err error) {
	s.ended = true
	if errors.Is(err, io.EOF) {
		tail := s.prod.end()
		if len(tail) > 0 && tail[len(tail)-1].terminal() {
			s.queue = append(s.queue, tail...)
			if !s.content && !hasContent(s.queue[s.qi:]) {
				// A body with nothing in it "ends" a plain-text answer.
				s.queue, s.qi, s.err = nil, 0, errEmptyEOF
				s.Close()
			}
			return
		}
		err = nil
	}
	var rq *requestError
	if errors.As(err, &rq) {
		s.err = rq.err // the request failed: no stream to have been cut
		s.Close()
		return
	}
	if err = s.fail(err); errors.Is(err, io.ErrUnexpectedEOF) {
		err = errConnectionClosed
	}
	if err == nil || isCutOff(err) {
		s.err = &CutOffError{Tokens: s.tokens + countTokens(s.queue), Err: err}
	} else {
		s.err = err
	}
	s.Close()
}

// hasContent reports whether evs hold text, reasoning or a tool call.
func hasContent(evs []Event) bool {
	for _, ev := range evs {
		switch ev.Kind {
		case KindText, KindThinking:
			if strings.TrimSpace(ev.Text) != "" {
				return true
			}
		case KindToolStart, KindToolArgs, KindToolExecuting, KindToolResult:
			return true
		}
	}
	return false
}

// requestError is a failure to get an answer at all (a retry that was
// refused, say), which the stream reports as itself, never as a cut-off.
type requestError struct{ err error }

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func countTokens(evs []Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == KindText || ev.Kind == KindThinking {
			n++
		}
	}
	return n
}

var errConnectionClosed = errors.New("the connection closed mid-response")

// isCutOff reports whether a read error means the stream broke off (as
// opposed to the caller stopping it or the body not being a stream).
func isCutOff(err error) bool {
	var re *ResumeError
	if errors.As(err, &re) {
		return true
	}
	var na *NotAStreamError
	var fe *frameError
	var he *HTTPError
	var rq *requestError
	return !errors.As(err, &na) && !errors.As(err, &fe) && !errors.As(err, &he) && !errors.As(err, &rq) &&
		!errors.Is(err, ErrUnknownDialect) && !errors.Is(err, ErrEmptyAnswer) && !errors.Is(err, ErrEventTooLarge) &&
		!isCallerStop(err)
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

// bodyProducer reads a body: it sniffs what the body is, then frames and
// decodes it.
type bodyProducer struct {
	r   io.Reader
	fr  framer
	dec decoder
	det *detector
	// tap and comment, when set, see each frame and each SSE comment as
	// they are read (a probe's).
	tap     func(Frame)
	comment func()
	// secrets are scrubbed from the events and errors read (see scrub.go).
	secrets secrets
}

func (p *bodyProducer) open() error {
	br := bufio.NewReaderSize(p.r, 64<<10)
	kind, err := sniff(br)
	if err != nil {
		return err
	}
	switch kind {
	case bodyDataStream:
		p.fr, p.dec = &lineFramer{br: br}, newDecoder(DialectVercelData)
	case bodyText:
		p.fr, p.dec = &textFramer{r: br}, &textDecoder{}
	default:
		p.det = &detector{}
		fr := NewFrameReader(br)
		if p.comment != nil {
			fr.OnComment = func([]byte) { p.comment() }
		}
		p.fr, p.dec = fr, p.det
	}
	return nil
}

func (p *bodyProducer) next(dst []Event) ([]Event, error) {
	evs, err := p.read(dst)
	p.secrets.scrubEvents(evs[len(dst):])
	return evs, p.secrets.scrubError(err)
}

func (p *bodyProducer) read(dst []Event) ([]Event, error) {
	if p.fr == nil {
		if err := p.open(); err != nil {
			return dst, err
		}
	}
	f, err := p.fr.Next()
	if err != nil {
		return dst, err
	}
	if p.tap != nil {
		p.tap(f)
	}
	if !f.Unterminated {
		return p.dec.decode(dst, f)
	}
	// The tail the body ended on without its blank line counts when the
	// dialect can read it whole: its text is kept, and so is a finish it
	// carries. A tail cut inside its JSON is dropped, and the stream is
	// then cut off (or ends by its dialect's rule) without it.
	evs, err := p.dec.decode(dst, f)
	if err != nil {
		return dst, nil
	}
	return evs, nil
}

func (p *bodyProducer) end() []Event {
	if p.dec == nil {
		return nil
	}
	evs := p.dec.end()
	p.secrets.scrubEvents(evs)
	return evs
}

// index returns the index of the token frame just read, or -1 when it had
// none: tok's protocol numbers a session's tokens, for resume.
func (p *bodyProducer) index() int {
	dec := p.dec
	if p.det != nil {
		dec = p.det.dec
	}
	if d, ok := dec.(*tokDecoder); ok {
		return d.seq - 1
	}
	return -1
}

// lastEventID returns the SSE id in force after the frames read so far.
func (p *bodyProducer) lastEventID() string {
	if fr, ok := p.fr.(*FrameReader); ok {
		return fr.LastEventID()
	}
	return ""
}

// maxRetryHint caps a retry field, in milliseconds (an hour), so that no
// server's number overflows a duration.
const maxRetryHint = 3_600_000

// retryHint returns the reconnection time the server set with an SSE
// retry field, or -1 when it set none.
func (p *bodyProducer) retryHint() time.Duration {
	if fr, ok := p.fr.(*FrameReader); ok && fr.Retry() >= 0 {
		return time.Duration(min(fr.Retry(), maxRetryHint)) * time.Millisecond
	}
	return -1
}

func (p *bodyProducer) dialect() Dialect {
	switch d := p.dec.(type) {
	case nil:
		return ""
	case *detector:
		return d.dialect
	case *vercelDataDecoder:
		return DialectVercelData
	default:
		return DialectText
	}
}
