package client

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Frame is one event of a Server-Sent Events stream, as dispatched by the
// WHATWG "event stream interpretation" rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
type Frame struct {
	// Event is the event type; "message" when the frame named none.
	Event string
	// Data is the frame's data lines joined with "\n".
	Data string
	// ID is the last event ID in force when the frame was dispatched.
	ID string
	// Unterminated marks the stream's tail: fields that the body ended on
	// before the blank line that dispatches them. A conforming EventSource
	// drops it; tok hands it to the dialect decoder, which accepts it only
	// when it is a complete terminal event.
	Unterminated bool
}

// FrameReader splits a byte stream into SSE frames.
//
// It follows the WHATWG rules exactly: LF, CR and CRLF line endings, mixed
// freely and split across reads anywhere; one leading UTF-8 BOM stripped;
// comment lines skipped (counted, and passed to OnComment); "data:" with or
// without the space; several data lines joined with "\n"; "id" ignored when it
// holds NUL; "retry" only when all digits; no limit on line length; a block
// with no data dispatches nothing. The unterminated tail is returned once,
// with [Frame.Unterminated] set, before io.EOF.
type FrameReader struct {
	r   io.Reader
	buf []byte
	// buf[lo:hi] is read but not yet consumed.
	lo, hi int
	err    error // the first read error, returned once buf is drained

	started bool // the BOM check is done
	skipLF  bool // the previous line ended in CR: a leading LF belongs to it

	data    []byte
	hasData bool
	event   string
	idBuf   string
	lastID  string
	retry   int

	// Max is the largest event, in bytes of its lines; 0 is
	// [MaxEventSize]. A longer line or event ends the stream with
	// [ErrEventTooLarge], so that no server can make tok buffer without end.
	Max   int
	fatal error

	// Comments counts the comment lines read so far (heartbeats).
	Comments int
	// OnComment, when set, is called with each comment's text (without the
	// colon). The slice is valid only during the call.
	OnComment func(text []byte)
}

const frameBufSize = 32 << 10

// MaxEventSize is the largest SSE event tok reads by default (a line, or
// an event's data lines together): 16 MiB, far above any token or tool
// call an API sends, and a bound on what a server can make tok hold.
const MaxEventSize = 16 << 20

// ErrEventTooLarge ends a stream with an event larger than the limit.
var ErrEventTooLarge = errors.New("the server sent an event larger than 16 MiB, tok's limit")

func (fr *FrameReader) max() int {
	if fr.Max > 0 {
		return fr.Max
	}
	return MaxEventSize
}

// NewFrameReader returns a FrameReader that reads from r.
func NewFrameReader(r io.Reader) *FrameReader {
	return &FrameReader{r: r, buf: make([]byte, frameBufSize), retry: -1}
}

// LastEventID returns the last event ID set by an id field, as the WHATWG
// rules define it (updated when a block ends, dispatched or not).
func (fr *FrameReader) LastEventID() string { return fr.lastID }

// Retry returns the reconnection time in milliseconds set by the last valid
// retry field, or -1 when none was.
func (fr *FrameReader) Retry() int { return fr.retry }

// Next returns the next dispatched frame. At the end of the body it returns
// the unterminated tail, if there is one, and then io.EOF. Any other error is
// the underlying reader's.
func (fr *FrameReader) Next() (Frame, error) {
	for {
		if fr.fatal != nil {
			return Frame{}, fr.fatal
		}
		line, ok := fr.line()
		if ok {
			if f, dispatch := fr.process(line); dispatch {
				return f, nil
			}
			continue
		}
		if fr.err != nil {
			return fr.tail()
		}
		fr.fill()
	}
}

// tooLarge drops what is buffered and ends the stream.
func (fr *FrameReader) tooLarge() {
	fr.fatal = ErrEventTooLarge
	fr.lo, fr.hi, fr.data, fr.hasData = 0, 0, nil, false
}

