package tools

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/tokcli/tok/client"
)

// Server is one MCP server: a command that speaks MCP on its stdin and
// stdout, or the URL of a streamable HTTP endpoint.
type Server struct {
	Name    string
	Command []string          // the program and its arguments
	Env     map[string]string // added to Config.Env for the command
	URL     string
	Headers map[string]string // sent with every HTTP request to URL
	// Allow are tools (by their own names) that run without asking.
	Allow []string
	// Timeout bounds one call; 0 is Config.Timeout.
	Timeout time.Duration
	// StartupTimeout bounds the start: the process, MCP's initialize and
	// the tool list; 0 is DefaultStartupTimeout.
	StartupTimeout time.Duration
	// Transport, when set, is connected in place of Command or URL (a
	// test's in-memory server).
	Transport mcp.Transport
}

// Config is a [Runner]'s servers and policy.
type Config struct {
	Servers []Server
	// Timeout bounds one call, for servers that set none; 0 is
	// DefaultTimeout.
	Timeout time.Duration
	// Concurrency bounds the calls of one round that run at once; 0 is
	// DefaultConcurrency.
	Concurrency int
	// Yes are tools (offered or own names) allowed to run without
	// asking; YesAll allows every tool.
	Yes    []string
	YesAll bool
	// Ask: a call that is not allowed is asked about on Prompts. Without
	// it such a call is denied, with Unasked's result.
	Ask bool
	// Unasked is the result of a call denied because tok cannot ask (the
	// tool's offered name); nil says it needs approval.
	Unasked func(tool string) string
	// Save keeps an AllowAlways answer beyond the runner's life (the
	// config file's allow list); nil keeps it for the runner's life.
	Save func(server, tool string) error
	// Env is the environment of the servers' commands (nil: none but
	// their Env); the caller decides what of its own they may see.
	Env []string
	// Version is tok's, as the servers are told it.
	Version string
}

// Defaults of [Config] and [Server].
const (
	DefaultTimeout        = 60 * time.Second
	DefaultStartupTimeout = 10 * time.Second
	DefaultConcurrency    = 4
)

// Runner starts the servers, offers their tools, decides which calls may
// run and runs them. It is safe for concurrent use; a chat keeps one for
// its whole conversation (what "allow for the conversation" lasts).
type Runner struct {
	cfg     Config
	servers []*server
	prompts chan *Prompt

	start     sync.Once
	ready     chan struct{} // closed once every server started or failed
	life      context.Context
	end       context.CancelFunc
	mu        sync.Mutex
	tools     []tool          // by offered name, in the servers' order
	conversed map[string]bool // offered names allowed for the conversation
}

// New returns the runner of cfg; nothing starts until [Runner.Start] or
// the first [Runner.Tools].
func New(cfg Config) *Runner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	r := &Runner{cfg: cfg, prompts: make(chan *Prompt), ready: make(chan struct{}), conversed: map[string]bool{}}
	r.life, r.end = context.WithCancel(context.Background())
	for _, s := range cfg.Servers {
		r.servers = append(r.servers, &server{cfg: s, state: StateStarting})
	}
	return r
}

// Start starts every server at once, in the background; it returns at
// once, and only the first call does anything.
func (r *Runner) Start() {
	r.start.Do(func() {
		var wg sync.WaitGroup
		for _, s := range r.servers {
			wg.Go(func() { s.begin(r.life, r.cfg) })
		}
		go func() {
			wg.Wait()
			r.mu.Lock()
			r.tools = offered(r.servers)
			r.mu.Unlock()
			close(r.ready)
		}()
	})
}

// Wait starts the servers if need be and waits until each has started or
// failed (each within its start-up timeout), or ctx ends. It returns the
// failures, one per server that failed, naming it.
func (r *Runner) Wait(ctx context.Context) []error {
	r.Start()
	select {
	case <-r.ready:
	case <-ctx.Done():
		return []error{context.Cause(ctx)}
	}
	var errs []error
	for _, s := range r.servers {
		if err := s.failure(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Tools are the tools offered, once the servers have started (see Wait).
func (r *Runner) Tools(ctx context.Context) []client.ToolSpec {
	r.Wait(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []client.ToolSpec
	for _, t := range r.tools {
		if t.srv.up() {
			out = append(out, client.ToolSpec{Name: t.name, Description: t.def.Description, Schema: t.schema})
		}
	}
	return out
}

// Prompts delivers the questions of [Config.Ask]: a call waits until its
// prompt is answered, or the answer it belongs to is stopped.
func (r *Runner) Prompts() <-chan *Prompt { return r.prompts }

// Close stops every server: it closes the sessions (a command's stdin,
// then, if it lingers, a signal) and waits for them.
func (r *Runner) Close() error {
	r.end()
	r.Start() // so that ready closes even when nothing started
	<-r.ready
	var wg sync.WaitGroup
	errs := make([]error, len(r.servers))
	for i, s := range r.servers {
		wg.Go(func() { errs[i] = s.close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lookup finds the tool the model called by its offered name.
func (r *Runner) lookup(name string) (tool, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.tools, func(t tool) bool { return t.name == name })
	if i < 0 {
		return tool{}, false
	}
	return r.tools[i], true
}

// names lists the offered tools, for an unknown tool's result.
func (r *Runner) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, t := range r.tools {
		if t.srv.up() {
			out = append(out, t.name)
		}
	}
	return out
}
