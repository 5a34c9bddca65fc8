package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

// runOneShot streams one answer to stdout.
func runOneShot(ctx context.Context, o *rootOptions) error {
	bg := o.startBackgroundQuery()
	prompt, err := buildPrompt(ctx, o)
	if err != nil {
		return interrupted(ctx, err)
	}
	if o.note != "" {
		o.IO.errLine("tok: " + o.note)
	}
	o.sayTools(o.startTools(ctx, false))
	defer o.closeTools()
	save := o.beginSave(ctx, prompt)
	stream, release, err := o.openStoppable(ctx, o.messages(prompt))
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

// buildPrompt joins piped stdin and the prompt: stdin first, unchanged, then
// a blank line, then the prompt. It stops reading stdin at maxPrompt, and
// when ctx ends (a signal), at once.
func buildPrompt(ctx context.Context, o *rootOptions) (string, error) {
	var stdin string
	if o.IO.StdinPiped {
		b, err := readStdin(ctx, o.IO.In)
		if err != nil {
			return "", err
		}
		stdin = string(b)
	}
	if len(stdin)+len(o.Prompt) > maxPrompt {
		return "", usageErrorf("the prompt is over 8 MiB, more than any model reads: send less, as in: head -c 1000000 FILE | tok …")
	}
	hasStdin, hasPrompt := strings.TrimSpace(stdin) != "", strings.TrimSpace(o.Prompt) != ""
	switch {
	case !hasStdin && !hasPrompt:
		return "", usageErrorf(`nothing to ask: give a prompt, as in: tok "explain this", or pipe text in`)
	case !hasStdin:
		return o.Prompt, nil
	case !hasPrompt:
		return stdin, nil
	}
	if !strings.HasSuffix(stdin, "\n") {
		stdin += "\n"
	}
	return stdin + "\n" + o.Prompt, nil
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
	t := o.target
	if t.demo() {
		return demo.Stream(ctx, msgs, o.demo), nil
	}
	return o.chatTools(ctx, msgs)
}

// client is the one client.Client of the target, made on first use and
// kept for the life of the process, so that a chat's turns reuse its
// connections rather than dial again.
func (o *rootOptions) client() *client.Client {
	o.clientOnce.Do(func() {
		t := o.target
		cfg := client.Config{ConnectTimeout: o.ConnectTimeout, IdleTimeout: o.IdleTimeout, Timeout: o.Timeout,
			Retries: t.retries, RetryBackoff: o.retryBackoff, ResumeTries: t.resumeTries}
		if o.Verbose {
			cfg.Debug = &lineSanitizer{w: o.IO.ErrOut}
		}
		o.c = client.New(cfg)
	})
	return o.c
}

// closeClient closes the client's WebSockets, if it made any.
func (o *rootOptions) closeClient() {
	if o.c != nil {
		o.c.Close()
	}
}
