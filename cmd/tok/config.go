package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// configExample is a config file to start from, shown by tok config show --example.
const configExample = `# tok's endpoints; pick one with: tok -e NAME
default = "claude"            # used when no -e, --url or --provider is given
# save = false                # keep no history (tok history); also per endpoint

[endpoints.claude]
provider = "anthropic"        # anthropic | openai | gemini
model = "claude-sonnet-4-5"
key_env = "ANTHROPIC_API_KEY" # the default for the provider; name another here

[endpoints.local]
provider = "openai"
base_url = "http://localhost:11434/v1"   # Ollama, vLLM, llama.cpp, LM Studio…
model = "llama3.2"

[endpoints.realtime]
provider = "openai"
api = "responses"
transport = "ws"              # the Responses API over one WebSocket per chat
interrupt_wait = "500ms"      # the stop key's wait for a WebSocket server's acknowledgement

[endpoints.gateway]
url = "https://chat.example.com/api/chat/stream"   # tok's protocol
key_cmd = "pass show chat-token"                     # sent as Authorization: Bearer
headers = { "X-Team" = "infra" }
` + configMCPExample + configRolesExample

// fileConfig is the config file.
//
// Invariants after [loadConfig]: every endpoint has its Name, exactly one
// of Provider (lower case) and URL, and passed the checks of
// [fileEndpoint.check]; Default is "" or names an endpoint.
type fileConfig struct {
	Path      string                  `toml:"-"` // where it was read from
	unsafe    string                  `toml:"-"` // why its key_cmds may not run, or ""
	Default   string                  `toml:"default"`
	Save      *bool                   `toml:"save"` // false: keep no history
	Endpoints map[string]fileEndpoint `toml:"endpoints"`
	MCP       map[string]fileMCP      `toml:"mcp"`   // see tools_config.go
	Roles     map[string]fileRole     `toml:"roles"` // see roles.go
}

// fileEndpoint is one named endpoint of the file.
type fileEndpoint struct {
	Name        string            `toml:"-"`
	Provider    string            `toml:"provider"`
	API         string            `toml:"api"` // openai only: chat | responses
	URL         string            `toml:"url"`
	BaseURL     string            `toml:"base_url"`
	Model       string            `toml:"model"`
	KeyEnv      string            `toml:"key_env"`
	KeyCmd      string            `toml:"key_cmd"`
	Headers     map[string]string `toml:"headers"`
	System      string            `toml:"system"`
	MaxTokens   int               `toml:"max_tokens"`
	Temperature *float64          `toml:"temperature"`
	Thinking    string            `toml:"thinking"`
	Retries     *int              `toml:"retries"`
	ResumeTries *int              `toml:"resume_tries"`
	Save        *bool             `toml:"save"` // false: keep its conversations out of the history
	// Transport is sse or ws (see client.Endpoint.Transport);
	// InterruptWait a duration, "500ms" (see --interrupt-wait).
	Transport     string `toml:"transport"`
	InterruptWait string `toml:"interrupt_wait"`
	// unsafe says why key_cmd may not run: the file is writable by
	// others (see [fileSafety]); "" when it may.
	unsafe string `toml:"-"`
}

// configError is a config file tok cannot use. Its Error is one line that
// names the file and, when known, the line: exit code 1, not a usage error.
type configError struct {
	Path string
	Line int // from 1; 0 when unknown
	Msg  string
}

func (e *configError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config %s line %d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("config %s: %s", e.Path, e.Msg)
}

// configPath returns where the config file is, from the environment read by getenv.
// A relative XDG_CONFIG_HOME is ignored, as the XDG Base Directory spec says.
func configPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "tok", "config.toml"), nil
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // Windows without HOME
	}
	if home == "" {
		return "", errors.New("cannot tell where the config file is: set HOME or XDG_CONFIG_HOME")
	}
	return filepath.Join(home, ".config", "tok", "config.toml"), nil
}

// loadConfig reads the file at path. A missing file is an empty config and no error.
// Every other failure is a [*configError].
func loadConfig(path string) (*fileConfig, error) {
	cfg := &fileConfig{Path: path}
	b, err := readConfigFile(cfg)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &configError{Path: path, Msg: "cannot read it: " + err.Error()}
	}
	src := string(b)
	md, err := toml.Decode(src, cfg)
	if err != nil {
		return nil, decodeError(path, src, md, err)
	}
	if err := checkKeys(path, src, md); err != nil {
		return nil, err
	}
	if err := cfg.check(src, md); err != nil {
		return nil, err
	}
	if err := cfg.checkRoles(src); err != nil {
		return nil, err
	}
	return cfg, cfg.checkMCP(src, md)
}

