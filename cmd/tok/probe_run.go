package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/probe"
	"github.com/tokcli/tok/render"
)

func runProbe(ctx context.Context, o *probeOptions) error {
	c := client.New(client.Config{ConnectTimeout: o.Connect, IdleTimeout: o.IdleTimeout, Timeout: o.Timeout})
	popts := probe.Options{Grace: o.Grace, MaxTTFT: o.MaxTTFT, MinRate: o.MinRate, Frames: o.Frames,
		InterruptAfter: o.InterruptAfter, InterruptWait: o.InterruptWait}
	color := o.IO.StdoutTTY && o.IO.env("NO_COLOR") == ""
	if o.N == 1 {
		return o.one(ctx, c, popts, color)
	}
	results, wall, err := o.many(ctx, c, popts)
	if err != nil {
		return err
	}
	sum := probe.Summarize(results, wall)
	if err := writeOut(o.IO.Out, sum, o.JSON, color); err != nil {
		return err
	}
	reached := 0
	for _, r := range results {
		if r.Reached() {
			reached++
		}
	}
	switch {
	case reached == 0:
		o.adviseOnKey(results...)
		return probeExit(exitProbeUnreachable)
	case sum.Failed():
		return probeExit(exitProbeFailed)
	}
	return nil
}

// one runs a single probe and reports it.
func (o *probeOptions) one(ctx context.Context, c *client.Client, popts probe.Options, color bool) error {
	req, err := o.request(ctx)
	if err != nil {
		return err
	}
	res := probe.Run(ctx, c, req, popts)
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err := o.write(res, color); err != nil {
		return err
	}
	switch {
	case !res.Reached():
		o.adviseOnKey(res)
		return probeExit(exitProbeUnreachable)
	case res.Failed():
		return probeExit(exitProbeFailed)
	}
	return nil
}

// many runs o.N probes, o.C at a time.
func (o *probeOptions) many(ctx context.Context, c *client.Client, popts probe.Options) ([]*probe.Result, time.Duration, error) {
	results := make([]*probe.Result, o.N)
	reqs := make([]*http.Request, o.N)
	for i := range reqs {
		req, err := o.request(ctx)
		if err != nil {
			return nil, 0, err
		}
		reqs[i] = req
	}
	start := time.Now()
	sem := make(chan struct{}, o.C)
	var wg sync.WaitGroup
	for i := range reqs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = probe.Run(ctx, c, reqs[i], popts)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, 0, errInterrupted
	}
	return results, time.Since(start), nil
}

func (o *probeOptions) write(res *probe.Result, color bool) error {
	if o.Frames {
		if err := res.WriteFrames(o.IO.Out); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		fmt.Fprintln(o.IO.Out)
	}
	return writeOut(o.IO.Out, res, o.JSON, color)
}

// reporter is a probe's result or summary.
type reporter interface {
	Report(w io.Writer, color bool) error
}

// writeOut writes r's report, or its JSON with the controls a terminal
// could act on escaped (render.SafeJSON).
func writeOut(w io.Writer, r reporter, asJSON, color bool) error {
	var err error
	if asJSON {
		var b []byte
		if b, err = json.MarshalIndent(r, "", "  "); err == nil {
			if _, err = w.Write(render.SafeJSON(b)); err == nil {
				_, err = io.WriteString(w, "\n")
			}
		}
	} else {
		err = r.Report(w, color)
	}
	if err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}
