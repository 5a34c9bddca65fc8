package main

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

// rootOptions are the flags and inputs of tok's one-shot command.
type rootOptions struct {
	IO *ioStreams

	URL            string
	Headers        []string
	System         string
	EndpointName   string
	Provider       string
	Model          string
	BaseURL        string
	API            string
	Transport      string
	InterruptWait  time.Duration
	MaxTokens      int
	Temperature    float64
	Thinking       string
	Retries        int
	ResumeTries    int
	Events         bool
	Verbose        bool
	Timeout        time.Duration
	IdleTimeout    time.Duration
	ConnectTimeout time.Duration
	Width          int
	Editor         bool // -E: the prompt is written in $VISUAL or $EDITOR
	Prompt         string
	Continue       bool   // -c: continue the conversation used last
	CID            string // --cid: continue this conversation
	NoSave         bool
	Files          []string // -f: attached to the question (files.go)
	Role           string   // --role: the config file's [roles.NAME] (roles.go)

	hist              historyState
	systemFromHistory bool // the continued conversation's system prompt
	toolOptions            // --yes, --max-steps …: tools_flags.go
	outputOptions          // --extract, --raw: extract.go

	header     http.Header
	target     target // what answers, once resolved
	note       string // what the one-shot says about it on stderr, if anything
	demo       demo.Options
	c          *client.Client // the target's, for the life of the process
	clientOnce sync.Once
	// retryBackoff is the first retry's wait; tests shorten it.
	retryBackoff time.Duration // the demo model's pace; tests speed it up
}

// rootLong is tok --help's text; the providers come from client's table.
func rootLong() string {
	return fmt.Sprintf(`tok streams an answer from an LLM endpoint to your terminal.

Give a prompt as arguments. Text piped on stdin comes first, then a blank
line, then the prompt. With no prompt on a terminal, tok opens the chat.
-E writes the prompt in $VISUAL or $EDITOR (vi if neither is set): the
prompt given, if any, is the file's first text, and piped text still
comes first; an editor that fails or a file left empty sends nothing.
A prompt whose first word is one of tok's commands (history, config,
probe, serve, tools, roles) needs quotes or --, as in: tok -- history of rome.

%s

--role NAME asks with the config file's [roles.NAME]: its system prompt,
and its model and temperature if it names them (tok roles lists them).

The chat's help line shows the keys that do something at the moment. Up
recalls the prompts sent before (in earlier chats too), Ctrl+N starts a
new conversation, Ctrl+L sends the next question to another of the config
file's endpoints, Ctrl+S continues a saved conversation.

tok saves every conversation as it streams (tok history; --no-save, or
save = false in the config file, keeps one out): -c continues the one
used last, --cid ID another, with their earlier turns and endpoint.

tok talks to LLM APIs directly with --provider %s (keys
from %s), to any
OpenAI-compatible server with --base-url, and to endpoints named in its
config file with -e NAME (tok config path). With none of these, the
provider whose key is the only one set answers; with no key, tok's built-in
demo model does, so it works with nothing configured. A request that fails
before its first token (429, 5xx, overloaded) is retried --retries times.
A --url stream that breaks mid-answer is resumed where it broke, when the
server speaks tok's protocol and keeps sessions (it numbers the tokens with
index or SSE id lines), up to --resume-tries times: the text neither
repeats nor skips.

tok reads any Server-Sent Events endpoint and detects its dialect from the
frames: tok's own protocol, Anthropic Messages, OpenAI Chat Completions and
Responses, Gemini, the Vercel AI SDK streams, or plain text. A ws:// or
wss:// --url is a WebSocket kept for the whole conversation, each message a
frame; the stop key (Esc, Ctrl+C) sends it {"type":"interrupt"} and waits
--interrupt-wait for the acknowledgement before it closes the socket.
--transport ws talks to OpenAI's Responses API the same way.

On a terminal, the answer is rendered as markdown while it streams,
wrapped at the terminal's width (at most 100 columns; --width sets it).
The style follows the terminal's background (dark or light); set
GLAMOUR_STYLE to a glamour style name or JSON file to choose one, and
NO_COLOR to turn colour off. On a pipe, stdout gets the answer's text
and nothing else; tool calls, errors and notes go to stderr, one line
each. --raw prints the markdown as it comes on a terminal too.

--extract (-x) prints only the answer's fenced code blocks, once it has
ended: each as the model wrote it (dedented, no styling, no wrapping),
ending in a newline, a blank line between two; --extract-last prints the
last one only. An answer with no code block prints nothing and exits 1.
A broken answer prints its complete blocks, then says why.

Limits: stdin and the prompt together at most 8 MiB; one event of a
stream, and one answer, at most 16 MiB; --timeout bounds the whole answer, retries and
reconnects included; one answer reconnects at most 4 × --resume-tries
times.

%s`, filesHelp, providerList("|"), keyVarList(false, ","), exitCodesHelp)
}

