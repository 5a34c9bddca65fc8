package probe

import (
	"errors"
	"fmt"
	"time"

	"github.com/tokcli/tok/client"
)

// DefaultInterruptWait is how long a probe waits for the server to
// acknowledge its interrupt, as tok's stop key does.
const DefaultInterruptWait = 500 * time.Millisecond

// Interrupt is how the server took the probe's interrupt
// ([Options.InterruptAfter]), its times measured from the moment the
// interrupt was sent. No tool measured this before tok probe: how soon a
// chat server stops generating when the user says stop.
type Interrupt struct {
	// After is the text tokens that arrived before the interrupt.
	After int
	// Wait is how long the acknowledgement had.
	Wait time.Duration
	// How the answer stopped: acknowledged (the socket stays open),
	// the socket closed for want of an acknowledgement (or as the
	// protocol's only interrupt), or an HTTP request aborted.
	How client.Stop
	// Ack is interrupt → acknowledgement; 0 when none came.
	Ack time.Duration
	// LastToken is interrupt → the last token that arrived after it; 0
	// when none did.
	LastToken time.Duration
	// TokensAfter counts the text tokens that arrived after the
	// interrupt: before the acknowledgement, and after it within the
	// grace period (a server that sends "late" tokens).
	TokensAfter int
}

// interrupted notes the end of an interrupted stream; false when err is
// no interrupt's.
func (w *watch) interrupted(err error) bool {
	var se *client.StopError
	if !errors.As(err, &se) {
		return false
	}
	in := &Interrupt{After: w.interruptAfter, Wait: w.opts.InterruptWait, How: se.How, TokensAfter: se.Dropped + se.Late}
	if se.Ack > 0 {
		in.Ack = max(se.Ack-se.At, 1)
	}
	if se.Last > 0 {
		in.LastToken = max(se.Last-se.At, 1)
	}
	res := w.res
	res.Interrupt, res.Total = in, w.since()
	res.Terminal = se.How == client.StopInterrupted
	return true
}

// checkInterrupt judges the interrupt: a WebSocket server must
// acknowledge it within the wait; the Responses API's mode, and any HTTP
// stream, stop by the close, which needs nothing of the server.
func (res *Result) checkInterrupt() {
	in := res.Interrupt
	after := fmt.Sprintf("%s after it", plural(in.TokensAfter, "token"))
	if in.TokensAfter > 0 {
		after += fmt.Sprintf(", the last %s after it", fmtDur(in.LastToken))
	}
	switch {
	case in.How == client.StopInterrupted:
		res.add("interrupt", Pass, "acknowledged %s after the interrupt (sent after %s); %s", fmtDur(in.Ack), plural(in.After, "token"), after)
	case in.How == client.StopClosed && res.Dialect == client.DialectOpenAIResponses:
		res.add("interrupt", Pass, "the socket closed: the Responses API's WebSocket mode stops by the close; %s", after)
	case in.How == client.StopClosed:
		res.add("interrupt", Fail, `no acknowledgement within %s (stream_end with interrupted: true), so tok closed the socket; %s; the server must stop on {"type":"interrupt"} and say so`,
			fmtDur(in.Wait), after)
	default:
		res.add("interrupt", Pass, "the request was aborted: an HTTP stream stops when the client closes the connection")
	}
	res.checkHeartbeats()
}
