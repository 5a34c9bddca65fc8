// Package demo is tok's built-in demo model: a scripted markdown answer
// that streams at a realistic pace, in process, with no server, key or
// network. tok answers with it when nothing is configured, and tok serve
// streams the same script in every dialect.
//
//	s := demo.Stream(ctx, []client.Message{{Role: "user", Content: "hi"}}, demo.Options{})
//	for ev, err := range s.Events() { … }
package demo

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/tokcli/tok/client"
)

// Options paces the demo model. Zero fields take the defaults, which
// feel like a real model: 300 ms to the first token, then 40 tokens a second.
type Options struct {
	FirstToken time.Duration
	Interval   time.Duration
}

// The demo model's default pace.
const (
	FirstToken = 300 * time.Millisecond
	Interval   = 25 * time.Millisecond
)

// Model is the model name the demo's start event carries.
const Model = "tok-demo"

// Stream answers the conversation with the scripted model, through the
// same [client.Stream] contract as a server: a start event, the answer's
// tokens at the configured pace, usage, done. Cancelling ctx stops it as
// it would stop a request.
func Stream(ctx context.Context, msgs []client.Message, opts Options) *client.Stream {
	if opts.FirstToken <= 0 {
		opts.FirstToken = FirstToken
	}
	if opts.Interval <= 0 {
		opts.Interval = Interval
	}
	ctx, cancel := context.WithCancel(ctx)
	prompt := lastUserTurn(msgs)
	r := &run{ctx: ctx, opts: opts, tokens: Tokens(Text(prompt, countTurns(msgs))),
		input: max(1, utf8.RuneCountInString(prompt)/4), i: -1}
	return client.FromEvents(client.DialectDemo, r.next, cancel)
}

// run yields the scripted answer one event at a time.
type run struct {
	ctx    context.Context
	opts   Options
	tokens []string
	input  int
	i      int // the next token; -1 before the start event
	timer  *time.Timer
}

func (r *run) next() (client.Event, error) {
	if r.i < 0 {
		r.i = 0
		return client.Event{Kind: client.KindStart, MessageID: "demo-1", Model: Model}, nil
	}
	wait := r.opts.Interval
	if r.i == 0 {
		wait = r.opts.FirstToken
	}
	switch {
	case r.i < len(r.tokens):
		if err := r.sleep(wait); err != nil {
			return client.Event{}, err
		}
		r.i++
		return client.Event{Kind: client.KindText, Text: r.tokens[r.i-1]}, nil
	case r.i == len(r.tokens):
		if err := r.sleep(wait); err != nil {
			return client.Event{}, err
		}
		r.i++
		return client.Event{Kind: client.KindUsage, Usage: client.Usage{InputTokens: r.input, OutputTokens: len(r.tokens)}}, nil
	}
	return client.Event{Kind: client.KindDone, StopReason: "end_turn"}, nil
}

func (r *run) sleep(d time.Duration) error {
	if r.timer == nil {
		r.timer = time.NewTimer(d)
	} else {
		r.timer.Reset(d)
	}
	select {
	case <-r.ctx.Done():
		r.timer.Stop()
		return context.Cause(r.ctx)
	case <-r.timer.C:
		return nil
	}
}

func lastUserTurn(msgs []client.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}

func countTurns(msgs []client.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == "user" {
			n++
		}
	}
	return n
}