// exitCodesHelp ends tok --help: the one-shot's exit codes.
const exitCodesHelp = `Exit codes:
  0    the answer completed
  1    it failed (HTTP error, error event, cut off, timeout, an empty
       answer, no code block with --extract); what arrived was printed
       first
  2    usage error (bad flag, bad header, no prompt, no API key, a prompt
       or -f file over the limit, an unknown --role, -E's editor failed
       or left its file empty)
  4    the answer stopped at the token limit (raise --max-tokens); the
       text is what the model wrote
  130  interrupted by Ctrl+C or a signal; what arrived was printed`

const rootExample = `  tok "explain server-sent events in one paragraph"
  git diff | tok "write a commit message"
  tok -f main.go -f diagram.png "does the code match the diagram?"
  tok --role reviewer -f main.go "review this"   # [roles.reviewer] in the config file
  tok --provider anthropic --thinking low "why is the sky blue?"
  tok --base-url http://localhost:11434/v1 -m llama3.2 "hi"
  tok -c "and then?"                 # continue the conversation used last
  git diff | tok -E                  # write the prompt in $EDITOR; the diff comes first
  tok history search "borrow checker"
  tok -e work                        # the chat, on the config file's endpoint "work"
  tok --url http://localhost:8080/api/chat/stream "hello"
  tok --url https://chat.example.com/stream -H "Authorization: Bearer $TOKEN" "hi"
  tok --url ws://localhost:8080/api/chat/ws      # the chat, over one WebSocket
  tok --events "hi" | jq -c .
  tok -x "a bash one-liner to count lines in *.go" | sh
  tok --extract-last "a Dockerfile for a Go web app" > Dockerfile
  tok --raw "a table of HTTP status codes"     # the markdown, not rendered`

func newRootCmd(ios *ioStreams, runF func(context.Context, *rootOptions) error) *cobra.Command {
	opts := &rootOptions{IO: ios}
	cmd := &cobra.Command{
		Use:           "tok [flags] [PROMPT...]",
		Args:          cobra.ArbitraryArgs,
		Short:         "Chat with streaming LLM endpoints from the terminal",
		Long:          rootLong(),
		Example:       rootExample,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prompt = strings.Join(args, " ")
			if err := opts.validate(); err != nil {
				return err
			}
			defer opts.closeHistory()
			if err := opts.loadContinued(cmd.Context(), cmd.Flags().Changed); err != nil {
				return err
			}
			note, err := opts.resolve(cmd.Context(), opts.given(cmd.Flags().Changed))
			if err != nil {
				return err
			}
			opts.note = note
			defer opts.closeClient()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.wantsChat() {
				return runChat(cmd.Context(), opts)
			}
			return runOneShot(cmd.Context(), opts)
		},
	}
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.SetVersionTemplate("tok {{.Version}}\n")
	cmd.AddCommand(newServeCmd(ios, nil), newConfigCmd(ios), newProbeCmd(ios, nil), newHistoryCmd(ios), newToolsCmd(ios), newRolesCmd(ios))

	addRootFlags(cmd, opts)
	return cmd
}

