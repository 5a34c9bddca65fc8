package main

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/tools"
)

// fileMCP is one [mcp.NAME] table of the config file: an MCP server
// whose tools the model may call.
type fileMCP struct {
	Name           string            `toml:"-"`
	Command        []string          `toml:"command"`
	Env            map[string]string `toml:"env"`
	URL            string            `toml:"url"`
	Headers        map[string]string `toml:"headers"`
	Allow          []string          `toml:"allow"`
	Timeout        time.Duration     `toml:"timeout"`
	StartupTimeout time.Duration     `toml:"startup_timeout"`
	Disabled       bool              `toml:"disabled"`
}

// mcpKeys are the keys of an [mcp.NAME] table, for errors.
var mcpKeys = tomlKeys(fileMCP{})

// configMCPExample is the part of tok config show --example about tools.
const configMCPExample = `
# MCP servers whose tools the model may call (with --provider or --base-url).
# Each call asks first, unless the tool is in allow (or given to --yes).
[mcp.weather]
command = ["node", "mcp-weather.mjs"]   # speaks MCP on stdin/stdout
env = { UNITS = "metric" }
allow = ["get_weather"]                  # run without asking
timeout = "60s"                          # one call; startup_timeout = "10s"

[mcp.search]
url = "https://mcp.example.com/mcp"      # streamable HTTP
headers = { Authorization = "Bearer …" }
`

// checkMCP validates the [mcp.NAME] tables in the file's order and sets
// their names.
func (c *fileConfig) checkMCP(src string, md toml.MetaData) error {
	var names []string
	for _, k := range md.Keys() {
		if len(k) >= 2 && k[0] == "mcp" && !slices.Contains(names, k[1]) {
			names = append(names, k[1])
		}
	}
	for _, name := range names {
		m := c.MCP[name]
		m.Name = name
		if key, problem := m.check(); problem != "" {
			return &configError{Path: c.Path, Line: nearLine(src, append([]string{"mcp", name}, key...)), Msg: problem}
		}
		c.MCP[name] = m
	}
	return nil
}

// check returns what is wrong with m and the key it is about, or "".
func (m *fileMCP) check() (key []string, problem string) {
	t := "[" + joinKey([]string{"mcp", m.Name}) + "]"
	switch {
	case len(m.Command) > 0 && m.URL != "":
		return nil, t + " has both command and url: keep command for a server tok starts, or url for one it calls"
	case len(m.Command) == 0 && m.URL == "":
		return nil, t + ` has neither command nor url: add command = ["program", "arg"], or url = "https://…/mcp"`
	case len(m.Command) > 0 && strings.TrimSpace(m.Command[0]) == "":
		return []string{"command"}, "command in " + t + " starts with an empty program name"
	case m.Timeout < 0 || m.StartupTimeout < 0:
		return []string{"timeout"}, "timeout and startup_timeout in " + t + ` must not be negative: give a duration such as "30s"`
	}
	if u, err := url.Parse(m.URL); m.URL != "" && (err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https") {
		return []string{"url"}, "url in " + t + " must start with http:// or https://"
	}
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
		if name == "" || strings.ContainsAny(name, " \t:\r\n") || strings.ContainsAny(m.Headers[name], "\r\n") {
			return []string{"headers", name}, fmt.Sprintf("header %q in %s has a space, colon or line break", name, t)
		}
	}
	return nil, ""
}

// server is m as the tools package takes it.
func (m fileMCP) server() tools.Server {
	return tools.Server{Name: m.Name, Command: m.Command, Env: m.Env, URL: m.URL, Headers: m.Headers,
		Allow: m.Allow, Timeout: m.Timeout, StartupTimeout: m.StartupTimeout}
}

