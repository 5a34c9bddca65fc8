package client

import (
	"context"
	"time"
)

// Stop says how [Stream.Interrupt] stopped an answer.
type Stop uint8

const (
	// StopAborted: the request was aborted, as cancelling its context
	// does. It is how an HTTP stream (SSE, plain text) stops: the server
	// sees the connection close.
	StopAborted Stop = iota
	// StopInterrupted: the server acknowledged the interrupt over the
	// WebSocket (the chat protocol's stream_end with interrupted: true,
	// or any end of the answer); the connection stays open for the next
	// turn.
	StopInterrupted
	// StopClosed: the WebSocket was closed, because no acknowledgement
	// came in time, or because the protocol has no interrupt message but
	// the close (the Responses API's WebSocket mode). The next turn
	// dials a new connection.
	StopClosed
)

func (s Stop) String() string {
	switch s {
	case StopInterrupted:
		return "interrupted"
	case StopClosed:
		return "connection closed"
	}
	return "aborted"
}

// StopError ends a stream that [Stream.Interrupt] stopped: the events
// before the interrupt were yielded, none after it. errors.Is matches it
// with context.Canceled, as it does the cancellation of the stop key,
// so a caller that treats a cancelled answer as stopped by the user
// treats this one so too.
type StopError struct {
	How Stop
	// At is when the interrupt was sent, Ack when the server's
	// acknowledgement arrived (0 without one), both since the request
	// began.
	At, Ack time.Duration
	// Dropped counts the text and reasoning events that arrived after
	// the interrupt, up to the acknowledgement, and were not yielded;
	// Last is when the last of them arrived (0 for none).
	Dropped int
	Last    time.Duration
	// Late counts the text events that arrived after the
	// acknowledgement, read only while a [Trace]'s Linger reads on (a
	// turn otherwise ends at the acknowledgement, and the connection
	// drops what follows); Last counts them too.
	Late int
}

func (e *StopError) Error() string { return "stopped (" + e.How.String() + ")" }

// Is makes errors.Is(err, context.Canceled) true.
func (e *StopError) Is(target error) bool { return target == context.Canceled }

// interrupter is a producer that stops an answer in its own way.
type interrupter interface {
	interrupt(wait time.Duration)
}

// Interrupt stops the answer and returns at once; the stream then ends,
// at its next read, with a [*StopError] saying how. Unlike the other
// methods it may be called from any goroutine while another reads the
// stream (the stop key's).
//
// Over a WebSocket in the chat protocol it sends {"type":"interrupt"}
// and waits up to wait for the server's acknowledgement, reading on but
// yielding nothing: the connection then stays open for the next turn
// ([StopInterrupted]). If none comes in time it closes the socket
// ([StopClosed]). The Responses API's WebSocket mode has no interrupt but
// the close, so it closes at once. An HTTP stream is aborted at once
// ([StopAborted]), and a stream of [FromEvents] is closed. The reader
// must keep reading for the acknowledgement to be seen; a stream that
// already ended is left as it is.
func (s *Stream) Interrupt(wait time.Duration) {
	switch {
	case s.intr != nil:
		s.intr.interrupt(wait)
	case s.abort != nil:
		s.abort(&StopError{How: StopAborted, At: s.rec.since()})
	default:
		s.Close()
	}
}
