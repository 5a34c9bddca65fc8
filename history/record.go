package history

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/tokcli/tok/client"
)

// Recorder saves one answer while it streams: [Recorder.Add] takes each
// event and never waits on the database; a goroutine of the recorder's
// own writes the answer so far every flushEvery (longer for a long
// answer, at most flushMax: see spacing), or sooner once flushBytes (or
// an eighth of the answer, for a long one) have arrived unsaved, and
// [Recorder.End] writes how it ended and waits for that write. Its methods are safe for concurrent use; End may be called
// once, and Add after End does nothing.
type Recorder struct {
	s      *Store
	convID string
	turnID int64
	seq    int

	mu       sync.Mutex
	t        Turn // the answer so far
	answer   strings.Builder
	thinking strings.Builder
	texts    int // text events, for the rate
	last     time.Duration
	saved    int  // len of the answer at the last write
	dirty    bool // something changed since the last write
	ended    bool
	err      error // the first write that failed; later ones are skipped

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// flushEvery and flushBytes bound how far the saved answer trails the
// streamed one: in time, and in bytes (or an eighth of the answer, so a
// long answer is rewritten a bounded number of times). The time grows
// with the answer, a flushEvery a flushSpan of it, up to flushMax: each
// write rewrites the whole answer and indexes it again for search, so at
// a fast model's 1,000 tokens a second a write every 250 ms was a fifth
// of the chat's CPU (bench/profile.sh --rate 1000).
const (
	flushEvery = 250 * time.Millisecond
	flushBytes = 4 << 10
	flushSpan  = 16 << 10
	flushMax   = 2 * time.Second
)

func (s *Store) newRecorder(convID string, turnID int64, seq int) *Recorder {
	r := &Recorder{s: s, convID: convID, turnID: turnID, seq: seq,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.open.Add(1)
	go r.loop()
	return r
}

// ConversationID is the conversation the answer belongs to.
func (r *Recorder) ConversationID() string { return r.convID }

// Seq is the turn's number in its conversation, from 1.
func (r *Recorder) Seq() int { return r.seq }

func (r *Recorder) loop() {
	defer close(r.done)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-r.kick:
		case <-tick.C:
			if time.Since(last)+flushEvery/2 < r.spacing() {
				continue
			}
		case <-r.stop:
			r.flush()
			return
		}
		r.flush()
		last = time.Now()
	}
}

// spacing is how long the saved answer may trail in time: flushEvery
// while it is short, a flushEvery more for each flushSpan saved, at most
// flushMax.
func (r *Recorder) spacing() time.Duration {
	r.mu.Lock()
	n := r.saved
	r.mu.Unlock()
	return min(flushMax, flushEvery*time.Duration(1+n/flushSpan))
}

