package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

// runOneShot streams one answer to stdout.
func runOneShot(ctx context.Context, o *rootOptions) error {
	var bg <-chan bool
	if !o.Editor { // the editor needs the terminal to itself: asked after it
		bg = o.startBackgroundQuery()
	}
	question, err := buildPrompt(ctx, o)
	if err != nil {
		return interrupted(ctx, err)
	}
	if bg == nil {
		bg = o.startBackgroundQuery()
	}
	if o.note != "" {
		o.IO.errLine("tok: " + o.note)
	}
	o.sayTools(o.startTools(ctx, false))
	defer o.closeTools()
	save := o.beginSave(ctx, question.Described())
	stream, release, err := o.openStoppable(ctx, o.messages(question))
	if err != nil {
		save.end(ctx, nil, err)
		return interrupted(ctx, o.failure(err))
	}
	defer release()
	p, err := newPrinter(ctx, o, stream, bg)
	if err != nil {
		save.end(ctx, stream, err)
		stream.Close()
		return err
	}
	p.savedIn(save)
	save.sayTo(func(line string) { p.note("%s", line) })
	for ev, err := range stream.Events() {
		if err != nil {
			save.end(ctx, stream, err)
			return p.fail(ctx, o.failure(err))
		}
		save.add(ev)
		if err := p.event(ev); err != nil {
			save.end(ctx, stream, err)
			return err
		}
	}
	save.end(ctx, stream, nil)
	return p.end()
}

// interrupted turns the cancellation of a Ctrl+C into errInterrupted,
// keeping how a WebSocket answer stopped (a *client.StopError) for the
// message.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	var se *client.StopError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %w", errInterrupted, se)
	}
	return errInterrupted
}

// openStoppable opens the answer to msgs so that Ctrl+C stops it as the
// chat's stop key does: while the request is sent, the signal aborts it;
// once the answer streams, it interrupts the stream (client's
// Stream.Interrupt), which over a WebSocket asks the server to stop and
// waits --interrupt-wait for its acknowledgement. release undoes the
// watch, once the answer has ended.
func (o *rootOptions) openStoppable(ctx context.Context, msgs []client.Message) (*client.Stream, func(), error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopOpen := context.AfterFunc(ctx, cancel)
	s, err := o.open(sctx, msgs)
	stopOpen()
	if err != nil {
		cancel()
		return nil, nil, err
	}
	wait := o.target.interruptWait
	stopWatch := context.AfterFunc(ctx, func() { s.Interrupt(wait) })
	return s, func() { stopWatch(); cancel() }, nil
}

// maxPrompt is the largest prompt tok sends, stdin included: 8 MiB is
// some two million tokens, more than any model reads.
const maxPrompt = 8 << 20

// buildPrompt joins piped stdin, the -f files and the prompt (with -E, as
// the editor left it): stdin first, unchanged, then each text file fenced,
// then the prompt, a blank line between each; images go with it as
// images. It stops reading stdin at maxPrompt, and when ctx ends (a
// signal), at once.
func buildPrompt(ctx context.Context, o *rootOptions) (client.Message, error) {
	atts, err := o.readFiles(ctx)
	if err != nil {
		return client.Message{}, err
	}
	var stdin string
	if o.IO.StdinPiped && !slices.Contains(o.Files, "-") {
		b, err := readStdin(ctx, o.IO.In)
		if err != nil {
			return client.Message{}, err
		}
		stdin = string(b)
	}
	if o.Editor {
		p, err := o.editPrompt(ctx, o.Prompt)
		if err != nil {
			return client.Message{}, err
		}
		o.Prompt = p
	}
	size := len(stdin) + len(o.Prompt)
	for _, a := range atts {
		size += len(a.Text)
	}
	if size > maxPrompt {
		return client.Message{}, usageErrorf("the prompt is over 8 MiB, more than any model reads: send less, as in: head -c 1000000 FILE | tok …")
	}
	if strings.TrimSpace(stdin) == "" && strings.TrimSpace(o.Prompt) == "" && len(atts) == 0 {
		return client.Message{}, usageErrorf(`nothing to ask: give a prompt, as in: tok "explain this", or pipe text in`)
	}
	return client.Question(stdin, atts, o.Prompt), nil
}

// readStdin reads piped stdin, at most one byte past maxPrompt. A read
// cannot be interrupted, so it runs aside, and a signal ends the wait.
func readStdin(ctx context.Context, in io.Reader) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(in, maxPrompt+1))
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("read stdin: %w", r.err)
		}
		return r.b, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// open starts a streamed answer to the conversation msgs: from the
// endpoint, or from the demo model.
func (o *rootOptions) open(ctx context.Context, msgs []client.Message) (*client.Stream, error) {
	return o.openOn(ctx, o.target, o.client, msgs)
}

// openOn is open for target t, through the client c returns (made on
// first use: the demo model needs none).
func (o *rootOptions) openOn(ctx context.Context, t target, c func() *client.Client, msgs []client.Message) (*client.Stream, error) {
	if t.demo() {
		return demo.Stream(ctx, msgs, o.demo), nil
	}
	return o.chatTools(ctx, c(), t.ep, msgs)
}

// client is the one client.Client of the target, made on first use and
// kept for the life of the process, so that a chat's turns reuse its
// connections rather than dial again.
func (o *rootOptions) client() *client.Client {
	o.clientOnce.Do(func() { o.c = o.newClient(o.target) })
	return o.c
}

// newClient makes a client for target t, with the flags' timeouts.
func (o *rootOptions) newClient(t target) *client.Client {
	cfg := client.Config{ConnectTimeout: o.ConnectTimeout, IdleTimeout: o.IdleTimeout, Timeout: o.Timeout,
		Retries: t.retries, RetryBackoff: o.retryBackoff, ResumeTries: t.resumeTries}
	if o.Verbose {
		cfg.Debug = &lineSanitizer{w: o.IO.ErrOut}
	}
	return client.New(cfg)
}

// closeClient closes the client's WebSockets, if it made any.
func (o *rootOptions) closeClient() {
	if o.c != nil {
		o.c.Close()
	}
}
