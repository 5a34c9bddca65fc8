package client

import (
	"bufio"
	"errors"
	"io"
	"iter"
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

	queue  []Event
	qi     int
	ended  bool
	err    error
	tokens int
	once   sync.Once
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
	s.rec.event(&ev)
	if ev.Kind == KindText || ev.Kind == KindThinking {
		s.tokens++
	}
	if ev.terminal() {
		s.queue, s.qi, s.ended = nil, 0, true
		s.Close()
	}
	return ev, nil
}

// stop ends the stream on a read error, after the events already queued.
func (s *Stream) stop(err error) {
	s.ended = true
	if errors.Is(err, io.EOF) {
		tail := s.prod.end()
		if len(tail) > 0 && tail[len(tail)-1].terminal() {
			s.queue = append(s.queue, tail...)
			return
		}
		err = nil
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
	return !errors.As(err, &na) && !errors.As(err, &fe) && !errors.Is(err, ErrUnknownDialect) && !isCallerStop(err)
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
	// The tail counts only when it is a whole terminal event.
	evs, err := p.dec.decode(dst, f)
	if err == nil && len(evs) > len(dst) && evs[len(evs)-1].terminal() {
		return evs, nil
	}
	return dst, nil
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

// retryHint returns the reconnection time the server set with an SSE
// retry field, or -1 when it set none.
func (p *bodyProducer) retryHint() time.Duration {
	if fr, ok := p.fr.(*FrameReader); ok && fr.Retry() >= 0 {
		return time.Duration(fr.Retry()) * time.Millisecond
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
