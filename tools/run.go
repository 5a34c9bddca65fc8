package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tokcli/tok/client"
)

// RunTools runs a round of calls as [client.ToolRunner] says: first it
// decides each call in order (asking, when it must, one prompt at a
// time), then it runs the allowed ones at once, at most
// Config.Concurrency together, each bounded by its timeout, and returns
// one result per call, in the calls' order. A call that fails, times out
// or panics is its own error result and never holds up the others; when
// ctx ends, the running calls are cancelled (MCP cancellation) and every
// call still without a result says it was stopped.
func (r *Runner) RunTools(ctx context.Context, calls []client.ToolCall, emit func(client.Event)) []client.ToolResult {
	r.Wait(ctx)
	results := make([]client.ToolResult, len(calls))
	type job struct {
		i    int
		t    tool
		args map[string]any
	}
	var jobs []job
	for i, c := range calls {
		results[i] = client.ToolResult{ID: c.ID, Name: c.Name}
		t, args, denial := r.check(ctx, c)
		if denial != "" {
			results[i].Content, results[i].IsError = denial, true
			emit(resultEvent(c, results[i], 0))
			continue
		}
		jobs = append(jobs, job{i, t, args})
	}
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		c := calls[j.i]
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[j.i].Content, results[j.i].IsError = stopped, true
			emit(resultEvent(c, results[j.i], 0))
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			emit(client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{ID: c.ID, Name: c.Name, Args: c.Args}})
			began := time.Now()
			results[j.i].Content, results[j.i].IsError = r.runOne(ctx, j.t, j.args)
			emit(resultEvent(c, results[j.i], time.Since(began)))
		})
	}
	wg.Wait()
	return results
}

// check finds the call's tool, reads its arguments and asks whether it
// may run; a non-empty denial is the result of a call that may not.
func (r *Runner) check(ctx context.Context, c client.ToolCall) (tool, map[string]any, string) {
	t, ok := r.lookup(c.Name)
	if !ok || !t.srv.up() {
		return tool{}, nil, fmt.Sprintf("there is no tool named %q; the tools are: %s", c.Name, strings.Join(r.names(), ", "))
	}
	args, err := parseArgs(c.Args)
	if err != nil {
		return tool{}, nil, err.Error()
	}
	if ok, denial := r.approve(ctx, c, t); !ok {
		return tool{}, nil, denial
	}
	return t, args, ""
}

// parseArgs reads a call's arguments: a JSON object, or nothing.
func parseArgs(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]any{}, nil
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(s), &args); err != nil || args == nil {
		why := "it is not an object"
		if err != nil {
			why = err.Error()
		}
		return nil, fmt.Errorf("the arguments are not a JSON object (%s): call the tool again with a JSON object", why)
	}
	return args, nil
}

// runOne calls the tool within its timeout. A panic in the SDK is the
// call's error, not the program's.
func (r *Runner) runOne(ctx context.Context, t tool, args map[string]any) (text string, isError bool) {
	defer func() {
		if p := recover(); p != nil {
			text, isError = fmt.Sprintf("the call failed inside tok: %v", p), true
		}
	}()
	limit := t.srv.timeout(r.cfg)
	cctx, cancel := context.WithTimeoutCause(ctx, limit, errTimedOut)
	defer cancel()
	res, err := t.srv.call(cctx, t.own, args)
	switch {
	case ctx.Err() != nil:
		return stopped, true
	case errors.Is(context.Cause(cctx), errTimedOut):
		return fmt.Sprintf("timed out after %s (tok's limit for one call)", limit), true
	case err != nil:
		return "the call failed: " + err.Error(), true
	}
	return resultText(res), res.IsError
}

var errTimedOut = errors.New("the call timed out")

func resultEvent(c client.ToolCall, r client.ToolResult, d time.Duration) client.Event {
	return client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: c.ID, Name: c.Name, Args: c.Args,
		Result: r.Content, IsError: r.IsError, Duration: d.Round(time.Millisecond)}}
}
