package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// State is where a server is in its life.
type State string

// The states of a server.
const (
	StateStarting State = "starting"
	StateReady    State = "ready"
	StateFailed   State = "failed" // it did not start, or it stopped
	StateClosed   State = "closed"
)

// server is one MCP server's session and what it offers.
//
// Invariants: session is set exactly while the state is ready; defs is
// set once, when it becomes ready.
type server struct {
	cfg     Server
	stderr  tail // the command's stderr, for a failure's reason
	mu      sync.Mutex
	state   State
	err     error
	session *mcp.ClientSession
	defs    []*mcp.Tool
}

// terminateAfter is how long a command gets to exit after its stdin
// closes, before it is signalled.
const terminateAfter = 2 * time.Second

// begin connects and lists the tools, within the start-up timeout.
func (s *server) begin(life context.Context, cfg Config) {
	timeout := s.cfg.StartupTimeout
	if timeout <= 0 {
		timeout = DefaultStartupTimeout
	}
	ctx, cancel := context.WithTimeoutCause(life, timeout, fmt.Errorf("no answer within %s (its startup_timeout)", timeout))
	defer cancel()
	session, defs, err := s.connect(ctx, cfg)
	if err != nil && context.Cause(ctx) != nil && !errors.Is(err, context.Cause(ctx)) {
		err = context.Cause(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.state, s.err = StateFailed, err
		return
	}
	s.state, s.session, s.defs = StateReady, session, defs
}

func (s *server) connect(ctx context.Context, cfg Config) (*mcp.ClientSession, []*mcp.Tool, error) {
	t, err := s.transport(cfg)
	if err != nil {
		return nil, nil, err
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "tok", Version: cfg.Version}, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}})
	session, err := c.Connect(ctx, t, nil)
	if err != nil {
		return nil, nil, s.explain(err)
	}
	var defs []*mcp.Tool
	for d, err := range session.Tools(ctx, nil) {
		if err != nil {
			session.Close()
			return nil, nil, fmt.Errorf("list its tools: %w", s.explain(err))
		}
		defs = append(defs, d)
	}
	return session, defs, nil
}

// transport is how to reach the server.
func (s *server) transport(cfg Config) (mcp.Transport, error) {
	switch {
	case s.cfg.Transport != nil:
		return s.cfg.Transport, nil
	case s.cfg.URL != "":
		return &mcp.StreamableClientTransport{Endpoint: s.cfg.URL, DisableStandaloneSSE: true,
			HTTPClient: &http.Client{Transport: headerTransport{s.cfg.Headers}}}, nil
	case len(s.cfg.Command) == 0:
		return nil, errors.New("it has neither a command nor a url")
	}
	cmd := exec.Command(s.cfg.Command[0], s.cfg.Command[1:]...)
	cmd.Env = slices.Clone(cfg.Env)
	for _, k := range slices.Sorted(maps.Keys(s.cfg.Env)) {
		cmd.Env = append(cmd.Env, k+"="+s.cfg.Env[k])
	}
	cmd.Stderr = &s.stderr
	return &mcp.CommandTransport{Command: cmd, TerminateDuration: terminateAfter}, nil
}

// explain adds what the command last wrote on stderr to err: why a
// server that exited did.
func (s *server) explain(err error) error {
	if last := s.stderr.lastLine(); last != "" {
		return fmt.Errorf("%w; it said: %s", err, last)
	}
	return err
}

// failure is the server's start-up failure, naming it, or nil.
func (s *server) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != StateFailed {
		return nil
	}
	return fmt.Errorf("mcp server %s did not start: %w", s.cfg.Name, s.err)
}

func (s *server) up() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StateReady
}

// call runs one tool on the server's session.
func (s *server) call(ctx context.Context, name string, args map[string]any) (*mcp.CallToolResult, error) {
	s.mu.Lock()
	session := s.session
	s.mu.Unlock()
	if session == nil {
		return nil, fmt.Errorf("the mcp server %s is not running", s.cfg.Name)
	}
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if errors.Is(err, mcp.ErrConnectionClosed) {
		s.mu.Lock()
		if s.session == session {
			s.state, s.err, s.session = StateFailed, s.explain(errors.New("it stopped")), nil
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("the mcp server %s stopped: %w", s.cfg.Name, s.explain(err))
	}
	return res, err
}

func (s *server) close() error {
	s.mu.Lock()
	session := s.session
	s.session = nil
	if s.state == StateReady {
		s.state = StateClosed
	}
	s.mu.Unlock()
	if session == nil {
		return nil
	}
	err := session.Close()
	if err != nil && strings.Contains(err.Error(), "signal") { // it was told to stop: expected
		return nil
	}
	return err
}

// timeout is the bound of one call to the server.
func (s *server) timeout(cfg Config) time.Duration {
	if s.cfg.Timeout > 0 {
		return s.cfg.Timeout
	}
	return cfg.Timeout
}

// schemaOf is a tool's input schema as JSON.
func schemaOf(d *mcp.Tool) json.RawMessage {
	if d.InputSchema == nil {
		return nil
	}
	b, err := json.Marshal(d.InputSchema)
	if err != nil {
		return nil
	}
	return b
}

// headerTransport adds headers to every request.
type headerTransport struct{ h map[string]string }

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(t.h) > 0 {
		req = req.Clone(req.Context())
		for k, v := range t.h {
			req.Header.Set(k, v)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// tailMax bounds what is kept of a command's stderr.
const tailMax = 4 << 10

// tail keeps the end of what a command writes on its stderr.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > tailMax {
		t.b = t.b[len(t.b)-tailMax:]
	}
	return len(p), nil
}

// lastLine is the last line that is not blank.
func (t *tail) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
