package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
	"github.com/tokcli/tok/tools"
)

// serveOptions are the flags of tok serve.
type serveOptions struct {
	IO     *ioStreams
	Addr   string
	Replay string
	Redis  string
	// The upstream that answers in place of the demo model (--provider).
	Provider string
	Model    string
	BaseURL  string
	API      string
	System   string
	KeyEnv   string
	// Who may call it: web origins (--cors) and Host names (--allow-host).
	CORS       []string
	AllowHosts []string
	serveTools // --mcp: tools_serve.go
	// A model under load: batch slots (--capacity) and a stall (--pause).
	Capacity   int
	Pause      time.Duration
	PauseAfter time.Duration
}

// serveLong is tok serve --help's text; the providers' variables come
// from client's table.
func serveLong() string {
	return `tok serve runs a streaming server for tests, demos and checking a deployment
chain (a proxy, a CDN, a load balancer) without an API key. Every endpoint
streams tok's demo model in its API's own format, and stops generating the
moment the client goes away.

Each request can ask for faults with a header X-Tok-Scenario: k=v,k=v (or
?scenario=k=v,k=v):

` + server.KnobHelp() + `
` + capacityHelp + `
GET /_stats returns a JSON record per request: dialect, scenario, tokens
planned and sent, first-token time, how it ended, and tokens generated after
the client left (0 when generation stops at once).

` + serveWSHelp + `

Answers in tok's protocol that carry a sessionId are kept (in memory, or in
Redis with --redis) and numbered, so a client cut off can resume them with
resumeFrom or Last-Event-ID. On shutdown (Ctrl+C, SIGTERM) those streams are
handed over rather than ended: they close with an SSE retry field and no
terminal event, and their clients resume from the store, on this server
restarted or on another that shares its Redis. Other streams end with the
dialect's error event.

With --provider, tok serve is a gateway to a real LLM API: every endpoint
relays its request's conversation (messages and system prompt) to the
provider and streams the answer back in the endpoint's own format, so a
client of tok's protocol can read OpenAI, and an OpenAI client Gemini. When
the client goes away, the upstream request is aborted at once. An upstream
error status (401, 429 with its Retry-After, 404) is passed on with the
upstream's message. The key comes from the provider's variable
(` + keyVarList(true, "or") + `) or
--key-env, and is never printed; ` + baseURLVarList("and") + `
apply when --base-url is not given, and a --base-url server may need no
key. Of the scenario knobs only status, retry-after, crlf, gzip and buffer
apply; the upstream sets the pace. Resume works too: an answer cut off when
its client left is continued by Anthropic; the other providers cannot
continue one, and say so after the replay.

With --mcp NAME='command args' (repeatable), a gateway runs the tools of
those MCP servers itself, without asking: it offers them to the model, runs
the calls (--tool-timeout each, --max-steps rounds an answer) and streams
the continuation. In tok's protocol the client sees tool_start (name, id),
tool_executing (arguments) and tool_result (result, isError, durationMs)
frames between the tokens; the LLM APIs' endpoints see only the text. A
client that goes away cancels the running call and the upstream request.

` + serveGuardHelp
}

// serveWSHelp is tok serve --help's part on its WebSocket endpoints.
const serveWSHelp = `Two endpoints speak WebSocket, with the same knobs in X-Tok-Scenario (or
X-Rig-Scenario) on the upgrade request, or ?scenario= in the URL; each turn
on a connection is a record of its own in /_stats, whose "ws" object says
which connection and turn carried it, whether the connection was reused,
the roles of the conversation, and the client's interrupt (interrupted_at,
interrupt_acked, tokens_after_interrupt):
  ws://HOST:PORT/api/chat/ws  the seed's chat protocol. Send
      {"type":"message","content":"…"} (with "messages":[{"role","content"}…]
      to replace the history, as a client does after reconnecting) or
      {"type":"interrupt"}; get {"type":"token","content":"…"}… and
      {"type":"stream_end","interrupted":false}, or interrupted:true
      acknowledging an interrupt, or {"type":"error","message":"…"}. The
      connection keeps the conversation: the last 200 messages, 1 MiB.
  ws://HOST:PORT/v1/responses  OpenAI's Responses WebSocket mode (a key
      in Authorization). Send {"type":"response.create", and the fields of
      POST /v1/responses but stream}; get the same response.* events as
      over SSE. A later turn sends previous_response_id, the last
      response's id, and only its new input; any other id is answered
      with an error event, code previous_response_not_found. Its record
      adds response_id, previous_response_id and input_items. max-conn=MS
      emulates the service's 60-minute cap on a connection: an error
      event, code websocket_connection_limit_reached, then a close.
An interrupt stops the answer before its next token. Over WebSocket,
drop-after closes the TCP connection without a close frame, and
heartbeat, sse-retry, crlf, gzip and buffer do not apply.`