// addRootFlags defines tok's own flags and their completions.
func addRootFlags(cmd *cobra.Command, opts *rootOptions) {
	f := cmd.Flags()
	f.StringVar(&opts.URL, "url", "", "stream from this SSE `URL` (tok's protocol, or any dialect tok detects), or chat over a ws:// or wss:// WebSocket")
	f.StringArrayVarP(&opts.Headers, "header", "H", nil, "add a request header, as curl does (repeatable): -H 'Name: value'")
	f.StringVarP(&opts.EndpointName, "endpoint", "e", "", "use the endpoint called `NAME` in the config file (tok config path)")
	f.StringVarP(&opts.Provider, "provider", "p", "", "talk to an LLM API directly: "+providerList("or")+" (key from "+keyVarList(false, ",")+")")
	f.StringVarP(&opts.Model, "model", "m", "", "the `model` to ask (default: the provider's everyday model)")
	f.StringVar(&opts.BaseURL, "base-url", "", "an OpenAI-compatible server's `URL` (vLLM, llama.cpp, Ollama's /v1, LM Studio, LiteLLM, OpenRouter); implies --provider openai")
	f.StringVar(&opts.API, "api", "", "OpenAI's API to use: chat (Chat Completions, the default) or responses")
	f.StringVar(&opts.Transport, "transport", "", "sse (a request per answer, the default) or ws: OpenAI's Responses API over one WebSocket (with --api responses); a ws:// or wss:// --url is always one")
	f.DurationVar(&opts.InterruptWait, "interrupt-wait", defaultInterruptWait, "after the stop key, wait this long for a WebSocket server to acknowledge the interrupt before closing the socket")
	f.StringVar(&opts.System, "system", "", "the system prompt")
	f.IntVar(&opts.MaxTokens, "max-tokens", 0, "cap the answer at this many `tokens` (default: the provider's; Anthropic 4096)")
	f.Float64Var(&opts.Temperature, "temperature", 0, "sampling temperature, 0 to 2 (default: the provider's)")
	f.StringVar(&opts.Thinking, "thinking", "", "ask for reasoning: off, low, medium, high, or a token budget (Anthropic, Gemini)")
	f.IntVar(&opts.Retries, "retries", 2, "retry a request that fails before its first token (429, 5xx, overloaded) this many `times`; with --url, 0 unless given")
	f.IntVar(&opts.ResumeTries, "resume-tries", 3, "reconnect a --url stream that breaks mid-answer this many `times`, when the server can resume it")
	f.BoolVar(&opts.Events, "events", false, "write the decoded events as JSON lines instead of the text")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "print the request, headers and timings on stderr (secrets redacted)")
	f.DurationVar(&opts.Timeout, "timeout", 0, "give up after this long in all, retries and reconnects included (0: never)")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", 60*time.Second, "give up when no bytes arrive for this long, heartbeats included (0: never)")
	f.DurationVar(&opts.ConnectTimeout, "connect-timeout", client.DefaultConnectTimeout, "give up connecting after this long")
	f.BoolVarP(&opts.Continue, "continue", "c", false, "continue the conversation used last (tok history list); with no prompt on a terminal, in the chat")
	f.StringVar(&opts.CID, "cid", "", "continue the conversation with this `ID` (or the start of it)")
	f.BoolVar(&opts.NoSave, "no-save", false, "keep this conversation out of the history (or save = false in the config file)")
	f.BoolVarP(&opts.Editor, "editor", "E", false, "write the prompt in $VISUAL or $EDITOR (vi if neither is set), starting from the prompt given, if any; piped text still comes first")
	f.IntVar(&opts.Width, "width", 0, "wrap rendered markdown at this many `columns` (default: the terminal's, at most 100)")
	f.StringArrayVarP(&opts.Files, "file", "f", nil, "attach `FILE` to the question (repeatable; - is stdin): text as a fenced block, a png, jpeg, gif or webp as an image; limits in tok --help")
	f.StringVar(&opts.Role, "role", "", "use the config file's role `NAME` ([roles.NAME]: system prompt, model, temperature; tok roles lists them)")
	addToolFlags(f, &opts.toolOptions)
	addOutputFlags(f, &opts.outputOptions)
	cmd.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return providerNames(), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("api", cobra.FixedCompletions([]string{"chat", "responses"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("transport", cobra.FixedCompletions([]string{"sse", "ws"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("thinking", cobra.FixedCompletions([]string{"off", "low", "medium", "high"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("cid", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return conversationIDs(c.Context(), opts.IO), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("endpoint", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return configNames(opts.IO, func(c *fileConfig) iter.Seq[string] { return maps.Keys(c.Endpoints) }), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("role", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return configNames(opts.IO, func(c *fileConfig) iter.Seq[string] { return maps.Keys(c.Roles) }), cobra.ShellCompDirectiveNoFileComp
	})
}

// validate checks the flags and parses the headers.
func (o *rootOptions) validate() error {
	h, err := parseHeaders(o.Headers)
	if err != nil {
		return err
	}
	o.header = h
	if o.URL != "" {
		u, err := normalizeURL(o.URL, true)
		if err != nil {
			return err
		}
		o.URL = u
	}
	if o.Retries < 0 || o.Retries > maxTries {
		return usageErrorf("--retries %d is out of range: give 0 (none) to %d", o.Retries, maxTries)
	}
	if o.ResumeTries < 0 || o.ResumeTries > maxTries {
		return usageErrorf("--resume-tries %d is out of range: give 0 (never resume) to %d", o.ResumeTries, maxTries)
	}
	if err := o.toolOptions.validate(); err != nil {
		return err
	}
	if err := o.outputOptions.validate(o.Events); err != nil {
		return err
	}
	if o.Width < 0 || o.Width > 0 && o.Width < 20 {
		return usageErrorf("--width %d is too narrow: give 20 columns or more, or 0 for the terminal's width", o.Width)
	}
	if o.InterruptWait > maxInterruptWait {
		return usageErrorf("--interrupt-wait %s is too long: give up to %s", o.InterruptWait, maxInterruptWait)
	}
	for name, d := range map[string]time.Duration{"--timeout": o.Timeout, "--idle-timeout": o.IdleTimeout, "--connect-timeout": o.ConnectTimeout, "--interrupt-wait": o.InterruptWait} {
		if d < 0 {
			return usageErrorf("%s is negative (%s): give a duration such as 30s, or 0 for none", name, d)
		}
	}
	return nil
}

// parseHeaders reads -H values as curl does: "Name: value".
func parseHeaders(values []string) (http.Header, error) {
	h := http.Header{}
	for _, v := range values {
		name, value, ok := strings.Cut(v, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
			return nil, usageErrorf("malformed header %q: write it as -H 'Name: value'", v)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, usageErrorf("header %q has a line break in its value: remove it", name)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

// normalizeURL accepts what curl accepts: a missing scheme means http.
// A ws:// or wss:// URL (a WebSocket) is taken when ws is set.
func normalizeURL(raw string, ws bool) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", usageErrorf("--url %q is not a URL: write it as http://host:port/path", raw)
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
	case ws && (u.Scheme == "ws" || u.Scheme == "wss"):
	case ws:
		return "", usageErrorf("--url %q uses %s: tok speaks http, https, ws and wss", raw, u.Scheme)
	default:
		return "", usageErrorf("--url %q uses %s: tok speaks http and https", raw, u.Scheme)
	}
	return u.String(), nil
}

// defaultInterruptWait is how long the stop key waits for a WebSocket
// server's acknowledgement of the interrupt; maxInterruptWait bounds
// --interrupt-wait and the config file's interrupt_wait: a stop key
// that hangs longer is no stop key.
const (
	defaultInterruptWait = 500 * time.Millisecond
	maxInterruptWait     = 30 * time.Second
)

// maxTries bounds --retries and --resume-tries (and the config file's
// retries and resume_tries): more would only keep tok knocking on a
// server that is down.
const maxTries = 100

func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// resolve decides what answers (see [resolveEndpoint]) and keeps it as
// o.target. It returns the note to print on stderr once, if any.
func (o *rootOptions) resolve(ctx context.Context, flagSet func(string) bool) (note string, err error) {
	role, err := o.findRole()
	if err != nil {
		return "", err
	}
	o.target, note, err = resolveEndpoint(ctx, o.IO.env, endpointQuery{role: role,
		name: o.EndpointName, url: o.URL, provider: o.Provider, baseURL: o.BaseURL, api: o.API, model: o.Model,
		transport: o.Transport, interruptWait: o.InterruptWait, header: o.header, system: o.System, maxTokens: o.MaxTokens, temperature: o.Temperature, thinking: o.Thinking,
		retries: o.Retries, resumeTries: o.ResumeTries, given: flagSet, resolveRules: rootRules,
	})
	return note, err
}

// given reports the flags given, and the system prompt a continued
// conversation brought as though it were.
func (o *rootOptions) given(changed func(string) bool) func(string) bool {
	return func(flag string) bool {
		return changed(flag) || flag == "system" && o.systemFromHistory && o.Role == ""
	}
}

// rootRules are the root command's (and tok probe's named endpoints'):
// with nothing named, the provider whose key alone is set answers.
var rootRules = resolveRules{guess: true, keyHelp: "name a key_env or key_cmd in the config file (tok config path)"}
