package client

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Trace watches a stream's wire while it is read, as net/http/httptrace
// watches a request: a probe measures a stream through it instead of
// reading the body itself, so the stream, its dialects and its end are
// read by the same code whatever is watching. Put it on the request's
// context with [WithTrace]. Any field may be nil. Response runs before
// [Client.Stream] returns; the others run on the goroutine that reads the
// stream, and must not block.
type Trace struct {
	// Response is called when the response headers arrive, whatever the
	// status, with the timings so far.
	Response func(resp *http.Response, t Timings)
	// Read is called after each read of the body (as it came, compressed
	// or not) with the bytes read and the time since the request began.
	// An error it returns ends the stream with that error, as it is.
	Read func(n int, at time.Duration) error
	// Frame is called with each frame as it is read, before it is
	// decoded: an SSE event, a data-stream line, a chunk of plain text.
	Frame func(f Frame, at time.Duration)
	// Comment is called with each SSE comment line (a heartbeat).
	Comment func(text []byte, at time.Duration)
	// Linger keeps reading the body for up to this long after the
	// terminal event, so that Frame sees what follows the end;
	// [Stream.End] then says whether the server still held it open. It
	// applies to a stream sent with no retries.
	Linger time.Duration
}

type traceKey struct{}

// WithTrace returns a context carrying t: a request sent under it is
// watched by t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// traceStop is the error a trace's Read hook ended the stream with.
type traceStop struct{ err error }

func (e *traceStop) Error() string { return e.err.Error() }
func (e *traceStop) Unwrap() error { return e.err }

func isTraceStop(err error) bool {
	var ts *traceStop
	return errors.As(err, &ts)
}

// End says how a stream that ended well ended.
type End struct {
	// Implicit: the body ended after the answer was complete by its
	// dialect's rule (a finish reason, or plain text), without a
	// terminal frame of its own.
	Implicit bool
	// HeldOpen: with [Trace.Linger], the server still held the body open
	// when the linger ran out.
	HeldOpen bool
}
