package client

import (
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

// Timings records when the phases of one streamed request happened, as
// durations since Start on the monotonic clock. A zero duration means the
// phase has not happened (or did not happen: a reused connection has no
// DNS, connect or TLS time).
type Timings struct {
	Start time.Time
	// DNS, Connect and TLS are how long each phase took.
	DNS, Connect, TLS time.Duration
	// The rest are offsets from Start.
	WroteRequest time.Duration // the request was written
	Headers      time.Duration // the response headers arrived
	FirstByte    time.Duration // the first body byte arrived
	FirstEvent   time.Duration // the first event was decoded
	FirstText    time.Duration // the first non-empty answer text was decoded
	End          time.Duration // the stream ended
	// Events counts the events decoded.
	Events int
}

// recorder fills Timings; httptrace calls it from the transport's goroutines.
type recorder struct {
	mu                   sync.Mutex
	t                    Timings
	dnsAt, connAt, tlsAt time.Time
}

func newRecorder() *recorder { return &recorder{t: Timings{Start: time.Now()}} }

func (r *recorder) since() time.Duration { return time.Since(r.t.Start) }

// at is t as a time since the request began.
func (r *recorder) at(t time.Time) time.Duration { return t.Sub(r.t.Start) }

func (r *recorder) set(f func(t *Timings, now time.Duration)) {
	r.mu.Lock()
	f(&r.t, r.since())
	r.mu.Unlock()
}

func (r *recorder) get() Timings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.t
}

// event stamps ev with its arrival time and notes firsts.
func (r *recorder) event(ev *Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev.At = r.since()
	if ev.Kind == KindRetry || ev.Kind == KindReconnect {
		return
	}
	r.t.Events++
	if r.t.FirstEvent == 0 {
		r.t.FirstEvent = ev.At
	}
	if r.t.FirstText == 0 && ev.Kind == KindText && ev.Text != "" {
		r.t.FirstText = ev.At
	}
}

// newAttempt forgets the phases of a failed attempt before a retry; the
// clock still runs from the first.
func (r *recorder) newAttempt() {
	r.set(func(t *Timings, _ time.Duration) {
		t.DNS, t.Connect, t.TLS, t.WroteRequest, t.Headers, t.FirstByte = 0, 0, 0, 0, 0, 0
	})
}

func (r *recorder) firstByte() {
	r.set(func(t *Timings, now time.Duration) {
		if t.FirstByte == 0 {
			t.FirstByte = now
		}
	})
}

func (r *recorder) finish() {
	r.set(func(t *Timings, now time.Duration) {
		if t.End == 0 {
			t.End = now
		}
	})
}

func (r *recorder) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { r.mu.Lock(); r.dnsAt = time.Now(); r.mu.Unlock() },
		DNSDone: func(httptrace.DNSDoneInfo) {
			r.mu.Lock()
			r.t.DNS = time.Since(r.dnsAt)
			r.mu.Unlock()
		},
		ConnectStart: func(string, string) { r.mu.Lock(); r.connAt = time.Now(); r.mu.Unlock() },
		ConnectDone: func(string, string, error) {
			r.mu.Lock()
			r.t.Connect = time.Since(r.connAt)
			r.mu.Unlock()
		},
		TLSHandshakeStart: func() { r.mu.Lock(); r.tlsAt = time.Now(); r.mu.Unlock() },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			r.mu.Lock()
			r.t.TLS = time.Since(r.tlsAt)
			r.mu.Unlock()
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			r.set(func(t *Timings, now time.Duration) { t.WroteRequest = now })
		},
	}
}
