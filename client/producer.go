package client

import (
	"bufio"
	"io"
	"time"
)

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
	comment func(text []byte)
	// secrets are scrubbed from the events and errors read (see scrub.go).
	secrets secrets
}

// newBodyProducer reads body, scrubbing sec from what it yields, and
// tells tr (when not nil) of each frame and comment.
func newBodyProducer(body io.Reader, sec secrets, tr *Trace, rec *recorder) *bodyProducer {
	p := &bodyProducer{r: body, secrets: sec}
	if tr != nil && tr.Frame != nil {
		p.tap = func(f Frame) {
			f.Data = sec.scrub(f.Data)
			tr.Frame(f, rec.since())
		}
	}
	if tr != nil && tr.Comment != nil {
		p.comment = func(text []byte) { tr.Comment(text, rec.since()) }
	}
	return p
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
			fr.OnComment = p.comment
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
