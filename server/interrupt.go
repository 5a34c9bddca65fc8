package server

import "time"

// interrupt is a client's way to stop an answer and stay connected: the
// seed protocol's {"type":"interrupt"} over a WebSocket. Over SSE there is
// none (a nil *interrupt), and the only stop is hanging up.
//
// The run notices it in its waits, before the next token, and (unless the
// scenario's no-ack ignores it) acknowledges it and ends the answer there,
// or, with late=N, after N more tokens.
type interrupt struct {
	stop  <-chan struct{} // closed when the client asks
	at    *time.Time      // when it arrived; written before stop is closed
	ack   func() error    // sends the acknowledgement
	noAck bool            // the scenario's no-ack
	late  int             // tokens still to send after the acknowledgement

	noticed bool // the run has seen it
	acked   bool // and acknowledged it
}

// asked is the channel a wait selects on: nil when there is no interrupt,
// or once it has been noticed.
func (i *interrupt) asked() <-chan struct{} {
	if i == nil || i.noticed {
		return nil
	}
	return i.stop
}

// arrived reports whether the client has asked, noticed or not.
func (i *interrupt) arrived() bool {
	if i == nil {
		return false
	}
	select {
	case <-i.stop:
		return true
	default:
		return false
	}
}

// interrupted notices the client's interrupt once it has arrived, notes
// it in the record and acknowledges it, and reports whether the answer
// stops now: once acknowledged and no late tokens are left to send; never
// under no-ack. A failed acknowledgement stops it too: the client is gone.
func (r *run) interrupted() bool {
	i := r.intr
	if i == nil {
		return false
	}
	if !i.noticed && i.arrived() {
		i.noticed = true
		at := *i.at
		r.stats.update(r.rec, func(rec *Record) {
			if rec.WS != nil {
				rec.WS.InterruptedAt = &at
			}
		})
		if i.noAck {
			return false
		}
		if i.ack() != nil {
			r.gone = true
			return true
		}
		i.acked = true
		r.stats.update(r.rec, func(rec *Record) {
			if rec.WS != nil {
				rec.WS.InterruptAcked = true
			}
		})
	}
	return i.acked && i.late <= 0
}

// tokenSentAfterInterrupt counts a token whose writing began once the
// interrupt had arrived, and spends the late tokens allowed after its
// acknowledgement.
func (r *run) tokenSentAfterInterrupt() {
	if !r.stepLate {
		return
	}
	r.afterInterrupt++
	if r.intr.acked {
		r.intr.late--
	}
}
