package server

import (
	"context"
	"time"

	"github.com/tokcli/tok/client"
)

// run streams one planned answer and notes in its record how it went.
//
// Invariants:
//   - Every wait selects on the request's context, so when the client goes
//     away generation stops before the next token; a failed write stops it
//     at once. Tokens generated after either is noticed are counted, and
//     stay at 0.
//   - Every wait selects on the client's interrupt too (a WebSocket's), and
//     a wait looks for one before it sleeps, so an interrupt that arrived
//     during a write stops the answer before the next token: at most the
//     token being written goes after it (unless no-ack or late=N say
//     otherwise). An acknowledged interrupt is the answer's end: no end
//     event follows it.
//   - With a capacity, the stream holds its slot in the batch from before
//     its first token to its end, whichever way it ends.
type run struct {
	ctx        context.Context
	shutdown   <-chan struct{}
	sc         Scenario
	plan       plan
	enc        encoder
	fw         frames
	stats      *statsLog
	rec        *Record
	keep       *keeper // the session's tokens, for resume
	session    string
	input      int      // the prompt's tokens, as every dialect reports them
	stored     []string // tokens a resumed session already has: replayed at once
	storedDone bool     // and the answer had finished: nothing more is generated
	started    time.Time
	intr       *interrupt // the client's interrupt; nil over SSE
	batch      *batch     // the server's capacity and pause (nil: none)

	sent  int  // tokens written
	gone  bool // the client's disconnect was noticed
	after int  // tokens generated after it was

	afterInterrupt int  // tokens begun after the client's interrupt arrived
	stepLate       bool // the step in progress was begun after it
	timer          *time.Timer
	beat           *time.Ticker

	admitted bool      // holds a slot in the batch
	due      time.Time // when the last token was due
}

// play streams the plan from text token index from (resume) and returns
// how the request ended. Steps before that index are skipped; stored
// tokens are replayed without pause, then the answer continues live.
func (r *run) play(from int) string {
	if r.sc.Heartbeat > 0 {
		r.beat = time.NewTicker(r.sc.Heartbeat)
		defer r.beat.Stop()
	}
	defer func() {
		if r.admitted {
			r.batch.leave()
		}
	}()
	if r.sc.SSERetry >= 0 && r.fw.retry(r.sc.SSERetry) != nil {
		return r.disconnected()
	}
	if r.enc.begin(r.fw) != nil {
		return r.disconnected()
	}
	index := 0 // of the next text token
	for _, st := range r.plan.steps {
		if index < from {
			if st.kind == stepText {
				index++
			}
			continue
		}
		if st.kind == stepText && index < len(r.stored) {
			st.text = r.stored[index]
		} else if r.storedDone {
			continue
		}
		if end, stopped := r.beforeStep(st, index < len(r.stored)); stopped {
			return end
		}
		if err := r.step(st, index); err != nil {
			return r.disconnected()
		}
		if st.kind == stepText {
			if index >= len(r.stored) {
				r.keep.append(index, st.text)
			}
			index++
		}
		if st.isToken() {
			r.tokenSent()
		}
	}
	r.interrupted() // one that came with the last token is acknowledged
	if r.intr != nil && r.intr.acked {
		return EndInterrupted // the acknowledgement was the end
	}
	// The answer is whole once its last token is stored: mark it before
	// the client can read the end and ask again.
	r.keep.finish()
	usage := client.Usage{InputTokens: r.input, OutputTokens: r.plan.tokens}
	if r.enc.end(r.fw, usage, r.plan.stop) != nil || r.fw.close() != nil {
		return r.disconnected()
	}
	return EndComplete
}

// beforeStep waits for the step's time and applies the fault knobs.
func (r *run) beforeStep(st step, replayed bool) (end string, stopped bool) {
	if !st.isToken() {
		return "", false
	}
	if r.interrupted() {
		return r.stopped(), true
	}
	switch r.sent {
	case r.sc.DropAfter:
		r.stats.update(r.rec, func(rec *Record) { rec.End = EndDropped })
		r.fw.drop() // over SSE it aborts the handler and does not return
		return EndDropped, true
	case r.sc.ErrorAfter:
		r.enc.fail(r.fw, "scripted error after "+itoa(r.sent)+" tokens (scenario error-after)")
		r.fw.close()
		return EndErrorEvent, true
	case r.sc.StallAfter:
		r.fw.close() // release anything held: a stall is silence after what was sent
		r.wait(-1)
		if r.intr != nil && r.intr.acked {
			return EndInterrupted, true
		}
		return r.disconnected(), true
	}
	pause := r.sc.Interval
	switch {
	case replayed:
		pause = 0
	case r.sent == 0:
		pause = r.sc.First
	}
	if !r.admit() || !r.wait(r.until(pause)) {
		return r.stopped(), true
	}
	return "", false
}