// line returns the next complete line without its ending, consuming it.
func (fr *FrameReader) line() ([]byte, bool) {
	if !fr.started && !fr.stripBOM() {
		return nil, false
	}
	if fr.skipLF && fr.lo < fr.hi {
		fr.skipLF = false
		if fr.buf[fr.lo] == '\n' {
			fr.lo++
		}
	}
	b := fr.buf[fr.lo:fr.hi]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		i = len(b)
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		fr.lo += j + 1
		fr.skipLF = true
		return b[:j], true
	}
	if i == len(b) {
		return nil, false
	}
	fr.lo += i + 1
	return b[:i], true
}

var bom = []byte("\ufeff")

// stripBOM drops one leading BOM once three bytes (or the end) are in.
func (fr *FrameReader) stripBOM() bool {
	b := fr.buf[fr.lo:fr.hi]
	if len(b) < len(bom) && fr.err == nil && bytes.HasPrefix(bom, b) {
		return false
	}
	if bytes.HasPrefix(b, bom) {
		fr.lo += len(bom)
	}
	fr.started = true
	return true
}

// fill reads more bytes, compacting or growing the buffer first.
func (fr *FrameReader) fill() {
	if fr.lo > 0 {
		fr.hi = copy(fr.buf, fr.buf[fr.lo:fr.hi])
		fr.lo = 0
	}
	if fr.hi == len(fr.buf) {
		if fr.hi >= fr.max() {
			fr.tooLarge()
			return
		}
		fr.buf = append(fr.buf, make([]byte, min(len(fr.buf), fr.max()+1-len(fr.buf)))...)
	}
	n, err := fr.r.Read(fr.buf[fr.hi:])
	fr.hi += n
	if err != nil {
		fr.err = err
	}
}

// process interprets one line and reports whether it dispatched a frame.
func (fr *FrameReader) process(line []byte) (Frame, bool) {
	if len(line) == 0 {
		return fr.dispatch()
	}
	if line[0] == ':' {
		fr.Comments++
		if fr.OnComment != nil {
			fr.OnComment(line[1:])
		}
		return Frame{}, false
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	fr.field(string(field), value)
	return Frame{}, false
}

func (fr *FrameReader) field(name string, value []byte) {
	switch name {
	case "data":
		if len(fr.data)+len(value) >= fr.max() {
			fr.tooLarge()
			return
		}
		if fr.hasData {
			fr.data = append(fr.data, '\n')
		}
		fr.data = append(fr.data, value...)
		fr.hasData = true
	case "event":
		if string(value) != fr.event {
			fr.event = string(value)
		}
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			fr.idBuf = string(value)
		}
	case "retry":
		if n, ok := parseDigits(value); ok {
			fr.retry = n
		}
	}
}

// parseDigits accepts only ASCII digits, as the spec's retry field does.
func parseDigits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil
}

func (fr *FrameReader) dispatch() (Frame, bool) {
	fr.lastID = fr.idBuf
	if !fr.hasData {
		fr.event = ""
		return Frame{}, false
	}
	f := fr.frame()
	fr.data, fr.hasData, fr.event = fr.data[:0], false, ""
	return f, true
}

func (fr *FrameReader) frame() Frame {
	f := Frame{Event: fr.event, Data: string(fr.data), ID: fr.idBuf}
	if f.Event == "" {
		f.Event = "message"
	}
	return f
}

// tail returns what the body ended on without a blank line, then the error.
func (fr *FrameReader) tail() (Frame, error) {
	if fr.lo < fr.hi {
		// The last line has no line ending: it is still a field of the tail.
		rest := fr.buf[fr.lo:fr.hi]
		fr.lo = fr.hi
		if f, dispatch := fr.process(rest); dispatch {
			return f, nil // cannot happen: a non-empty line never dispatches
		}
	}
	if fr.hasData {
		f := fr.frame()
		f.Unterminated = true
		fr.data, fr.hasData, fr.event = fr.data[:0], false, ""
		return f, nil
	}
	return Frame{}, fr.err
}