// Add takes one event of the answer.
func (r *Recorder) Add(ev client.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.add(ev)
	r.dirty = true
	if pending := r.answer.Len() - r.saved; pending >= max(flushBytes, r.saved/8) {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

func (r *Recorder) add(ev client.Event) {
	t := &r.t
	switch ev.Kind {
	case client.KindStart:
		t.Model = ev.Model
	case client.KindText:
		if ev.Text == "" {
			return
		}
		if r.texts == 0 {
			t.FirstToken = max(ev.At, 1)
		}
		r.texts++
		r.last = ev.At
		if span := r.last - t.FirstToken; r.texts > 1 && span > 0 {
			t.TokensPerSecond = float64(r.texts-1) / span.Seconds()
		}
		r.answer.WriteString(ev.Text)
	case client.KindThinking:
		r.thinking.WriteString(ev.Text)
	case client.KindToolStart:
		t.Tools = append(t.Tools, ToolCall{ID: ev.Tool.ID, Name: ev.Tool.Name, Arguments: ev.Tool.Args,
			Signature: ev.Tool.Signature, State: "called", Offset: r.answer.Len()})
	case client.KindToolArgs:
		if c := r.tool(ev.Tool, false); c != nil {
			c.Arguments += ev.Text
		}
	case client.KindToolExecuting:
		c := r.tool(ev.Tool, true)
		c.State = "running"
		if ev.Tool.Args != "" {
			c.Arguments = ev.Tool.Args // the whole, as run
		}
	case client.KindToolResult:
		c := r.tool(ev.Tool, true)
		c.State, c.Result, c.IsError = "done", ev.Tool.Result, ev.Tool.IsError
	case client.KindUsage:
		t.Usage = Usage{ev.Usage.InputTokens, ev.Usage.OutputTokens}
	case client.KindReconnect:
		t.Resumed++
	case client.KindDone:
		if ev.AtTokenLimit() {
			t.Ending = EndLength
		}
	}
}

// tool finds the call an event refers to, by ID, else the latest; with
// make, a new one when there is none (a dialect that only reports that
// the server ran a tool).
func (r *Recorder) tool(tool client.Tool, make bool) *ToolCall {
	calls := r.t.Tools
	for i := len(calls) - 1; i >= 0; i-- {
		if tool.ID == "" || calls[i].ID == tool.ID || calls[i].ID == "" {
			if !make || tool.Name == "" || calls[i].Name == tool.Name {
				return &calls[i]
			}
		}
	}
	if !make {
		return nil
	}
	r.t.Tools = append(r.t.Tools, ToolCall{ID: tool.ID, Name: tool.Name, State: "called", Offset: r.answer.Len()})
	return &r.t.Tools[len(r.t.Tools)-1]
}

// Outcome is how an answer ended, for [Recorder.End].
type Outcome struct {
	// Err is the error that ended the stream, nil when it completed.
	Err error
	// Stopped: the user stopped it (the stop key, Ctrl+C, a signal).
	Stopped bool
	// Line is the error as the user saw it, in one line.
	Line    string
	Dialect string
}

// End saves how the answer ended, with the last of its text, and waits
// for the write. It returns the first error any write met.
func (r *Recorder) End(o Outcome) error {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		<-r.done
		return r.err
	}
	r.ended, r.dirty = true, true
	r.t.Ending = ending(r.t.Ending, o)
	if r.t.Ending == EndError || r.t.Ending == EndCutOff {
		r.t.Error = o.Line
	}
	r.t.Ended = r.s.now()
	dialect := o.Dialect
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	if dialect != "" {
		r.exec(`UPDATE conversations SET dialect = ? WHERE id = ?`, dialect, r.convID)
	}
	r.s.open.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// ending classifies how an answer ended; at is what the done event said.
func ending(at Ending, o Outcome) Ending {
	var cut *client.CutOffError
	switch {
	case o.Stopped:
		return EndStopped
	case errors.As(o.Err, &cut):
		return EndCutOff
	case o.Err != nil:
		return EndError
	case at == EndLength:
		return EndLength
	}
	return EndComplete
}

// flush writes the answer so far, if it changed.
func (r *Recorder) flush() {
	r.mu.Lock()
	if !r.dirty || r.err != nil {
		r.mu.Unlock()
		return
	}
	t := r.t
	t.Tools = append([]ToolCall(nil), r.t.Tools...)
	t.Answer, t.Thinking = r.answer.String(), r.thinking.String()
	if t.Ending == "" || t.Ending == EndLength && !r.ended {
		t.Ending = EndStreaming
	}
	r.saved, r.dirty = len(t.Answer), false
	r.mu.Unlock()
	err := r.write(t)
	if err != nil {
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}
}

// write saves t over the turn's row, and its tool calls.
func (r *Recorder) write(t Turn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return describe(err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `UPDATE turns SET answer = ?, thinking = ?, ending = ?, error = ?, resumed = ?,
		model = ?, input_tokens = ?, output_tokens = ?, first_token_ms = ?, tokens_per_second = ?, ended_at = ?
		WHERE id = ?`, t.Answer, t.Thinking, string(t.Ending), t.Error, t.Resumed, t.Model, t.Usage.InputTokens,
		t.Usage.OutputTokens, t.FirstToken.Milliseconds(), t.TokensPerSecond, endMillis(t.Ended), r.turnID)
	if err != nil {
		return describe(err)
	}
	if err := writeTools(ctx, tx, r.turnID, t.Tools); err != nil {
		return err
	}
	return describe(tx.Commit())
}

func endMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

func writeTools(ctx context.Context, tx *sql.Tx, turnID int64, calls []ToolCall) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tool_calls WHERE turn_id = ?`, turnID); err != nil {
		return describe(err)
	}
	for i, c := range calls {
		_, err := tx.ExecContext(ctx, `INSERT INTO tool_calls (turn_id, seq, call_id, name, arguments, result, state, answer_offset,
			is_error, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, turnID, i+1, c.ID, c.Name, c.Arguments, c.Result,
			c.State, c.Offset, c.IsError, c.Signature)
		if err != nil {
			return describe(err)
		}
	}
	return nil
}

// exec runs one statement for the recorder, keeping its first error.
func (r *Recorder) exec(query string, args ...any) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	if _, err := r.s.db.ExecContext(ctx, query, args...); err != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = describe(err)
		}
		r.mu.Unlock()
	}
}
