package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/probe"
	"github.com/tokcli/tok/render"
)

func runProbe(ctx context.Context, o *probeOptions) error {
	popts := probe.Options{Grace: o.Grace, MaxTTFT: o.MaxTTFT, MinRate: o.MinRate, Frames: o.Frames,
		InterruptAfter: o.InterruptAfter, InterruptWait: o.InterruptWait}
	color := o.IO.StdoutTTY && o.IO.env("NO_COLOR") == ""
	if !o.load {
		c := client.New(client.Config{ConnectTimeout: o.Connect, IdleTimeout: o.IdleTimeout, Timeout: o.Timeout})
		return o.one(ctx, c, popts, color)
	}
	return o.drive(ctx, popts, color)
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
	if !o.Load.linesOnStdout() {
		if err := o.write(res, color); err != nil {
			return err
		}
	}
	if err := o.writeFiles(probe.Single(res)); err != nil {
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

// drive puts the load on the endpoint and reports it; a run cut short
// by Ctrl+C reports what it measured before.
func (o *probeOptions) drive(ctx context.Context, popts probe.Options, color bool) error {
	if _, err := o.request(ctx); err != nil { // a bad --method, before any load
		return err
	}
	c := client.New(client.Config{ConnectTimeout: o.Connect, IdleTimeout: o.IdleTimeout, Timeout: o.Timeout,
		Transport: loadTransport(o.Connect, o.Load.shape)})
	out := probe.Drive(ctx, c, o.request, o.Load.shape, popts)
	if !o.Load.linesOnStdout() {
		if err := writeOut(o.IO.Out, out, o.JSON, color); err != nil {
			return err
		}
	}
	if err := o.writeFiles(out); err != nil {
		return err
	}
	switch {
	case out.Interrupted:
		return errInterrupted
	case !out.Reached():
		o.adviseOnKey(out.Results()...)
		return probeExit(exitProbeUnreachable)
	case !out.Passed():
		return probeExit(exitProbeFailed)
	}
	return nil
}

// loadTransport keeps an idle connection for every request a load may
// have in flight, so a step measures requests, not dialling (the default
// transport keeps 2 a host and dials the rest each time).
func loadTransport(connect time.Duration, s probe.Shape) *http.Transport {
	conns := 0
	for _, c := range s.Concurrency {
		conns = max(conns, c)
	}
	if conns == 0 { // an open loop without a ceiling: as many as it takes
		conns = 1 << 16
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connect
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, conns
	return t
}

func (o *probeOptions) write(res *probe.Result, color bool) error {
	if o.Frames {
		if err := res.WriteFrames(o.IO.Out); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		fmt.Fprintln(o.IO.Out)
	}
	if o.JSON {
		return writeOut(o.IO.Out, probe.Single(res), true, color)
	}
	return writeOut(o.IO.Out, res, false, color)
}

// reporter is a probe's result or outcome.
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
