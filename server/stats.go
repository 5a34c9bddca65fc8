package server

import (
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// How a request ended, in its [Record].
const (
	EndRunning          = "running"
	EndComplete         = "complete"
	EndClientDisconnect = "client_disconnect"
	EndDropped          = "dropped"
	EndErrorEvent       = "error_event"
	EndRejected         = "rejected"
	// EndInterrupted is an answer the client stopped over its WebSocket,
	// and the server acknowledged: the connection stays for the next turn.
	EndInterrupted = "interrupted"
	// EndShutdown is a resumable session's stream closed by a shutdown
	// with a retry field and no terminal event, for the client to resume.
	EndShutdown = "shutdown"
)

// Record is what GET /_stats reports of one request.
type Record struct {
	ID       int    `json:"id"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Dialect  string `json:"dialect"`
	Scenario string `json:"scenario"`
	Status   int    `json:"status"`
	// Started is when the request arrived.
	Started       time.Time `json:"started"`
	TokensPlanned int       `json:"tokens_planned"`
	TokensSent    int       `json:"tokens_sent"`
	// FirstTokenMS is the time from arrival to the first token written.
	FirstTokenMS float64 `json:"first_token_ms"`
	// QueuedMS is how long the request waited for a slot in the batch
	// (tok serve --capacity), when it waited.
	QueuedMS float64 `json:"queued_ms,omitempty"`
	End      string  `json:"end"`
	EndedMS  float64 `json:"ended_ms"`
	// TokensAfterDisconnect counts tokens generated after the server
	// noticed the client had gone: 0 (or 1) when generation stops at once.
	TokensAfterDisconnect int    `json:"tokens_after_disconnect"`
	Error                 string `json:"error,omitempty"`
	SessionID             string `json:"session_id,omitempty"`
	ResumeFrom            int    `json:"resume_from,omitempty"`
	LastEventID           string `json:"last_event_id,omitempty"`
	// Upstream is the URL a relay asked (with a [Config.Upstream]); then
	// TokensAfterDisconnect counts what the upstream delivered after the
	// client left, and the upstream's own stats show what it generated.
	Upstream string `json:"upstream,omitempty"`
	// WS is there for a turn over a WebSocket, each of which is a record
	// of its own; requests over SSE have none.
	WS *WSTurn `json:"ws,omitempty"`
}

// WSTurn is what a record of a turn over a WebSocket adds: which
// connection carried it, the conversation it answered, and the client's
// interrupt. Its Status is 101, the upgrade's.
type WSTurn struct {
	// Connection numbers the server's WebSocket connections: the turns of
	// one connection share it.
	Connection int `json:"connection"`
	// Turn counts the connection's turns from 1; Reused is Turn > 1: the
	// connection carried an earlier turn.
	Turn   int  `json:"turn"`
	Reused bool `json:"reused"`
	// Roles are the roles of the conversation the turn answered, oldest
	// first: the connection's history and the turn's new message.
	Roles []string `json:"roles"`
	// InterruptedAt is when the client's interrupt arrived (null: none);
	// InterruptAcked, whether stream_end interrupted:true answered it (not
	// under no-ack); TokensAfterInterrupt, the tokens whose writing began
	// after it arrived: 0 (rarely 1) when generation stops at once, N
	// more with late=N, the rest of the answer under no-ack.
	InterruptedAt        *time.Time `json:"interrupted_at"`
	InterruptAcked       bool       `json:"interrupt_acked"`
	TokensAfterInterrupt int        `json:"tokens_after_interrupt"`
	// For the Responses WebSocket mode: the response's id, the
	// previous_response_id the client sent, and the number of its input
	// items (a string input is one).
	ResponseID         string `json:"response_id,omitempty"`
	PreviousResponseID string `json:"previous_response_id,omitempty"`
	InputItems         int    `json:"input_items,omitempty"`
}

// statsLog keeps the records of recent requests: a ring of the last
// maxRecords, each string in them clipped to maxField bytes, so that no
// request, however large its headers or body, grows what is kept.
type statsLog struct {
	mu      sync.Mutex
	records []*Record // oldest at head once the ring is full
	head    int
	next    int
}

// The bounds of /_stats.
const (
	maxRecords = 1000
	maxField   = 512
)

func (l *statsLog) start(r Record) *Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	r.ID, r.End = l.next, EndRunning
	r.clip()
	rec := &r
	if len(l.records) < maxRecords {
		l.records = append(l.records, rec)
	} else {
		l.records[l.head] = rec
		l.head = (l.head + 1) % maxRecords
	}
	return rec
}

// update changes a record under the lock.
func (l *statsLog) update(rec *Record, f func(r *Record)) {
	l.mu.Lock()
	f(rec)
	rec.clip()
	l.mu.Unlock()
}

// sent notes that n tokens have been written, and the first one's time.
func (l *statsLog) sent(rec *Record, n int, started time.Time) {
	l.update(rec, func(rec *Record) {
		rec.TokensSent = n
		if n == 1 {
			rec.FirstTokenMS = millis(time.Since(started))
		}
	})
}

func (l *statsLog) snapshot() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Record, 0, len(l.records))
	for _, r := range l.records[l.head:] {
		out = append(out, r.copy())
	}
	for _, r := range l.records[:l.head] {
		out = append(out, r.copy())
	}
	return out
}

func (l *statsLog) reset() {
	l.mu.Lock()
	l.records, l.head = nil, 0
	l.mu.Unlock()
}

// copy returns the record with a copy of what it points to, which later
// updates leave alone.
func (r *Record) copy() Record {
	rec := *r
	if r.WS != nil {
		ws := *r.WS
		ws.Roles = slices.Clone(ws.Roles)
		rec.WS = &ws
	}
	return rec
}

// clip bounds every string of the record, all of which come from the
// request or from messages that may quote it.
func (r *Record) clip() {
	for _, f := range []*string{&r.Method, &r.Path, &r.Dialect, &r.Scenario, &r.Error, &r.SessionID, &r.LastEventID, &r.Upstream} {
		*f = clip(*f, maxField)
	}
	if r.WS != nil {
		r.WS.PreviousResponseID = clip(r.WS.PreviousResponseID, maxField)
	}
}

// clip cuts s to at most max bytes at a character boundary, marking the
// cut with an ellipsis. The cut is a new string, so that it does not keep
// the whole of a large one alive.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
