package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/server"
	"github.com/tokcli/tok/tools"
)

// serveTools are tok serve's tool flags: the gateway runs the tools of
// the --mcp servers itself, without asking (the operator named them).
type serveTools struct {
	MCP         []string
	ToolTimeout time.Duration
	MaxSteps    int
}

// mcpServers reads --mcp NAME=CMD values: CMD is split into words as a
// shell does (quotes and backslashes), and run without a shell.
func mcpServers(values []string) ([]tools.Server, error) {
	var out []tools.Server
	seen := map[string]bool{}
	for _, v := range values {
		name, cmd, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(cmd) == "" {
			return nil, usageErrorf("--mcp %q: write it as --mcp NAME='command args'", v)
		}
		if seen[name] {
			return nil, usageErrorf("--mcp %s is given twice: give each server its own name", name)
		}
		seen[name] = true
		words, err := splitWords(cmd)
		if err != nil {
			return nil, usageErrorf("--mcp %s: %v", name, err)
		}
		out = append(out, tools.Server{Name: name, Command: words})
	}
	return out, nil
}

// splitWords splits s into words as a POSIX shell does, without
// expansions: blanks separate, '…' keeps everything, "…" and \ escape.
func splitWords(s string) ([]string, error) {
	var words []string
	var b strings.Builder
	in, quote, escaped := false, rune(0), false
	for _, r := range s {
		switch {
		case escaped:
			b.WriteRune(r)
			escaped = false
		case quote == '\'' && r != '\'', quote == '"' && r != '"' && r != '\\':
			b.WriteRune(r)
		case r == '\\' && quote != '\'':
			escaped, in = true, true
		case quote != 0:
			quote = 0
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words, in = append(words, b.String()), false
				b.Reset()
			}
		default:
			b.WriteRune(r)
			in = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("an unclosed quote or a trailing backslash in %q", s)
	}
	if in {
		words = append(words, b.String())
	}
	return words, nil
}

// startServeTools starts the --mcp servers and hands them to the
// upstream; it says on stderr which failed, and returns the runner to
// close, or nil.
func (o *serveOptions) startServeTools(up *server.Upstream) (*tools.Runner, error) {
	servers, err := mcpServers(o.MCP)
	if err != nil || len(servers) == 0 {
		return nil, err
	}
	if up == nil {
		return nil, usageErrorf("--mcp runs tools for a gateway: add --provider %s", providerList("|"))
	}
	r := tools.New(tools.Config{Servers: servers, YesAll: true, Timeout: o.ToolTimeout, Env: toolEnv(os.Environ()), Version: version})
	for _, err := range r.Wait(context.Background()) {
		fmt.Fprintln(o.IO.ErrOut, render.Line("tok serve: "+err.Error(), maxErrorLine))
	}
	var names []string
	for _, s := range r.Tools(context.Background()) {
		names = append(names, s.Name)
	}
	fmt.Fprintln(o.IO.ErrOut, render.Line("tok serve: runs the tools "+strings.Join(names, ", ")+" itself, without asking", maxErrorLine))
	up.Tools, up.MaxSteps = r, o.MaxSteps
	return r, nil
}