// envNameRE is what key_env may hold: an environment variable's name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// tomlErrRE reads the position out of BurntSushi's type errors, which in
// v1.6 are plain errors: toml: line 3 (last key "endpoints.x.max_tokens"): …
var tomlErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?(?:\(last key ("(?:[^"\\]|\\.)*")\): )?(.*)`)

// wantTypeRE finds the Go-side type in a type error's message.
var wantTypeRE = regexp.MustCompile(`(?:destination has type|expected) (\w+)`)

// decodeError turns toml's error into one line with the line number.
func decodeError(path, src string, md toml.MetaData, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &configError{Path: path, Line: pe.Position.Line, Msg: firstLine(pe.Message)}
	}
	m := tomlErrRE.FindStringSubmatch(firstLine(err.Error()))
	if m == nil {
		return &configError{Path: path, Msg: firstLine(err.Error())}
	}
	ce := &configError{Path: path, Msg: m[3]}
	ce.Line, _ = strconv.Atoi(m[1])
	if last, uerr := strconv.Unquote(m[2]); uerr == nil {
		key := splitKey(last)
		if ce.Line == 0 {
			ce.Line = keyLine(src, key)
		}
		if w := wantTypeRE.FindStringSubmatch(m[3]); w != nil && md.Type(key...) != "" {
			ce.Msg = typeProblem(key, md.Type(key...), w[1])
		}
	}
	return ce
}

// typeNames are TOML's types (as MetaData.Type names them) and the Go
// side's (as toml's errors name them), in words.
var typeNames = map[string]string{
	"Integer": "an integer", "integer": "an integer",
	"Float": "a float", "float": "a number",
	"String": "a string", "string": "a string",
	"Bool": "true or false", "boolean": "true or false",
	"Datetime": "a date", "Array": "an array", "slice": "an array",
	"Hash": "a table", "map": "a table", "table": "a table",
	"ArrayHash": "an array of tables",
}

func typeProblem(key []string, got, want string) string {
	return fmt.Sprintf("%s takes %s, not %s", describeKey(key), typeNames[want], typeNames[got])
}

// endpointKeys and topKeys are the keys the file may have, for errors.
var (
	endpointKeys = tomlKeys(fileEndpoint{})
	topKeys      = tomlKeys(fileConfig{})
)

func tomlKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("toml"); k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// checkKeys finds what toml decoded without complaint but tok cannot use:
// a table that is not one (toml v1.6 skips a map given a string) and keys
// tok does not know.
func checkKeys(path, src string, md toml.MetaData) error {
	for _, k := range md.Keys() {
		isMap := len(k) == 1 && (k[0] == "endpoints" || k[0] == "mcp" || k[0] == "roles") || len(k) == 2 && k[0] == "roles" || len(k) == 3 && k[0] == "endpoints" && k[2] == "headers" ||
			len(k) == 3 && k[0] == "mcp" && (k[2] == "headers" || k[2] == "env")
		if t := md.Type(k...); isMap && t != "Hash" {
			return &configError{Path: path, Line: keyLine(src, k), Msg: typeProblem(k, t, "table")}
		}
	}
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return nil
	}
	k := undecoded[0]
	known, msg := topKeys, fmt.Sprintf("unknown key %q", k[len(k)-1])
	if len(k) > 1 {
		known, msg = endpointKeys, fmt.Sprintf("%s in [%s]", msg, joinKey(k[:len(k)-1]))
		if k[0] == "mcp" {
			known = mcpKeys
		}
		if k[0] == "roles" {
			known = roleKeys
		}
	}
	if s := closest(k[len(k)-1], known); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	msg += "; the keys are: " + strings.Join(known, ", ")
	return &configError{Path: path, Line: keyLine(src, k), Msg: msg}
}

// endpoint returns the endpoint called name, or an error naming the known ones.
func (c *fileConfig) endpoint(name string) (fileEndpoint, error) {
	if e, ok := c.Endpoints[name]; ok {
		return e, nil
	}
	return fileEndpoint{}, fmt.Errorf("no endpoint %q in %s; %s", name, c.Path, c.known())
}

// firstLine is s up to its first line break, trimmed.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
