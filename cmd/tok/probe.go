package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/probe"
)

// probeOptions are the flags of tok probe.
type probeOptions struct {
	IO *ioStreams

	URL          string
	Prompt       string
	Headers      []string
	Method       string
	Data         string
	EndpointName string
	Provider     string
	BaseURL      string
	Model        string
	API          string
	JSON         bool
	Frames       bool
	N            int
	Load         loadOptions
	MaxTTFT      time.Duration
	MinRate      float64
	IdleTimeout  time.Duration
	Timeout      time.Duration
	Connect      time.Duration
	Grace        time.Duration
	// InterruptAfter interrupts the answer after this many tokens;
	// InterruptWait is how long the server has to acknowledge it.
	InterruptAfter int
	InterruptWait  time.Duration

	header http.Header
	body   []byte // --data, read
	ep     client.Endpoint
	// keyFrom names where the key of --provider or -e came from.
	keyFrom string
	load    bool // a load, not one request (see isLoad)
}

// Exit codes of tok probe, as its help documents.
const (
	exitProbeFailed      = 1
	exitProbeUnreachable = 3
)

// probeExit is a probe's outcome as an exit code, already reported.
type probeExit int

func (e probeExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

var probeLong = fmt.Sprintf(`tok probe smoke-tests a streaming endpoint: does it stream, how fast, and
if not, what is in the way.

It sends one request (or -n of them) and measures, on a monotonic clock:
DNS, connect, TLS, time to headers, first byte and first token (the first
non-empty text), the gaps between tokens (p50, p90, p99, max), time per
output token, decode rate, output tokens (the server's usage when sent,
else chunks), and the total. Then it checks, each PASS, WARN or FAIL with
one line of why: the status; Content-Type text/event-stream;
Cache-Control no-cache; no Content-Length; no compression; the dialect;
well-formed frames; a terminal event ([DONE], message_stop, done…) and
nothing after it; heartbeats; buffering (the answer released at once after
a wait, headers and all, or in lumps, as a buffering proxy releases it,
with the fix); a cut-off at a gateway's
round-number timeout (29-30 s, 60 s, 100 s); and --max-ttft and
--min-rate.

The request's shape comes from the URL: /v1/messages is Anthropic,
…/chat/completions OpenAI Chat Completions, …/responses OpenAI Responses,
…:streamGenerateContent Gemini, anything else tok's protocol. A ws:// or
wss:// URL is a WebSocket: the question goes out as its first message,
{"type":"message","content":…}, and each message that comes back is a
frame; --interrupt-after N sends {"type":"interrupt"} after N tokens
and reports interrupt → acknowledgement, interrupt → last token and the
tokens after it, and fails when no acknowledgement comes within
--interrupt-wait. A URL gets
no key from the environment, whatever its path: pass one with -H, as in
-H "x-api-key: $ANTHROPIC_API_KEY". --provider (the API itself, its key
from %s) or -e NAME (the
config file's endpoint and its key) name the API instead; -H, --method
and --data @file send a request of your own.

A probe reads at most %d tokens, %d reads or %d MiB of one
stream, and --timeout bounds its time: a stream that goes on past them
fails the end check.

--base-url (an OpenAI-compatible server's …/v1, as the root command takes
it) probes its Chat Completions endpoint.
`+loadHelp+`

Exit codes:
  0  every check passed (warnings allowed)
  1  a check failed
  2  usage error
  3  could not connect, or the answer was not 2xx`+loadExitHelp, keyVarList(false, "or"), probe.MaxTokens, probe.MaxReads, probe.MaxBytes>>20)

const probeExample = `  tok probe http://localhost:8080/api/chat/stream
  tok probe https://api.example.com/v1/chat/completions --max-ttft 800ms --min-rate 20
  tok probe --provider anthropic "count to twenty"
  tok probe https://chat.example.com/stream --data @request.json -H "Authorization: Bearer $TOKEN"
  tok probe http://localhost:8080/api/chat/stream -n 50 -c 10 --json | jq '.steps[0].ttft_ms.p99'
  tok probe --base-url http://localhost:11434/v1 -m llama3.2

  # How many users? A sweep against targets, a report, and a check for regressions
  tok probe URL -c 1,2,4,8,16,32 --slo ttft=800ms,itl=50ms --html report.html --json > new.json
  tok probe URL --rate 20 --arrival poisson --duration 30s -c 64 --slo ttft=1s
  tok probe compare old.json new.json --tolerance 10%

  # A WebSocket endpoint, and how fast it stops when interrupted
  tok probe ws://localhost:8080/api/chat/ws --interrupt-after 20`

// defaultProbePrompt asks for an answer long enough to measure a rate.
const defaultProbePrompt = "Count from 1 to 30, one number per line, with no other text."

func newProbeCmd(ios *ioStreams, runF func(context.Context, *probeOptions) error) *cobra.Command {
	o := &probeOptions{IO: ios}
	cmd := &cobra.Command{
		Use:     "probe [URL] [PROMPT...]",
		Short:   "Smoke-test a streaming endpoint: latency, buffering, headers, protocol (exit codes for CI)",
		Long:    probeLong,
		Example: probeExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.parse(cmd.Context(), args, cmd.Flags().Changed); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runProbe(cmd.Context(), o)
		},
	}
	cmd.AddCommand(newProbeCompareCmd(ios, nil))
	f := cmd.Flags()
	f.StringArrayVarP(&o.Headers, "header", "H", nil, "add a request header (repeatable): -H 'Name: value'")
	f.StringVarP(&o.Method, "method", "X", "", "the request method (default POST, or GET with no body)")
	f.StringVarP(&o.Data, "data", "d", "", "send this body instead of tok's request: a string, or @FILE (@- for stdin)")
	f.StringVarP(&o.EndpointName, "endpoint", "e", "", "probe the config file's endpoint `NAME`")
	f.StringVarP(&o.Provider, "provider", "p", "", "probe an LLM API: "+providerList("or"))
	f.StringVar(&o.BaseURL, "base-url", "", "probe an OpenAI-compatible server at this `URL` (…/v1), as the root command's --base-url")
	f.StringVarP(&o.Model, "model", "m", "", "the `model` to ask")
	f.StringVar(&o.API, "api", "", "OpenAI's API: chat or responses")
	f.BoolVar(&o.JSON, "json", false, "write every figure and check as JSON (see probe/schema.json)")
	f.BoolVar(&o.Frames, "frames", false, "print the raw frames with their arrival times first")
	f.IntVarP(&o.N, "requests", "n", 1, "send this many requests (a step of a sweep too)")
	o.Load.addLoadFlags(f)
	f.DurationVar(&o.MaxTTFT, "max-ttft", 0, "fail a time to first token over this (e.g. 800ms)")
	f.Float64Var(&o.MinRate, "min-rate", 0, "fail a decode rate under this many tokens a second")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", 30*time.Second, "fail a stream silent for this long, heartbeats included")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "give up on a request after this long in all")
	f.DurationVar(&o.Connect, "connect-timeout", client.DefaultConnectTimeout, "give up connecting after this long")
	f.DurationVar(&o.Grace, "grace", 500*time.Millisecond, "after the terminal event, read this long for anything more")
	f.IntVar(&o.InterruptAfter, "interrupt-after", 0, "interrupt the answer after this many `tokens` (a ws:// URL: the chat protocol's interrupt) and measure interrupt → acknowledgement, → last token, and the tokens after it")
	f.DurationVar(&o.InterruptWait, "interrupt-wait", defaultInterruptWait, "with --interrupt-after: fail when the server's acknowledgement takes longer")
	return cmd
}

