package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/server"
)

// serveOptions are the flags of tok serve.
type serveOptions struct {
	IO     *ioStreams
	Addr   string
	Replay string
	Redis  string
}

func newServeCmd(ios *ioStreams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the reference streaming server (every dialect, fault knobs, replay, resume)",
		Long: `tok serve runs a streaming server for tests, demos and checking a deployment
chain (a proxy, a CDN, a load balancer) without an API key. Every endpoint
streams tok's demo model in its API's own format, and stops generating the
moment the client goes away.

Each request can ask for faults with a header X-Tok-Scenario: k=v,k=v (or
?scenario=k=v,k=v):

` + server.KnobHelp() + `
GET /_stats returns a JSON record per request: dialect, scenario, tokens
planned and sent, first-token time, how it ended, and tokens generated after
the client left (0 when generation stops at once).`,
		Example: `  tok serve
  tok serve --addr 127.0.0.1:9000 --replay testdata
  curl -N localhost:8080/api/chat/stream -H 'X-Tok-Scenario: tokens=20,drop-after=5' -d '{"messages":[{"role":"user","content":"hi"}]}'
  tok --url localhost:8080/api/chat/stream -H 'X-Tok-Scenario: error-after=3' "hi"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "listen on this `host:port` (loopback unless you ask for another)")
	f.StringVar(&opts.Replay, "replay", "", "serve DIR/NAME.sse at /replay/NAME (?chunk=N&delay=MS to write it in pieces)")
	f.StringVar(&opts.Redis, "redis", "", "keep resumable sessions in Redis at this `URL` (redis://host:port/db) instead of memory")
	return cmd
}

func runServe(ctx context.Context, o *serveOptions) error {
	cfg := server.Config{ReplayDir: o.Replay}
	if o.Redis != "" {
		store, err := server.NewRedisStore(o.Redis)
		if errors.Is(err, server.ErrRedisURL) {
			return usageErrorf("--redis %q: %v; write it as redis://host:port/db", o.Redis, err)
		}
		if err != nil {
			return fmt.Errorf("%w; is redis-server running? check --redis", err)
		}
		cfg.Store = store
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; pick another with --addr", o.Addr, err)
	}
	srv := server.New(cfg)
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(o.IO.ErrOut, "tok serve: listening on %s\n", base)
	for _, e := range srv.Endpoints(base) {
		fmt.Fprintln(o.IO.ErrOut, "  "+e)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(o.IO.ErrOut, "tok serve: shutting down; open streams end with an error event")
	srv.Shutdown()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	hs.Close()
	return nil
}
