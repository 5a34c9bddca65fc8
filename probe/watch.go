package probe

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tokcli/tok/client"
)

// watch measures one request through the hooks of a [client.Trace]: the
// response's head, every read of the body (stopping it at a limit), every
// frame and comment, and, from the stream it reads, the events and how
// the answer ended. The hooks run on the goroutine that reads the stream
// (Response on the one that sends it, before), so nothing here locks.
type watch struct {
	res  *Result
	opts Options
	lims limits

	begin     time.Time // when Run began, until the response says when the request did
	head      *http.Response
	timings   client.Timings // as the headers arrived
	firstByte time.Duration
	ended     bool // the terminal event arrived: frames from here are after it
	hit       *LimitError
	// interruptAfter is the tokens before the interrupt, once sent.
	interruptAfter int
}

func newWatch(res *Result, opts Options) *watch {
	return &watch{res: res, opts: opts, lims: opts.lims.orDefaults(), begin: time.Now()}
}

// trace is the hook the stream is read under; its Linger is the grace.
func (w *watch) trace() *client.Trace {
	return &client.Trace{
		Response: w.response,
		Read:     w.read,
		Frame:    w.frame,
		Comment:  w.comment,
		Linger:   w.opts.Grace,
	}
}

// since is the time since the request began.
func (w *watch) since() time.Duration {
	if !w.timings.Start.IsZero() {
		return time.Since(w.timings.Start)
	}
	return time.Since(w.begin)
}

func (w *watch) response(resp *http.Response, t client.Timings) {
	w.head, w.timings = resp, t
}

// read notes one read of the body and stops the stream at a limit.
func (w *watch) read(n int, at time.Duration) error {
	res := w.res
	res.Reads = append(res.Reads, BodyRead{At: at, Bytes: n})
	res.Bytes += int64(n)
	if w.firstByte == 0 {
		w.firstByte = at
	}
	switch {
	case len(res.Reads) >= w.lims.reads:
		return w.reach(readsLimit(w.lims.reads), at)
	case res.Bytes >= w.lims.bytes:
		return w.reach(fmtBytes(int(w.lims.bytes)), at)
	}
	return nil
}

func (w *watch) frame(f client.Frame, at time.Duration) {
	res := w.res
	res.FrameCount++
	if w.ended && f.Data != "[DONE]" { // the sentinel some dialects send after their end
		res.AfterTerminal++
	}
	if w.opts.Frames {
		res.keepFrame(Frame{At: at, Event: f.Event, Data: f.Data, ID: f.ID})
	}
}

func (w *watch) comment(_ []byte, at time.Duration) {
	w.res.Heartbeats++
	if w.opts.Frames {
		w.res.keepFrame(Frame{At: at, Comment: true})
	}
}

// reach returns the limit the probe stopped at: the first one reached.
func (w *watch) reach(what string, at time.Duration) *LimitError {
	if w.hit == nil {
		w.hit = &LimitError{What: what, After: at}
	}
	return w.hit
}

// failed notes a request that got no stream: an error before the
// response, or a status other than 2xx (whose body was read, and timed).
func (w *watch) failed(err error) {
	res := w.res
	var he *client.HTTPError
	if errors.As(err, &he) {
		res.Status = he.StatusCode
	}
	res.Err, res.Total = err, w.since()
	res.phases(w.timings)
	res.FirstByte = w.firstByte
}

// phases copies the phases up to the first byte.
func (res *Result) phases(t client.Timings) {
	res.DNS, res.Connect, res.TLS, res.Headers, res.FirstByte = t.DNS, t.Connect, t.TLS, t.Headers, t.FirstByte
}

// consume reads the stream to its end (the grace after the terminal
// event included) or to a limit, and notes how it ended.
func (w *watch) consume(s *client.Stream) {
	w.noteHead()
	res := w.res
	var err error
	for ev, e := range s.Events() {
		if err = e; err != nil {
			break
		}
		if res.event(ev) {
			w.ended, res.Total = true, ev.At
		} else if res.Tokens >= w.lims.tokens {
			err = w.reach(tokensLimit(w.lims.tokens), ev.At)
			break
		}
		if n := w.opts.InterruptAfter; n > 0 && w.interruptAfter == 0 && ev.Kind == client.KindText && res.Tokens >= n {
			w.interruptAfter = res.Tokens
			s.Interrupt(w.opts.InterruptWait)
		}
	}
	res.phases(s.Timings())
	res.Dialect = s.Dialect()
	end := s.End()
	res.HeldOpen = end.HeldOpen
	if err != nil {
		w.stopped(err)
	}
	if end.Implicit && res.Dialect != client.DialectText {
		// The body's end completed the answer: no terminal event of its own.
		res.Implicit, res.Terminal = true, false
	}
}

// noteHead notes the status and headers of the answer being read.
func (w *watch) noteHead() {
	if w.head == nil {
		return // a client that retries may open a stream before any answer
	}
	res := w.res
	res.Status, res.Proto, res.Header = w.head.StatusCode, w.head.Proto, w.head.Header.Clone()
	if w.head.Uncompressed {
		res.Header.Set("Content-Encoding", "gzip") // the transport undid it
	}
}

// stopped notes the error that ended the stream.
func (w *watch) stopped(err error) {
	if w.interrupted(err) {
		return
	}
	res := w.res
	var co *client.CutOffError
	var se *client.ServerError
	switch {
	case errors.As(err, &se) && res.ServerError != nil:
		return // the error event's, noted with it
	case errors.Is(err, client.ErrEmptyAnswer):
		// The answer ended well, by its terminal event or the body's
		// end, only with nothing in it: the checks say so.
		res.Terminal, res.Total = true, w.since()
		return
	case errors.Is(err, client.ErrAnswerTooLarge):
		err = w.reach(fmt.Sprintf("%d MiB of answer text", client.MaxAnswerSize>>20), w.since())
	case errors.As(err, &co):
		// The stream's count has reasoning too; the probe counts text.
		err = &client.CutOffError{Tokens: res.Tokens, Err: co.Err}
	}
	res.Err, res.Total = err, w.since()
}