// serveGuardHelp is tok serve --help's part on who may call it, and its
// limits.
const serveGuardHelp = `Who may call it. A web page the operator visits must not spend the
gateway's key or read the demo's answers, so tok serve refuses:
  - on a connection to a loopback address, a Host other than localhost,
    127.0.0.1 or [::1] (any port): a page that rebinds its own name to
    127.0.0.1 (DNS rebinding). --allow-host NAME adds a name (a reverse
    proxy's), and then applies the check to every address; on another
    address you bind with --addr, any name is answered without it.
  - a request from a web page (an Origin header, or Sec-Fetch-Site
    cross-site or same-site, which an <img> or a link carries) unless its
    origin is given with --cors; those get CORS headers and preflights.
    --cors '*' lets any page in, and is refused with --provider.
  - a POST whose Content-Type is not application/json (a form or a
    text/plain body is what a page sends without a preflight): 415.
Each refusal is the endpoint's JSON error and a line on stderr.

Limits. Headers: 64 KiB (431), within 10 s. Body: 1 MiB (413), within
10 s of the headers (408), so a client that trickles it is cut off; a
stream itself may run as long as it likes, but a client that reads
nothing for 30 s while a frame waits is let go. Idle keep-alive
connections close after 60 s. A WebSocket message: 1 MiB (the connection
closes with 1009). X-Tok-Scenario: 1024 bytes, tokens at most
100000, buffer at most 1048576. /_stats keeps the last 1000 requests,
each string in a record cut to 512 bytes. Sessions in memory: 10000, 1
MiB each, 64 MiB in all. Each session store call has 500 ms: a store
that fails or hangs leaves the answer going on, not resumable (a resume
of it is a 404), and is logged once until it answers again.`

const serveExample = `  tok serve
  tok serve --addr 127.0.0.1:9000 --replay testdata
  curl -N localhost:8080/api/chat/stream -H 'content-type: application/json' -H 'X-Tok-Scenario: tokens=20,drop-after=5' -d '{"messages":[{"role":"user","content":"hi"}]}'
  tok --url localhost:8080/api/chat/stream -H 'X-Tok-Scenario: error-after=3' "hi"

  # A gateway: tok's protocol (and every other dialect) in front of OpenAI
  OPENAI_API_KEY=sk-… tok serve --provider openai --model gpt-5-mini
  tok --url localhost:8080/api/chat/stream "hi"

  # A gateway that runs an MCP server's tools
  tok serve --provider openai --mcp weather='node mcp-weather.mjs'

  # Pages from a local web app may call it (CORS), and a reverse proxy's name is answered
  tok serve --cors http://localhost:3000 --allow-host chat.example.test

  # Chained: a gateway on :9000 in front of another tok serve on :8080,
  # which takes any key (a local server that wants none needs no variable)
  OPENAI_API_KEY=any tok serve --addr 127.0.0.1:9000 --provider openai --base-url http://127.0.0.1:8080/v1`

func newServeCmd(ios *ioStreams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: ios}
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Run the reference streaming server (every dialect, fault knobs, replay, resume)",
		Long:    serveLong(),
		Example: serveExample,
		Args:    cobra.NoArgs,
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
	f.StringVar(&opts.Provider, "provider", "", "relay every endpoint to this LLM API instead of the demo model: "+providerList("or"))
	f.StringVar(&opts.Model, "model", "", "the upstream's `model` (default: the provider's everyday model)")
	f.StringVar(&opts.BaseURL, "base-url", "", "the upstream API's root `URL` (an OpenAI-compatible server's …/v1, another tok serve); implies --provider openai")
	f.StringVar(&opts.API, "api", "", "OpenAI's API to relay to: chat (Chat Completions, the default) or responses")
	f.StringVar(&opts.System, "system", "", "the system prompt sent upstream (default: each request's own)")
	f.StringVar(&opts.KeyEnv, "key-env", "", "read the upstream's key from the environment variable `NAME` (default: the provider's, such as OPENAI_API_KEY)")
	f.StringSliceVar(&opts.CORS, "cors", nil, "let web pages from this `ORIGIN` (http://host:port) call the server, with CORS headers (repeatable, or a comma list)")
	f.StringArrayVar(&opts.MCP, "mcp", nil, "run this MCP server's tools in the gateway, without asking: NAME='command args' (repeatable)")
	f.DurationVar(&opts.ToolTimeout, "tool-timeout", tools.DefaultTimeout, "give up on one tool call after this long")
	f.IntVar(&opts.MaxSteps, "max-steps", client.DefaultMaxSteps, "run at most this many rounds of tool calls in one answer")
	f.IntVar(&opts.Capacity, "capacity", 0, "simulate an inference server with `N` batch slots: more streams queue, and each slows with the batch (see above)")
	f.DurationVar(&opts.Pause, "pause", 0, "stall every stream once for this long (a GC pause, a failover), --pause-after after the first request")
	f.DurationVar(&opts.PauseAfter, "pause-after", 5*time.Second, "when --pause strikes, counted from the first request")
	f.StringSliceVar(&opts.AllowHosts, "allow-host", nil, "answer this Host `NAME` too (a reverse proxy's), not only localhost, 127.0.0.1 and [::1] (repeatable, or a comma list)")
	return cmd
}