// saveAllow adds tool to the allow list of [mcp.SERVER] in the config file
// at path, as the chat's "A" answer asks: the file is rewritten whole,
// through a temporary file renamed over it, so it is never half written,
// with its comments and order kept and its mode unchanged. A file others
// can write is refused, as its commands are (see fileSafety).
func saveAllow(path, server, tool string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("save the allow list: %w", err)
	}
	if why := fileSafety(path, fi); why != "" {
		return fmt.Errorf("not saved: config %s is not yours alone to change; fix it (chmod go-w), or add %q to allow in [mcp.%s] yourself", path, tool, server)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	m, ok := cfg.MCP[server]
	if !ok {
		return fmt.Errorf("not saved: %s has no [mcp.%s]", path, server)
	}
	if slices.Contains(m.Allow, tool) {
		return nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("save the allow list: %w", err)
	}
	out, err := withAllow(string(src), server, append(slices.Clone(m.Allow), tool))
	if err != nil {
		return fmt.Errorf("not saved: %w; add %q to allow in [mcp.%s] yourself", err, tool, server)
	}
	return writeAtomic(path, []byte(out), fi.Mode().Perm())
}

// allowRE finds an allow key, on one line or across several.
var allowRE = regexp.MustCompile(`(?ms)^[ \t]*allow[ \t]*=[ \t]*\[.*?\][ \t]*(#[^\n]*)?$`)

// withAllow rewrites the allow list of the table [mcp.SERVER] in src, or
// adds one under the table's header.
func withAllow(src, server string, allow []string) (string, error) {
	header := regexp.MustCompile(`(?m)^[ \t]*\[[ \t]*mcp[ \t]*\.[ \t]*("?)` + regexp.QuoteMeta(server) + `("?)[ \t]*\][ \t]*(#[^\n]*)?$`)
	loc := header.FindStringIndex(src)
	if loc == nil {
		return "", fmt.Errorf("the file does not open the table [mcp.%s] on a line of its own", server)
	}
	var quoted []string
	for _, a := range allow {
		quoted = append(quoted, tomlString(a))
	}
	line := "allow = [" + strings.Join(quoted, ", ") + "]"
	body := src[loc[1]:]
	end := len(body)
	if next := regexp.MustCompile(`(?m)^[ \t]*\[`).FindStringIndex(body); next != nil {
		end = next[0]
	}
	if a := allowRE.FindStringIndex(body[:end]); a != nil {
		return src[:loc[1]] + body[:a[0]] + line + body[a[1]:], nil
	}
	return src[:loc[1]] + "\n" + line + body, nil
}

// writeAtomic writes b to path through a temporary file in its folder,
// synced, then renamed over it.
func writeAtomic(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".config-*.toml")
	if err != nil {
		return fmt.Errorf("save the allow list: %w", err)
	}
	defer os.Remove(f.Name()) // gone once renamed
	_, err = f.Write(b)
	err = errors.Join(err, f.Chmod(mode&0o755), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("save the allow list: %w", err)
	}
	return nil
}

// show returns m's settings as TOML lines; the values of env variables
// and headers whose names hold a secret's are redacted.
func (m fileMCP) show() []string {
	var lines []string
	list := func(k string, vs []string) {
		if len(vs) > 0 {
			var q []string
			for _, v := range vs {
				q = append(q, tomlString(v))
			}
			lines = append(lines, k+" = ["+strings.Join(q, ", ")+"]")
		}
	}
	list("command", m.Command)
	if len(m.Env) > 0 {
		lines = append(lines, "env = "+showHeaders(m.Env))
	}
	if m.URL != "" {
		lines = append(lines, "url = "+tomlString(client.RedactURL(m.URL)))
	}
	if len(m.Headers) > 0 {
		lines = append(lines, "headers = "+showHeaders(m.Headers))
	}
	list("allow", m.Allow)
	if m.Timeout > 0 {
		lines = append(lines, "timeout = "+tomlString(m.Timeout.String()))
	}
	if m.StartupTimeout > 0 {
		lines = append(lines, "startup_timeout = "+tomlString(m.StartupTimeout.String()))
	}
	if m.Disabled {
		lines = append(lines, "disabled = true")
	}
	return lines
}
