package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tools"
)

// toolOptions are the flags of the tools the model may call: the config
// file's MCP servers, with --provider or --base-url.
type toolOptions struct {
	Yes         []string
	YesAll      bool
	NoTools     bool
	ToolTimeout time.Duration
	MaxSteps    int

	runner *tools.Runner // nil: no tools
}

func addToolFlags(f *pflag.FlagSet, o *toolOptions) {
	f.StringSliceVar(&o.Yes, "yes", nil, "let these `TOOL`s run without asking (repeatable, or a comma list)")
	f.BoolVar(&o.YesAll, "yes-all", false, "let every tool run without asking")
	f.BoolVar(&o.NoTools, "no-tools", false, "offer the model no tools (the config file's [mcp.NAME] servers are not started)")
	f.DurationVar(&o.ToolTimeout, "tool-timeout", tools.DefaultTimeout, "give up on one tool call after this long (a server's timeout in the config file wins)")
	f.IntVar(&o.MaxSteps, "max-steps", client.DefaultMaxSteps, "run at most this many rounds of tool calls in one answer")
}

func (o *toolOptions) validate() error {
	switch {
	case o.MaxSteps < 1:
		return usageErrorf("--max-steps %d is too small: give 1 or more rounds of tool calls", o.MaxSteps)
	case o.ToolTimeout <= 0:
		return usageErrorf("--tool-timeout %s is not a time: give a duration such as 60s", o.ToolTimeout)
	}
	return nil
}

// startTools starts the config file's MCP servers for an endpoint tok
// talks to directly (a --url server runs its own tools), then waits for
// them, and returns what went wrong, one line for each server that did
// not start. ask: the chat asks about calls; the one-shot denies what is
// not allowed, naming --yes.
func (o *rootOptions) startTools(ctx context.Context, ask bool) (problems []string) {
	problems = o.newRunner(ask)
	if o.runner != nil {
		for _, err := range append(o.runner.Wait(ctx), o.runner.UnknownYes()...) {
			problems = append(problems, err.Error())
		}
	}
	return problems
}

// newRunner makes the runner of the config file's MCP servers, if any,
// without waiting for them; problems are the servers it would not start.
func (o *rootOptions) newRunner(ask bool) (problems []string) {
	if o.NoTools || o.target.demo() || o.target.ep.Provider == "" {
		return nil
	}
	path, err := configPath(o.IO.env)
	if err != nil {
		return nil
	}
	cfg, err := loadConfig(path)
	if err != nil || len(cfg.MCP) == 0 {
		return nil // resolve read the file already: an error there was said
	}
	if o.target.ep.Transport == client.TransportWS {
		return []string{"the [mcp] tools are not offered over a WebSocket (--transport ws): its turns carry no tool results yet; leave out --transport ws to use them"}
	}
	var servers []tools.Server
	for _, name := range slices.Sorted(maps.Keys(cfg.MCP)) {
		m := cfg.MCP[name]
		if m.Disabled {
			continue
		}
		if len(m.Command) > 0 && cfg.unsafe != "" {
			problems = append(problems, "mcp server "+name+" not started: "+strings.Replace(cfg.unsafe, "its key_cmd", "its commands", 1))
			continue
		}
		servers = append(servers, m.server())
	}
	o.runner = tools.New(tools.Config{Servers: servers, Timeout: o.ToolTimeout, Yes: o.Yes, YesAll: o.YesAll, Ask: ask,
		Unasked: unasked, Env: toolEnv(os.Environ()), Version: version,
		Save: func(server, tool string) error { return saveAllow(path, server, tool) }})
	o.runner.Start()
	return problems
}

// sayTools writes the problems of startTools on stderr, one safe line each.
func (o *rootOptions) sayTools(problems []string) {
	for _, p := range problems {
		o.IO.errLine(render.Line("tok: "+p, maxErrorLine))
	}
}

// closeTools stops the MCP servers, if any started.
func (o *rootOptions) closeTools() {
	if o.runner != nil {
		o.runner.Close()
	}
}

// unasked is the result of a call tok may not run without asking, when
// it cannot ask: it names the flag that allows it, for the model to pass
// on and for the stderr line.
func unasked(tool string) string {
	return fmt.Sprintf("not run: %s needs the user's approval, and tok cannot ask without a terminal; allow it with --yes %s", tool, tool)
}

// toolEnv is the environment of the servers' commands: tok's, less the
// providers' keys, which are tok's to send and no tool's to read (a
// server that needs one names it in its env table).
func toolEnv(environ []string) []string {
	secret := map[string]bool{}
	for _, p := range client.Providers() {
		s, _ := p.Spec()
		for _, k := range s.KeyEnv {
			secret[k] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return secret[k]
	})
}

// chatTools is how the chat and the one-shot ask for an answer when
// tools run: through the loop, else as before.
func (o *rootOptions) chatTools(ctx context.Context, c *client.Client, ep client.Endpoint, msgs []client.Message) (*client.Stream, error) {
	loop := client.ToolLoop{MaxSteps: o.MaxSteps}
	if o.runner != nil {
		loop.Runner = o.runner
	}
	return c.ChatTools(ctx, ep, msgs, loop)
}