// stopped ends an answer whose wait was cut short: by the client's
// interrupt, by the server shutting down (a resumable session is handed
// off, another answer ends with the dialect's error event), or by the
// client going away.
func (r *run) stopped() string {
	switch {
	case r.intr != nil && r.intr.acked:
		return EndInterrupted
	case !r.shuttingDown():
		return r.disconnected()
	case r.session != "":
		return handOff(r.fw)
	}
	r.enc.fail(r.fw, "the server is shutting down")
	r.fw.close()
	return EndErrorEvent
}

// until is how long to wait for the next token: pause (scaled by the
// batch) after the last token was due, so that the pace keeps to a
// schedule and does not drift by what each write and timer take; but
// never less than nothing, so a stream held up does not catch up in a
// burst.
func (r *run) until(pause time.Duration) time.Duration {
	now := time.Now()
	base := r.due
	if base.IsZero() || pause == 0 {
		base = now
	}
	r.due = base.Add(r.batch.pace(pause, base))
	if r.due.Before(now) {
		r.due = now
	}
	return r.due.Sub(now)
}

// admit queues for a slot in the batch before the first token it
// generates, and notes the wait; false when the client left or the
// server is shutting down first.
func (r *run) admit() bool {
	if r.admitted {
		return true
	}
	queued := time.Now()
	if r.admitted = r.batch.admit(r.ctx, r.shutdown); !r.admitted {
		r.gone = r.ctx.Err() != nil
		return false
	}
	if wait := time.Since(queued); wait > time.Millisecond {
		r.stats.update(r.rec, func(rec *Record) { rec.QueuedMS = millis(wait) })
	}
	return true
}

func (r *run) step(st step, index int) error {
	if r.gone {
		r.after++
	}
	r.stepLate = r.intr.arrived()
	switch st.kind {
	case stepThinking:
		return r.enc.thinking(r.fw, st.text, index)
	case stepText:
		return r.enc.text(r.fw, st.text, index)
	case stepToolStart:
		return r.enc.toolStart(r.fw, r.plan.call)
	case stepToolArgs:
		return r.enc.toolArgs(r.fw, r.plan.call, st.text, index)
	default:
		return r.enc.toolEnd(r.fw, r.plan.call)
	}
}

func (r *run) tokenSent() {
	r.tokenSentAfterInterrupt()
	r.sent++
	r.stats.sent(r.rec, r.sent, r.started)
}

// wait sleeps for d (forever when d < 0), sending heartbeats. It returns
// false when the client went away or interrupted the answer, or the
// server is shutting down.
func (r *run) wait(d time.Duration) bool {
	if r.interrupted() {
		return false
	}
	var fire <-chan time.Time
	if d >= 0 {
		if r.timer == nil {
			r.timer = time.NewTimer(d)
		} else {
			r.timer.Reset(d)
		}
		fire = r.timer.C
	}
	var beat <-chan time.Time
	if r.beat != nil {
		beat = r.beat.C
	}
	for {
		select {
		case <-r.ctx.Done():
			r.gone = true
			return false
		case <-r.shutdown:
			return false
		case <-fire:
			return true
		case <-r.intr.asked():
			if r.interrupted() {
				return false
			}
		case <-beat:
			if r.fw.comment("ping") != nil {
				r.gone = true
				return false
			}
		}
	}
}

// handOff ends a resumable session's stream when the server shuts down:
// no terminal event, only a retry field, so the client reconnects after it
// and resumes from the store (this server restarted, or another sharing
// its Redis).
func handOff(fw frames) string {
	fw.retry(handOffRetry)
	fw.close()
	return EndShutdown
}

// handOffRetry is the wait handOff asks of clients: time for a restart.
const handOffRetry = time.Second

func (r *run) shuttingDown() bool {
	select {
	case <-r.shutdown:
		return r.ctx.Err() == nil
	default:
		return false
	}
}

func (r *run) disconnected() string {
	r.gone = true
	return EndClientDisconnect
}
