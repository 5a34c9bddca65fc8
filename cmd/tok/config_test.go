package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// writeConfigFile writes src where configPath looks when
// XDG_CONFIG_HOME is dir, and returns dir and the file's path.
func writeConfigFile(t *testing.T, src string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "tok", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

// envOf is a getenv that reads only env.
func envOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func TestConfigPathFollowsXDGThenHome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/u"}, "/x/conf/tok/config.toml", false},
		{"HOME when XDG_CONFIG_HOME is empty", map[string]string{"XDG_CONFIG_HOME": "", "HOME": "/home/u"}, "/home/u/.config/tok/config.toml", false},
		{"HOME when XDG_CONFIG_HOME is relative", map[string]string{"XDG_CONFIG_HOME": "conf", "HOME": "/home/u"}, "/home/u/.config/tok/config.toml", false},
		{"neither", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configPath(envOf(tt.env))
			if (err != nil) != tt.wantErr {
				t.Fatalf("configPath() error = %v, want error %v", err, tt.wantErr)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("configPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadConfigReadsEveryField(t *testing.T) {
	t.Parallel()
	_, path := writeConfigFile(t, `default = "oa"

[endpoints.oa]
provider = "OpenAI"
api = "Responses"
base_url = "https://proxy.example.com/v1"
model = "gpt-5"
key_cmd = "pass show oa"
headers = { "X-Team" = "infra" }
system = "be brief"
max_tokens = 2048
temperature = 0.5
thinking = "high"
retries = 0

[endpoints."my gateway"]
url = "http://localhost:8080/api/chat/stream"
key_env = "GW_TOKEN"
`)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.Path != path || cfg.Default != "oa" || len(cfg.Endpoints) != 2 {
		t.Fatalf("config = {Path %q, Default %q, %d endpoints}, want {%q, oa, 2}", cfg.Path, cfg.Default, len(cfg.Endpoints), path)
	}
	oa := cfg.Endpoints["oa"]
	checks := []struct{ field, got, want string }{
		{"Name", oa.Name, "oa"},
		{"Provider", oa.Provider, "openai"},
		{"API", oa.API, "responses"},
		{"BaseURL", oa.BaseURL, "https://proxy.example.com/v1"},
		{"Model", oa.Model, "gpt-5"},
		{"KeyCmd", oa.KeyCmd, "pass show oa"},
		{"Headers[X-Team]", oa.Headers["X-Team"], "infra"},
		{"System", oa.System, "be brief"},
		{"Thinking", oa.Thinking, "high"},
		{"gateway Name", cfg.Endpoints["my gateway"].Name, "my gateway"},
		{"gateway URL", cfg.Endpoints["my gateway"].URL, "http://localhost:8080/api/chat/stream"},
		{"gateway KeyEnv", cfg.Endpoints["my gateway"].KeyEnv, "GW_TOKEN"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if oa.MaxTokens != 2048 || oa.Temperature == nil || *oa.Temperature != 0.5 || oa.Retries == nil || *oa.Retries != 0 {
		t.Errorf("MaxTokens, Temperature, Retries = %d, %v, %v; want 2048, 0.5, 0", oa.MaxTokens, oa.Temperature, oa.Retries)
	}
}

func TestConfigExampleIsAValidConfig(t *testing.T) {
	t.Parallel()
	_, path := writeConfigFile(t, configExample)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("loadConfig(configExample): %v", err)
	}
	if cfg.Default != "claude" || len(cfg.Endpoints) != 4 || cfg.Endpoints["gateway"].Headers["X-Team"] != "infra" ||
		cfg.Endpoints["realtime"].Transport != "ws" {
		t.Errorf("example read as default %q, %d endpoints, gateway headers %v", cfg.Default, len(cfg.Endpoints), cfg.Endpoints["gateway"].Headers)
	}
}

func TestLoadConfigOfNoFileIsEmpty(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tok", "config.toml")
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.Path != path || cfg.Default != "" || len(cfg.Endpoints) != 0 {
		t.Errorf("config = %+v, want empty with Path %q", cfg, path)
	}
}

func TestLoadConfigNamesTheLineOfEachMistake(t *testing.T) {
	t.Parallel()
	const ep = "[endpoints.x]\n" // line 1 of most cases
	tests := []struct {
		name string
		src  string
		line string // "" when no line can be named
		want []string
	}{
		{"syntax", ep + "provider = \"anthropic\nmodel = \"m\"\n", "line 2", []string{"newline"}},
		{"duplicate table", ep + "provider = \"openai\"\n[endpoints.x]\n", "line 3", []string{"endpoints.x", "already"}},
		{"string for an integer", ep + "provider = \"openai\"\n\nmax_tokens = \"lots\"\n", "line 4", []string{"max_tokens in [endpoints.x] takes an integer, not a string"}},
		{"string for a number", ep + "provider = \"openai\"\ntemperature = \"hot\"\n", "line 3", []string{"temperature", "a number, not a string"}},
		{"float for an integer", ep + "provider = \"openai\"\nretries = 1.5\n", "line 3", []string{"retries in [endpoints.x] takes an integer, not a float"}},
		{"number for a header", ep + "provider = \"openai\"\nheaders = { X-Team = 1 }\n", "line 3", []string{"X-Team in [endpoints.x.headers] takes a string, not an integer"}},
		{"string for headers", ep + "provider = \"openai\"\nheaders = \"X-Team: infra\"\n", "line 3", []string{"headers in [endpoints.x] takes a table, not a string"}},
		{"string for an endpoint", "[endpoints]\nx = \"openai\"\n", "line 2", []string{"x in [endpoints] takes a table, not a string"}},
		{"number for endpoints", "default = \"x\"\nendpoints = 3\n", "line 2", []string{"endpoints takes a table, not an integer"}},
		{"array of endpoints", "[[endpoints]]\nprovider = \"openai\"\n", "line 1", []string{"endpoints takes a table, not an array of tables"}},
		{"unknown key", ep + "provider = \"openai\"\nmodle = \"gpt-5\"\n", "line 3", []string{`unknown key "modle" in [endpoints.x] (did you mean model?)`, "the keys are: provider, api, url,"}},
		{"unknown dotted key", "endpoints.x.provider = \"openai\"\nendpoints.x.modle = \"m\"\n", "line 2", []string{`unknown key "modle" in [endpoints.x]`}},
		{"unknown top-level key", "defualt = \"x\"\n", "line 1", []string{`unknown key "defualt" (did you mean default?); the keys are: default, save, endpoints`}},
		{"unknown key in a quoted endpoint", "[endpoints.\"a.b\"]\nprovider = \"openai\"\n  colour = 1\n", "line 3", []string{`unknown key "colour" in [endpoints."a.b"]`}},
		{"provider and url", "\n" + ep + "provider = \"openai\"\nurl = \"http://h/\"\n", "line 2", []string{"[endpoints.x] has both provider and url"}},
		{"neither provider nor url", "default = \"x\"\n" + ep + "model = \"m\"\n", "line 2", []string{"[endpoints.x] has neither provider nor url"}},
		{"unknown provider", ep + "model = \"m\"\nprovider = \"claude\"\n", "line 3", []string{`provider = "claude" in [endpoints.x] is not one tok speaks`}},
		{"api for anthropic", ep + "provider = \"anthropic\"\napi = \"chat\"\n", "line 3", []string{`api in [endpoints.x] is for provider "openai" only`}},
		{"unknown api", ep + "provider = \"openai\"\napi = \"completions\"\n", "line 3", []string{`api = "completions" in [endpoints.x]`, `"chat" or "responses"`}},
		{"base_url with url", ep + "url = \"http://h/\"\nbase_url = \"http://h/v1\"\n", "line 3", []string{"base_url in [endpoints.x]"}},
		{"url without scheme", ep + "url = \"chat.example.com/stream?key=sk-hidden\"\n", "line 2", []string{`url = "chat.example.com/stream?key=REDACTED" in [endpoints.x] must start with http://, https://, ws:// or wss://`}},
		{"base_url of ftp", ep + "provider = \"openai\"\nbase_url = \"ftp://h/v1\"\n", "line 3", []string{"base_url", "http://"}},
		{"key_env and key_cmd", ep + "provider = \"openai\"\nkey_env = \"K\"\nkey_cmd = \"pass k\"\n", "line 4", []string{"key_cmd in [endpoints.x] and key_env"}},
		{"negative max_tokens", ep + "provider = \"openai\"\nmax_tokens = -1\n", "line 3", []string{"max_tokens in [endpoints.x] is -1"}},
		{"bad thinking", ep + "provider = \"openai\"\nthinking = \"lots\"\n", "line 3", []string{"thinking in [endpoints.x]", `"lots" is not a level`}},
		{"negative retries", ep + "provider = \"openai\"\nretries = -2\n", "line 3", []string{"retries in [endpoints.x] is -2"}},
		{"negative resume_tries", ep + "url = \"http://h/s\"\nresume_tries = -1\n", "line 3", []string{"resume_tries in [endpoints.x] is -1: give 0 (never resume) to 100"}},
		{"header name with a space", ep + "url = \"http://h/\"\nheaders = { \"X Team\" = \"a\" }\n", "line 3", []string{`header name "X Team" in [endpoints.x]`}},
		{"header value with a newline", ep + "url = \"http://h/\"\n\n[endpoints.x.headers]\nX-Team = \"a\\nb\"\n", "line 5", []string{`header "X-Team" in [endpoints.x] has a line break`}},
		{"unknown transport", ep + "provider = \"openai\"\ntransport = \"grpc\"\n", "line 3", []string{`transport = "grpc" in [endpoints.x]: give "sse" or "ws"`}},
		{"interrupt_wait not a duration", ep + "url = \"ws://h/\"\ninterrupt_wait = \"soon\"\n", "line 3", []string{`interrupt_wait = "soon" in [endpoints.x]: give a duration`}},
		{"interrupt_wait too long", ep + "url = \"ws://h/\"\ninterrupt_wait = \"1h\"\n", "line 3", []string{`interrupt_wait = "1h"`, `"30s"`}},
		{"default of no endpoint", "default = \"claud\"\n\n[endpoints.claude]\nprovider = \"anthropic\"\n", "line 1", []string{`default = "claud" names no endpoint; it has: claude`}},
		{"default with no endpoints", "\ndefault = \"claude\"\n", "line 2", []string{"there are none yet: add one as [endpoints.NAME]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, path := writeConfigFile(t, tt.src)
			cfg, err := loadConfig(path)
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("loadConfig() = %+v, %v; want a *configError", cfg, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line:\n%s", msg)
			}
			if want := "config " + path + " " + tt.line + ": "; !strings.HasPrefix(msg, want) {
				t.Errorf("error = %q, want it to start %q", msg, want)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error = %q, want it to contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "sk-hidden") {
				t.Errorf("error = %q prints a secret URL parameter", msg)
			}
		})
	}
}

func TestLoadConfigOfAnUnreadableFileNamesIt(t *testing.T) {
	t.Parallel()
	path := t.TempDir() // a directory: ReadFile fails without being "not exist"
	_, err := loadConfig(path)
	if err == nil || !strings.HasPrefix(err.Error(), "config "+path+": cannot read it: ") {
		t.Errorf("loadConfig(dir) error = %v, want \"config %s: cannot read it: …\"", err, path)
	}
}

func TestConfigEndpointListsTheKnownNames(t *testing.T) {
	t.Parallel()
	_, path := writeConfigFile(t, configExample)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	empty := &fileConfig{Path: "/c/config.toml"}
	tests := []struct {
		name    string
		cfg     *fileConfig
		ask     string
		wantErr string // "" for found
	}{
		{"found", cfg, "local", ""},
		{"unknown", cfg, "claud", `no endpoint "claud" in ` + path + "; it has: claude, gateway, local"},
		{"none at all", empty, "x", `no endpoint "x" in /c/config.toml; there are none yet: add one as [endpoints.NAME]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := tt.cfg.endpoint(tt.ask)
			switch {
			case tt.wantErr == "" && (err != nil || e.Name != tt.ask || e.Model != "llama3.2"):
				t.Errorf("endpoint(%q) = %+v, %v; want the local endpoint", tt.ask, e, err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("endpoint(%q) error = %v, want it to start %q", tt.ask, err, tt.wantErr)
			}
		})
	}
}

func TestFileEndpointKey(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("key_cmd runs sh")
	}
	env := envOf(map[string]string{"MY_KEY": "sk-env", "EMPTY": ""})
	tests := []struct {
		name    string
		e       fileEndpoint
		want    string
		wantErr []string
	}{
		{"key_cmd output, trimmed", fileEndpoint{Name: "gw", KeyCmd: `printf ' sk-test \n'`}, "sk-test", nil},
		{"key_cmd failing", fileEndpoint{Name: "gw", KeyCmd: "echo sk-stdout-leak; echo oops >&2; echo second-line >&2; exit 3"}, "",
			[]string{`key_cmd of endpoint "gw"`, "exit status 3", ": oops"}},
		{"key_cmd printing nothing", fileEndpoint{Name: "gw", KeyCmd: "true"}, "", []string{`key_cmd of endpoint "gw" printed nothing`}},
		{"key_cmd printing two lines", fileEndpoint{Name: "gw", KeyCmd: "printf 'sk-stdout-leak\\nuser: me\\n'"}, "", []string{"more than one line"}},
		{"key_env", fileEndpoint{Name: "e", KeyEnv: "MY_KEY"}, "sk-env", nil},
		{"key_env not set", fileEndpoint{Name: "e", KeyEnv: "EMPTY"}, "", nil},
		{"neither", fileEndpoint{Name: "e"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.e.key(context.Background(), env)
			if got != tt.want {
				t.Errorf("key() = %q, want %q", got, tt.want)
			}
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("key() error = %v, want one containing %q", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("key() error = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "sk-stdout-leak") || strings.Contains(err.Error(), "second-line") {
				t.Errorf("key() error = %q carries stdout or more than stderr's first line", err)
			}
		})
	}
}

func TestFileEndpointKeyStopsWithTheContext(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("key_cmd runs sh")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fileEndpoint{Name: "gw", KeyCmd: "sleep 30"}.key(ctx, envOf(nil))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("key() with a cancelled context = %v, want context.Canceled", err)
	}
}

// runConfigCmd runs tok config with args against a config directory.
func runConfigCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	ios := &ioStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut, Getenv: envOf(env)}
	cmd := newConfigCmd(ios)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestConfigShowNeverPrintsASecret(t *testing.T) {
	t.Parallel()
	dir, _ := writeConfigFile(t, `default = "gw"

[endpoints.gw]
url = "https://gw.example.com/stream?key=sk-secret-789&team=infra"
key_env = "GW_KEY"
headers = { Authorization = "Bearer sk-secret-456", x-goog-api-key = "sk-secret-000", X-Team = "infra" }
system = "say \"hi\"\nthen stop"
temperature = 1

[endpoints.aa]
provider = "anthropic"
key_env = "UNSET_KEY"
retries = 2
`)
	stdout, stderr, err := runConfigCmd(t, map[string]string{"XDG_CONFIG_HOME": dir, "GW_KEY": "sk-secret-123"}, "show")
	if err != nil {
		t.Fatalf("tok config show: %v", err)
	}
	if strings.Contains(stdout+stderr, "sk-secret") {
		t.Fatalf("tok config show printed a secret:\n%s%s", stdout, stderr)
	}
	for _, want := range []string{
		`key_env = "GW_KEY" # set`,
		`key_env = "UNSET_KEY" # not set`,
		`Authorization = "Bearer …(redacted)"`, // 13 characters: too short to show any

		`X-Team = "infra"`,
		"key=REDACTED",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("tok config show lacks %q:\n%s", want, stdout)
		}
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 2 || lines[1] != `default = "gw"` || strings.Index(stdout, "[endpoints.aa]") > strings.Index(stdout, "[endpoints.gw]") {
		t.Errorf("tok config show does not put default first and endpoints in name order:\n%s", stdout)
	}
	var back fileConfig
	if _, err := toml.Decode(stdout, &back); err != nil {
		t.Fatalf("tok config show's output is not TOML: %v\n%s", err, stdout)
	}
	gw := back.Endpoints["gw"]
	if gw.System != "say \"hi\"\nthen stop" || gw.Temperature == nil || *gw.Temperature != 1 || *back.Endpoints["aa"].Retries != 2 {
		t.Errorf("tok config show does not read back the same: %+v", back)
	}
}

func TestConfigShowWithoutAFileSaysHowToStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, err := runConfigCmd(t, map[string]string{"XDG_CONFIG_HOME": dir}, "show")
	path := filepath.Join(dir, "tok", "config.toml")
	if err != nil || stdout != "" {
		t.Fatalf("tok config show = %q, %v; want no output and no error", stdout, err)
	}
	if want := "tok config show --example > " + shellQuote(path) + "\n"; !strings.HasSuffix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line ending %q", stderr, want)
	}
}

func TestConfigShowExamplePrintsTheExample(t *testing.T) {
	t.Parallel()
	stdout, _, err := runConfigCmd(t, nil, "show", "--example")
	if err != nil || stdout != configExample {
		t.Errorf("tok config show --example = %q, %v; want configExample", stdout, err)
	}
}

func TestConfigShowOfABadFileFails(t *testing.T) {
	t.Parallel()
	dir, _ := writeConfigFile(t, "[endpoints.x]\nprovider = \"openai\"\nmodle = \"m\"\n")
	_, _, err := runConfigCmd(t, map[string]string{"XDG_CONFIG_HOME": dir}, "show")
	var ce *configError
	if !errors.As(err, &ce) || ce.Line != 3 {
		t.Errorf("tok config show error = %v, want a configError at line 3", err)
	}
}

func TestConfigPathCmd(t *testing.T) {
	t.Parallel()
	withFile, path := writeConfigFile(t, configExample)
	none := t.TempDir()
	tests := []struct {
		name       string
		dir        string
		wantStdout string
		wantStderr string
	}{
		{"file exists", withFile, path + "\n", ""},
		{"no file yet", none, filepath.Join(none, "tok", "config.toml") + "\n",
			"tok: no config file there yet; `tok config show --example` prints one to start from\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runConfigCmd(t, map[string]string{"XDG_CONFIG_HOME": tt.dir}, "path")
			if err != nil || stdout != tt.wantStdout || stderr != tt.wantStderr {
				t.Errorf("tok config path = %q, %q, %v; want %q, %q, nil", stdout, stderr, err, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestConfigCmdArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantOut   string // in stdout
		wantUsage bool
	}{
		{"no subcommand prints help", nil, "Available Commands:", false},
		{"unknown subcommand", []string{"edit"}, "", true},
		{"path takes no arguments", []string{"path", "x"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runConfigCmd(t, map[string]string{"HOME": t.TempDir()}, tt.args...)
			var ue usageError
			if got := errors.As(err, &ue); got != tt.wantUsage {
				t.Errorf("tok config %q error = %v, usage error %v; want %v", tt.args, err, got, tt.wantUsage)
			}
			if tt.wantOut == "" && err == nil {
				t.Errorf("tok config %q succeeded; want an error", tt.args)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("tok config %q stdout = %q, want it to contain %q", tt.args, stdout, tt.wantOut)
			}
		})
	}
}