func runServe(ctx context.Context, o *serveOptions) error {
	up, keyFrom, err := o.upstream()
	if err != nil {
		return err
	}
	if err := o.checkGuards(up != nil); err != nil {
		return err
	}
	runner, err := o.startServeTools(up)
	if err != nil {
		return err
	}
	if runner != nil {
		defer runner.Close()
	}
	if err := o.checkModel(up != nil); err != nil {
		return err
	}
	cfg := server.Config{ReplayDir: o.Replay, Upstream: up, CORS: o.CORS, AllowHosts: o.AllowHosts,
		Log: log.New(o.IO.ErrOut, "tok serve: ", 0), Capacity: o.Capacity, Pause: o.Pause, PauseAfter: o.PauseAfter}
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
	if up != nil {
		fmt.Fprintln(o.IO.ErrOut, "tok serve: "+relayNote(up.Endpoint, keyFrom))
	}
	hs := srv.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(o.IO.ErrOut, "tok serve: shutting down; open sessions are handed over for their clients to resume, other streams end with an error event, WebSockets close")
	srv.Shutdown()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	srv.Wait(sctx) // the WebSockets, which hs.Shutdown does not wait for
	hs.Close()
	return nil
}

// checkGuards checks --cors and --allow-host. Any origin is refused for a
// gateway: any page the operator visits could spend its key.
func (o *serveOptions) checkGuards(gateway bool) error {
	for _, origin := range o.CORS {
		if origin == "*" {
			if gateway {
				return usageErrorf("--cors '*' would let any web page you visit spend the upstream's key: name the origins, as in --cors http://localhost:3000")
			}
			continue
		}
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
			return usageErrorf("--cors %q is not an origin: write it as scheme://host[:port], as in --cors http://localhost:3000", origin)
		}
	}
	for _, h := range o.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/@ *") {
			return usageErrorf("--allow-host %q is not a host name: write it as a name, as in --allow-host chat.example.test", h)
		}
	}
	return nil
}

// upstream resolves the --provider flags into the server's upstream (see
// [resolveEndpoint]), and names the variable its key came from ("" when
// none was sent); nil is the demo model.
func (o *serveOptions) upstream() (up *server.Upstream, keyFrom string, _ error) {
	if o.Provider == "" && o.BaseURL == "" {
		if o.Model != "" || o.API != "" || o.System != "" || o.KeyEnv != "" {
			return nil, "", usageErrorf("--model, --api, --system and --key-env set up an upstream: add --provider %s", providerList("|"))
		}
		return nil, "", nil
	}
	given := map[string]bool{"api": o.API != "", "model": o.Model != "", "system": o.System != ""}
	t, _, err := resolveEndpoint(context.Background(), o.IO.env, endpointQuery{
		provider: o.Provider, baseURL: o.BaseURL, api: o.API, model: o.Model, system: o.System, keyEnv: o.KeyEnv,
		given: func(flag string) bool { return given[flag] }, resolveRules: serveRules(),
	})
	if err != nil {
		return nil, "", err
	}
	if t.ep.Key != "" {
		keyFrom = t.keyFrom
	}
	c := client.New(client.Config{IdleTimeout: 60 * time.Second, Retries: 2})
	return &server.Upstream{Endpoint: t.ep, Client: c}, keyFrom, nil
}

// serveRules are tok serve's: no config file, and a key that --key-env
// may name.
func serveRules() resolveRules {
	return resolveRules{noFile: true, unknownProvider: "tok serve relays to " + providerList("or"),
		keyHelp: "name the variable that holds it with --key-env"}
}

// relayNote says where the server relays to, without the key.
func relayNote(ep client.Endpoint, keyFrom string) string {
	model := ep.ModelName()
	key := "no key"
	if keyFrom != "" {
		key = "key from " + keyFrom
	}
	return fmt.Sprintf("every endpoint relays to %s · %s at %s (%s)", ep.Provider, model, client.RedactURL(ep.Target()), key)
}
