package client

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

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

// ending is how a body ended, as [endOf] reads it.
type ending struct {
	// tail completes the answer: the events the dialect gives at the
	// body's end, a terminal one last. It is nil when the body did not
	// end well.
	tail []Event
	// err is why it did not. For a cut-off (cut), it is the cause, nil
	// for a clean close before the end; otherwise it is the error to
	// report as it is.
	err error
	cut bool
}

// endOf reads the end of a body from the error that stopped its read; it
// is the one rule for it, which the stream, the retrier and a trace's
// watcher all see the result of. io.EOF with a whole answer (the
// dialect's end gives a terminal event) is a good end; io.EOF without one,
// a reset or the idle timeout is a cut-off; a stop, a total timeout, a
// body that is not a stream, a failed request or an answer over a limit
// is an error of its own. tail is the dialect's end, explain turns a read
// error into its cause.
func endOf(readErr error, tail func() []Event, explain func(error) error) ending {
	if errors.Is(readErr, io.EOF) {
		if evs := tail(); len(evs) > 0 && evs[len(evs)-1].terminal() {
			return ending{tail: evs}
		}
		return ending{cut: true}
	}
	var rq *requestError
	if errors.As(readErr, &rq) {
		return ending{err: rq.err} // no answer came, so none was cut
	}
	var ts *traceStop
	if errors.As(readErr, &ts) {
		return ending{err: ts.err} // a trace stopped it: its reason, as it is
	}
	err := explain(readErr)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errConnectionClosed
	}
	return ending{err: err, cut: isCutOff(err)}
}

// stop ends the stream on a read error, after the events already queued.
func (s *Stream) stop(readErr error) {
	s.ended = true
	var se *StopError
	if errors.As(readErr, &se) && se.How == StopInterrupted && s.linger > 0 {
		// A trace watches what follows the acknowledgement (tokens a
		// server sends late): drain reads on, then closes.
		s.err = readErr
		s.rec.finish()
		return
	}
	defer s.Close()
	switch e := endOf(readErr, s.prod.end, s.fail); {
	case e.tail != nil:
		s.queue, s.implicit = append(s.queue, e.tail...), true
		if !s.content && !hasContent(s.queue[s.qi:]) {
			// A body with nothing in it "ends" a plain-text answer.
			s.queue, s.qi, s.err = nil, 0, errEmptyEOF
		}
	case e.cut:
		s.linger = 0 // a failed read has no end to watch past
		s.err = &CutOffError{Tokens: s.tokens + countTokens(s.queue[s.qi:]), Err: e.err}
	default:
		s.linger = 0
		s.err = e.err
	}
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
