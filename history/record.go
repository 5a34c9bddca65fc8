package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tokcli/tok/client"
)

// Recorder saves one answer while it streams: [Recorder.Add] takes each
// event and never waits on the database; a goroutine of the recorder's
// own appends what arrived since its last write every flushEvery, or
// sooner once flushBytes have arrived, and [Recorder.End] writes how it
// ended, with the last of the text, and waits for that write.
// Its methods are safe for concurrent use; End may be called once, and
// Add after End does nothing.
//
// Invariant: the recorder holds at most a part's worth of the answer
// (partSize and what arrived since the last write), so a long answer
// costs it (and SQLite) memory in proportion to a part, not to the
// answer. The answer is appended as parts of about partSize, ending at a
// line's end, each indexed for search once; the text after the last part
// is one row written over (and indexed again) at each write, so a crash
// loses at most what arrived in the last flushEvery, and a search finds
// all that was saved. An answer shorter than partSize is one part,
// written when it ends.
type Recorder struct {
	s      *Store
	convID string
	turnID int64
	seq    int

	writing sync.Mutex // one write at a time, so parts land in their order

	mu       sync.Mutex
	t        Turn            // the answer's metadata; its texts are the parts
	answer   strings.Builder // the answer after its last part
	thinking strings.Builder // the thinking not yet written
	fresh    int             // bytes arrived since the last write
	size     int             // bytes of answer so far (a tool call's offset)
	parts    int             // parts written so far (their seq)
	texts    int             // text events, for the rate
	last     time.Duration
	dirty    bool // something changed since the last write
	ended    bool
	err      error // the first write that failed; later ones are skipped

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// flushEvery and flushBytes bound how far the saved answer trails the
// streamed one: in time, and in bytes. A write appends what is pending,
// so its cost follows the bytes it writes, not the answer's length.
// partSize is the size from which the answer's text after its last part
// becomes a part (at its last line end).
const (
	flushEvery = 250 * time.Millisecond
	flushBytes = 16 << 10
	partSize   = 64 << 10
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
	for {
		select {
		case <-r.kick:
		case <-tick.C:
		case <-r.stop:
			r.flush()
			return
		}
		r.flush()
	}
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
	if r.fresh >= flushBytes {
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
		r.size += len(ev.Text)
		r.fresh += len(ev.Text)
	case client.KindThinking:
		r.thinking.WriteString(ev.Text)
		r.fresh += len(ev.Text)
	case client.KindToolStart:
		t.Tools = append(t.Tools, ToolCall{ID: ev.Tool.ID, Name: ev.Tool.Name, Arguments: ev.Tool.Args,
			Signature: ev.Tool.Signature, State: "called", Offset: r.size})
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
	r.t.Tools = append(r.t.Tools, ToolCall{ID: tool.ID, Name: tool.Name, State: "called", Offset: r.size})
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

// flush writes what arrived since the last write, if anything did.
func (r *Recorder) flush() {
	r.writing.Lock()
	defer r.writing.Unlock()
	r.mu.Lock()
	if !r.dirty || r.err != nil {
		r.mu.Unlock()
		return
	}
	w := write{t: r.t, thinking: r.thinking.String(), seq: r.parts}
	w.part, w.rest = cutPart(r.answer.String(), r.ended)
	w.t.Tools = append([]ToolCall(nil), r.t.Tools...)
	if w.t.Ending == "" || w.t.Ending == EndLength && !r.ended {
		w.t.Ending = EndStreaming
	}
	r.thinking = strings.Builder{}
	if w.part != "" {
		r.answer = strings.Builder{}
		r.answer.WriteString(w.rest)
	}
	r.parts += min(len(w.part), 1) + min(len(w.thinking), 1)
	r.dirty, r.fresh = false, 0
	r.mu.Unlock()
	if err := r.write(w); err != nil {
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}
}

// cutPart splits the answer after its last part into a new part and the
// rest: nothing until it reaches partSize, then up to its last line end
// (all of it when it has none); at the answer's end, all of it.
func cutPart(s string, end bool) (part, rest string) {
	i := strings.LastIndexByte(s, '\n') + 1
	switch {
	case end || len(s) >= partSize && i == 0:
		return s, ""
	case len(s) < partSize:
		return "", s
	}
	return s[:i], s[i:]
}

// write is one of the recorder's writes: the turn's metadata, and the
// texts that arrived since the last write (parts seq+1 on).
type write struct {
	t          Turn
	part, rest string // the answer's new part, the text after it
	thinking   string
	seq        int
}

// write saves w over the turn's row, appends its parts, writes the rest
// of the answer over the last rest, and saves the turn's tool calls.
func (r *Recorder) write(w write) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return describe(err)
	}
	defer tx.Rollback()
	seq := w.seq
	for kind, text := range [...]string{partAnswer: w.part, partThinking: w.thinking} {
		if text == "" {
			continue
		}
		seq++
		if _, err := tx.ExecContext(ctx, `INSERT INTO turn_parts (turn_id, kind, seq, text) VALUES (?, ?, ?, ?)`,
			r.turnID, kind, seq, text); err != nil {
			return describe(err)
		}
	}
	if err := writeRest(ctx, tx, r.turnID, w.rest); err != nil {
		return err
	}
	t := w.t
	_, err = tx.ExecContext(ctx, `UPDATE turns SET ending = ?, error = ?, resumed = ?, model = ?, input_tokens = ?,
		output_tokens = ?, first_token_ms = ?, tokens_per_second = ?, ended_at = ? WHERE id = ?`,
		string(t.Ending), t.Error, t.Resumed, t.Model, t.Usage.InputTokens, t.Usage.OutputTokens,
		t.FirstToken.Milliseconds(), t.TokensPerSecond, endMillis(t.Ended), r.turnID)
	if err != nil {
		return describe(err)
	}
	if err := writeTools(ctx, tx, r.turnID, t.Tools); err != nil {
		return err
	}
	return describe(tx.Commit())
}

// writeRest writes the answer after its last part over the rest written
// before (none when it is "").
func writeRest(ctx context.Context, tx *sql.Tx, turnID int64, rest string) error {
	var err error
	if rest == "" {
		_, err = tx.ExecContext(ctx, `DELETE FROM turn_parts WHERE turn_id = ? AND kind = ?`, turnID, partRest)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO turn_parts (turn_id, kind, seq, text) VALUES (?, ?, 0, ?)
			ON CONFLICT (turn_id, kind, seq) DO UPDATE SET text = excluded.text`, turnID, partRest, rest)
	}
	return describe(err)
}

// The kinds of a turn's parts (schema version 4).
const (
	partAnswer   = 0 // a part of the answer, indexed for search
	partThinking = 1
	partRest     = 2 // the answer after its last part, one row written over
)

// joined is SQL for a turn's answer (partAnswer, then the rest) or
// thinking (partThinking) joined from its parts, ” when it has none;
// turn is an SQL expression for the turn's id.
func joined(kind int, turn string) string {
	kinds := fmt.Sprint(kind)
	if kind == partAnswer {
		kinds = fmt.Sprintf("%d, %d", partAnswer, partRest)
	}
	return fmt.Sprintf(`coalesce((SELECT string_agg(p.text, '' ORDER BY p.kind = %d, p.seq) FROM turn_parts p
		WHERE p.turn_id = %s AND p.kind IN (%s)), '')`, partRest, turn, kinds)
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
