package tui

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// Opener starts a streamed answer to the conversation msgs, which ends
// with the user's new question. Cancelling ctx aborts the request.
type Opener func(ctx context.Context, msgs []client.Message) (*client.Stream, error)

// item is what the pump hands to waitForEvent: an event, the error
// that ended the stream, or a panic in reading it.
type item struct {
	ev      client.Event
	dialect client.Dialect
	err     error
	crash   *PanicError
}

// maxBatch bounds one streamMsg, so a flood still reaches the screen in
// steps.
const maxBatch = 512

// startStream saves the question (sv, if the chat saves), opens the
// stream, hands it to the model through ref (for the stop key) and
// starts pumping its events into ch, then waits for the first of them.
func startStream(ctx context.Context, open Opener, msgs []client.Message, id int, ch chan item, sv *saving, ref *streamRef) tea.Cmd {
	return func() tea.Msg {
		saveErr := sv.begin(ctx)
		s, err := open(ctx, msgs)
		if err != nil {
			sv.end(nil, err)
			return streamMsg{id: id, done: true, err: err, saveErr: saveErr}
		}
		ref.set(s)
		go pump(ctx, s, ch, sv)
		msg := waitForEvent(id, ch)()
		if sm, ok := msg.(streamMsg); ok {
			sm.saveErr = saveErr
			return sm
		}
		return msg
	}
}

// streamRef is the stream of a turn once it opened: startStream, which
// opens it, sets it; the stop key, in Update, reads it to interrupt it.
type streamRef struct {
	mu sync.Mutex
	s  *client.Stream
}

func (r *streamRef) set(s *client.Stream) {
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
}

// get is the stream, or nil while it is still opening.
func (r *streamRef) get() *client.Stream {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s
}

// interruptStream is the stop key on a stream: client's Interrupt (over a
// WebSocket, the protocol's interrupt and up to wait for its
// acknowledgement; an HTTP request is aborted), then the stream's events
// are read to its end and dropped, and its end says how it stopped.
// release runs once the stream has ended.
func interruptStream(s *client.Stream, wait time.Duration, id int, ch <-chan item, release func()) tea.Cmd {
	return func() tea.Msg {
		s.Interrupt(wait)
		msg := streamMsg{id: id, done: true}
		for it := range ch {
			if it.err != nil {
				msg.err = it.err
			}
		}
		release()
		return msg
	}
}

// pump owns the stream: it reads every event into ch and closes ch when
// the stream ends, and saves the answer as it goes (sv). Once ctx is
// cancelled (the stop key) it gives up sending, so it never blocks on a
// reader that has gone. A panic in reading is handed on as the chat's
// crash: this goroutine is the chat's own, where Bubble Tea catches
// nothing.
func pump(ctx context.Context, s *client.Stream, ch chan<- item, sv *saving) {
	var end error
	read := false
	defer func() {
		if !read {
			end = errors.New("the chat stopped reading the answer")
		}
		sv.end(s, end)
	}()
	defer close(ch)
	defer func() {
		if r := recover(); r != nil {
			select {
			case ch <- item{crash: recovered(r)}:
			case <-ctx.Done():
			}
		}
	}()
	defer s.Close()
	for ev, err := range s.Events() {
		if err == nil {
			sv.add(ev)
		}
		select {
		case ch <- item{ev: ev, dialect: s.Dialect(), err: err}:
		case <-ctx.Done():
			end, read = ctx.Err(), true
			return
		}
		end = err
	}
	read = true
}

// waitForEvent blocks for the stream's next item, then takes whatever
// else has already arrived without blocking, and returns it all as one
// streamMsg.
func waitForEvent(id int, ch <-chan item) tea.Cmd {
	return waitForFrame(id, ch, time.Time{}, false)
}

// waitForFrame is waitForEvent that, once an item has arrived, goes on
// taking items until hold, the time of the next frame, so that the
// events of a frame reach Update as one message (handleStream draws
// it). pending: events wait to be drawn, so it returns at hold even with
// no new item. The end of the stream, or maxBatch events, does not wait.
func waitForFrame(id int, ch <-chan item, hold time.Time, pending bool) tea.Cmd {
	return func() tea.Msg {
		msg := streamMsg{id: id}
		var timeout <-chan time.Time
		if d := time.Until(hold); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
		var it item
		ok := true
		if pending && timeout != nil {
			select {
			case it, ok = <-ch:
			case <-timeout:
				return msg
			}
		} else {
			it, ok = <-ch
		}
		for {
			switch {
			case !ok:
				msg.done = true
				return msg
			case it.crash != nil:
				return crashMsg{it.crash}
			case it.err != nil:
				msg.done, msg.err = true, it.err
				return msg
			}
			msg.events = append(msg.events, it.ev)
			msg.dialect = it.dialect
			if len(msg.events) == maxBatch || !more(ch, timeout, &it, &ok) {
				return msg
			}
		}
	}
}

// more takes the next item into it and ok: one already there, or, with
// a timeout, one that arrives before it. It reports whether it took one.
func more(ch <-chan item, timeout <-chan time.Time, it *item, ok *bool) bool {
	if timeout == nil {
		select {
		case *it, *ok = <-ch:
			return true
		default:
			return false
		}
	}
	select {
	case *it, *ok = <-ch:
		return true
	case <-timeout:
		return false
	}
}

// blinkEvery is half the cursor's blink period.
const blinkEvery = 530 * time.Millisecond

func blink(id int) tea.Cmd {
	return tea.Tick(blinkEvery, func(now time.Time) tea.Msg { return blinkMsg{id, now} })
}

func disarmAfter(id int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return disarmMsg{id} })
}