// parse checks the flags and decides the request's shape.
func (o *probeOptions) parse(ctx context.Context, args []string, changed func(string) bool) error {
	if o.EndpointName == "" && o.Provider == "" && o.BaseURL == "" {
		if len(args) == 0 {
			return usageErrorf("give the URL to probe, as in: tok probe http://localhost:8080/api/chat/stream")
		}
		u, err := normalizeURL(args[0], true)
		if err != nil {
			return usageErrorf("%q is not a URL: write it as http://host:port/path", args[0])
		}
		o.URL, args = u, args[1:]
	} else if o.BaseURL != "" && len(args) > 0 && strings.Contains(args[0], "://") {
		return usageErrorf("give the URL to probe or --base-url, not both")
	}
	o.Prompt = strings.Join(args, " ")
	if o.Prompt == "" {
		o.Prompt = defaultProbePrompt
	}
	o.load = o.isLoad(changed)
	switch {
	case o.N < 1:
		return usageErrorf("-n takes 1 or more")
	case o.MaxTTFT < 0 || o.MinRate < 0 || o.IdleTimeout < 0 || o.Timeout < 0 || o.Grace < 0 || o.InterruptAfter < 0:
		return usageErrorf("--max-ttft, --min-rate, --idle-timeout, --timeout, --grace and --interrupt-after take 0 or more")
	case o.InterruptWait <= 0 || o.InterruptWait > maxInterruptWait:
		return usageErrorf("--interrupt-wait %s is out of range: give a duration above 0 and up to %s", o.InterruptWait, maxInterruptWait)
	case o.Frames && (o.JSON || o.load):
		return usageErrorf("--frames prints one request's frames: leave out --json, -n, -c and the other load flags")
	}
	if err := o.parseLoad(changed); err != nil {
		return err
	}
	h, err := parseHeaders(o.Headers)
	if err != nil {
		return err
	}
	o.header = h
	if err := o.readData(); err != nil {
		return err
	}
	return o.resolve(ctx, changed)
}

// resolve decides the endpoint (see [resolveEndpoint]): -e or --provider
// as the chat does, else the URL, whose path names its API and whose host
// gets no key from the environment.
func (o *probeOptions) resolve(ctx context.Context, changed func(string) bool) error {
	t, _, err := resolveEndpoint(ctx, o.IO.env, endpointQuery{
		name: o.EndpointName, url: o.URL, provider: o.Provider, baseURL: o.BaseURL, api: o.API, model: o.Model, header: o.header,
		given: changed, resolveRules: resolveRules{urlNamesAPI: true, keyHelp: rootRules.keyHelp},
	})
	if err != nil {
		return err
	}
	o.ep, o.keyFrom = t.ep, t.keyFrom
	if o.URL == "" {
		o.URL = o.ep.Target()
	}
	return nil
}

// readData reads --data: the text, or a file with @FILE.
func (o *probeOptions) readData() error {
	switch {
	case o.Data == "":
		return nil
	case o.Data == "@-":
		b, err := io.ReadAll(o.IO.In)
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		o.body = b
	case strings.HasPrefix(o.Data, "@"):
		b, err := os.ReadFile(o.Data[1:])
		if err != nil {
			return usageErrorf("--data %s: %v", o.Data, err)
		}
		o.body = b
	default:
		o.body = []byte(o.Data)
	}
	return nil
}

// request builds one probe request.
func (o *probeOptions) request(ctx context.Context) (*http.Request, error) {
	if o.body == nil && o.Method == "" {
		return o.ep.Request(ctx, []client.Message{{Role: "user", Content: o.Prompt}})
	}
	method := o.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := client.NewRequest(ctx, method, o.URL, o.body, o.header)
	if err != nil {
		return nil, usageErrorf("--method %q: %v", o.Method, err)
	}
	return req, nil
}
