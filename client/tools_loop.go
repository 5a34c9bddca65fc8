package client

import (
	"context"
	"errors"
	"strconv"
	"sync"
)

// ToolLoop is how [Client.ChatTools] runs the model's tool calls.
type ToolLoop struct {
	// Runner offers the tools and runs the calls; nil runs none.
	Runner ToolRunner
	// MaxSteps bounds the rounds of tool calls in one answer; 0 is
	// DefaultMaxSteps.
	MaxSteps int
}

// ChatTools is [Client.Chat] with tools: it offers the runner's tools in
// the endpoint's API's shape, and when an answer ends with tool calls it
// runs them, sends the results back in the API's shape, and streams the
// continuation into the same [Stream], up to MaxSteps rounds. A URL
// endpoint (its server runs its own tools), a nil runner or one with no
// tools make it Chat.
//
// The stream is one answer: one KindStart, the text and the tool events
// of every step in order (KindToolStart and KindToolArgs from the model,
// KindToolExecuting and KindToolResult from the runner), usage summed
// over the steps, and one KindDone, whose StopReason is [StopMaxSteps]
// when the model still asked for tools after the last step (those calls
// get an error result saying they were not run). Closing the stream, or
// cancelling ctx, cancels the running calls and the request. A request
// for a continuation that fails ends the stream with its error; what
// came before stays the caller's.
func (c *Client) ChatTools(ctx context.Context, e Endpoint, msgs []Message, loop ToolLoop) (*Stream, error) {
	if loop.Runner == nil || e.Provider == "" {
		return c.Chat(ctx, e, msgs)
	}
	if e.Tools = loop.Runner.Tools(ctx); len(e.Tools) == 0 {
		return c.Chat(ctx, e, msgs)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	first, err := c.Chat(ctx, e, msgs)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	p := &loopProducer{c: c, ctx: ctx, e: e, msgs: msgs, run: loop.Runner, cur: first, max: loop.MaxSteps}
	if p.max <= 0 {
		p.max = DefaultMaxSteps
	}
	return &Stream{prod: p, rec: newRecorder(), fail: func(err error) error { return err },
		close: func() { cancel(errClosed); p.close() }, abort: cancel}, nil
}

// loopProducer is the producer of ChatTools: it reads one step's stream,
// then the runner's events, then the next step's stream.
type loopProducer struct {
	c    *Client
	ctx  context.Context
	e    Endpoint
	msgs []Message // the conversation the answer answers
	run  ToolRunner
	max  int

	cur     *Stream // the step being read, or nil while tools run
	items   chan loopItem
	wg      sync.WaitGroup
	answer  Answer
	steps   int // rounds of tool calls run
	started bool
	usage   Usage
	last    Dialect
}

// loopItem is what the runner's goroutine hands the producer: an event,
// or, last, the results.
type loopItem struct {
	ev      Event
	results []ToolResult
	calls   []ToolCall
	done    bool
}

func (p *loopProducer) next(dst []Event) ([]Event, error) {
	if p.cur == nil {
		return p.nextTool(dst)
	}
	ev, err := p.cur.Next()
	switch {
	case errors.Is(err, ErrEmptyAnswer) && p.steps > 0:
		return p.finish(dst, Event{Kind: KindDone}) // the continuation added nothing: the answer is the steps before
	case err != nil && p.ctx.Err() != nil:
		return dst, context.Cause(p.ctx) // stopped (Interrupt) or closed: why
	case err != nil:
		return dst, err
	}
	switch ev.Kind {
	case KindStart:
		if p.started {
			return dst, nil
		}
		p.started = true
	case KindUsage:
		p.usage.InputTokens += ev.Usage.InputTokens
		p.usage.OutputTokens += ev.Usage.OutputTokens
		ev.Usage = p.usage
	case KindDone:
		return p.stepDone(dst, ev)
	}
	p.answer.Add(ev)
	return append(dst, ev), nil
}

// stepDone ends a step: the answer, or a round of tool calls to run.
func (p *loopProducer) stepDone(dst []Event, done Event) ([]Event, error) {
	calls := p.answer.Pending()
	if len(calls) == 0 {
		return p.finish(dst, done)
	}
	if p.steps >= p.max {
		for _, call := range calls {
			ev := Event{Kind: KindToolResult, Tool: Tool{ID: call.ID, Name: call.Name, Args: call.Args, IsError: true,
				Result: "not run: tok's limit of " + strconv.Itoa(p.max) + " rounds of tool calls in one answer was reached"}}
			p.answer.Add(ev)
			dst = append(dst, ev)
		}
		return p.finish(dst, Event{Kind: KindDone, StopReason: StopMaxSteps})
	}
	p.cur.Close()
	p.cur, p.steps = nil, p.steps+1
	p.items = make(chan loopItem, 16)
	p.wg.Add(1)
	go p.runTools(calls)
	return dst, nil
}

func (p *loopProducer) finish(dst []Event, done Event) ([]Event, error) {
	if p.cur != nil {
		p.cur.Close()
	}
	return append(dst, done), nil
}

// runTools runs one round of calls aside, handing its events and then
// the results to next.
func (p *loopProducer) runTools(calls []ToolCall) {
	defer p.wg.Done()
	send := func(it loopItem) {
		select {
		case p.items <- it:
		case <-p.ctx.Done():
		}
	}
	results := p.run.RunTools(p.ctx, calls, func(ev Event) { send(loopItem{ev: ev}) })
	send(loopItem{results: results, calls: calls, done: true})
}

// nextTool reads the running round: its events, then its results, and
// asks for the continuation.
func (p *loopProducer) nextTool(dst []Event) ([]Event, error) {
	var it loopItem
	select {
	case it = <-p.items:
	case <-p.ctx.Done():
		return dst, context.Cause(p.ctx)
	}
	if !it.done {
		p.answer.Add(it.ev)
		return append(dst, it.ev), nil
	}
	have := map[string]bool{}
	for _, m := range p.answer.Pending() {
		have[m.ID] = true
	}
	for i, call := range it.calls {
		if !have[call.ID] {
			continue // its result came as an event
		}
		r := ToolResult{ID: call.ID, Name: call.Name, Content: NotRun, IsError: true}
		if i < len(it.results) {
			r = it.results[i]
		}
		ev := Event{Kind: KindToolResult, Tool: Tool{ID: call.ID, Name: call.Name, Args: call.Args, Result: r.Content, IsError: r.IsError}}
		p.answer.Add(ev)
		dst = append(dst, ev)
	}
	msgs := append(append([]Message(nil), p.msgs...), p.answer.Messages()...)
	s, err := p.c.Chat(p.ctx, p.e, msgs)
	if err != nil {
		return dst, err
	}
	p.cur = s
	return dst, nil
}

func (p *loopProducer) close() {
	if p.cur != nil {
		p.cur.Close()
	}
	p.wg.Wait()
}

// end: each step's stream applies its dialect's rule at its end.
func (p *loopProducer) end() []Event { return nil }

func (p *loopProducer) dialect() Dialect {
	if p.cur != nil {
		p.last = p.cur.Dialect()
	}
	return p.last
}
