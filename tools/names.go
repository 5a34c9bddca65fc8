package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// tool is a tool as offered: its offered name, its own, its server.
type tool struct {
	name   string // as the model calls it
	own    string // as the server names it
	srv    *server
	def    *mcp.Tool
	schema json.RawMessage
}

// nameMax is the longest tool name every API takes.
const nameMax = 64

// offered names the tools of the servers that started, in the servers'
// order: a tool's own name when no other server has one of that name,
// else SERVER_TOOL (see the package doc), made safe for every API.
func offered(servers []*server) []tool {
	count := map[string]int{}
	for _, s := range servers {
		for _, d := range s.defs {
			count[d.Name]++
		}
	}
	var out []tool
	taken := map[string]bool{}
	for _, s := range servers {
		for _, d := range s.defs {
			name := d.Name
			if count[d.Name] > 1 {
				name = s.cfg.Name + "_" + d.Name
			}
			name = unique(safeName(name), taken)
			taken[name] = true
			out = append(out, tool{name: name, own: d.Name, srv: s, def: d, schema: schemaOf(d)})
		}
	}
	return out
}

// safeName keeps letters, digits, _ and -, at most nameMax bytes, and
// starts with a letter or _ (as Gemini wants).
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || !(out[0] == '_' || out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z') {
		out = "_" + out
	}
	if len(out) > nameMax {
		out = out[:nameMax]
	}
	return out
}

// unique is name, or name with a number when it is taken.
func unique(name string, taken map[string]bool) string {
	for i := 2; taken[name]; i++ {
		suffix := "_" + strconv.Itoa(i)
		base := strings.TrimRight(name, "0123456789")
		base = strings.TrimSuffix(base, "_")
		if len(base)+len(suffix) > nameMax {
			base = base[:nameMax-len(suffix)]
		}
		name = base + suffix
	}
	return name
}

// ServerStatus is a server's state and tools, for tok tools.
type ServerStatus struct {
	Name  string       `json:"name"`
	Kind  string       `json:"kind"` // "command" or "url"
	State State        `json:"state"`
	Error string       `json:"error,omitempty"`
	Tools []ToolStatus `json:"tools"`
}

// ToolStatus is one tool of a server.
type ToolStatus struct {
	Name        string `json:"name"` // as offered to the model
	Own         string `json:"own_name"`
	Description string `json:"description,omitempty"`
	// Allowed: it runs without asking (the config's allow, --yes).
	Allowed bool `json:"allowed"`
}

// Status is every server's state and tools, in the config's order.
func (r *Runner) Status() []ServerStatus {
	r.mu.Lock()
	tools := r.tools
	r.mu.Unlock()
	var out []ServerStatus
	for _, s := range r.servers {
		s.mu.Lock()
		st := ServerStatus{Name: s.cfg.Name, Kind: "command", State: s.state, Tools: []ToolStatus{}}
		if s.cfg.URL != "" {
			st.Kind = "url"
		}
		if s.err != nil {
			st.Error = s.err.Error()
		}
		s.mu.Unlock()
		for _, t := range tools {
			if t.srv == s {
				st.Tools = append(st.Tools, ToolStatus{Name: t.name, Own: t.own, Description: t.def.Description, Allowed: r.allowed(t)})
			}
		}
		out = append(out, st)
	}
	return out
}

// UnknownYes is an error for each name in [Config.Yes] that no started
// server offers, by either name: a typo that would otherwise leave a tool
// asking (or, without a terminal, denied) with no word why. Call it after
// Wait.
func (r *Runner) UnknownYes() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []error
	for _, name := range r.cfg.Yes {
		if !slices.ContainsFunc(r.tools, func(t tool) bool { return t.name == name || t.own == name }) {
			out = append(out, fmt.Errorf("--yes %s: no MCP server offers a tool of that name (tok tools lists them)", name))
		}
	}
	return out
}
