package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// resolved is what a command made of its endpoint flags, in the terms the
// three commands share.
type resolved struct {
	provider, baseURL, model, key, keyFrom string
}

// resolvers run each command's own flag parsing and resolution on args,
// with env as the environment, and report what it resolved.
var resolvers = map[string]func(t *testing.T, env map[string]string, args []string) (resolved, error){
	"root": func(t *testing.T, env map[string]string, args []string) (resolved, error) {
		ios, _, _ := testStreams("")
		ios.Getenv = envOf(env)
		var got resolved
		cmd := newRootCmd(ios, func(_ context.Context, o *rootOptions) error {
			got = resolvedOf(o.target)
			return nil
		})
		cmd.SetArgs(append(args, "hi"))
		return got, cmd.Execute()
	},
	"probe": func(t *testing.T, env map[string]string, args []string) (resolved, error) {
		ios, _, _ := testStreams("")
		ios.Getenv = envOf(env)
		var got resolved
		cmd := newProbeCmd(ios, func(_ context.Context, o *probeOptions) error {
			got = resolvedOf(target{ep: o.ep, keyFrom: o.keyFrom})
			return nil
		})
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return got, cmd.Execute()
	},
	"serve": func(t *testing.T, env map[string]string, args []string) (resolved, error) {
		up, keyFrom, err := parseServe(t, env, args...).upstream()
		if err != nil || up == nil {
			return resolved{}, err
		}
		got := resolvedOf(target{ep: up.Endpoint, keyFrom: keyFrom})
		return got, nil
	},
}

func resolvedOf(t target) resolved {
	return resolved{string(t.ep.Provider), t.ep.BaseURL, t.model(), t.ep.Key, t.keyFrom}
}

// TestTheCommandsResolveEndpointsAlike runs the same flags and
// environment through the root command, tok probe and tok serve (where
// the command has the flags): each resolves the same provider, base URL,
// model, key and the key's source, or fails with the same words.
func TestTheCommandsResolveEndpointsAlike(t *testing.T) {
	dir, _ := writeConfigFile(t, `[endpoints.work]
provider = "anthropic"
model = "claude-work"
key_env = "WORK_KEY"

[endpoints.local]
provider = "openai"
base_url = "http://localhost:11434/v1"
model = "llama3.2"
`)
	const all, noProbe, noServe = "root probe serve", "root serve", "root probe"
	tests := []struct {
		name     string
		commands string
		env      map[string]string
		args     []string
		want     resolved
		err      string // the usage error's start, instead of want
	}{
		{"a provider and its key", all, map[string]string{"OPENAI_API_KEY": "sk-o"}, []string{"--provider", "openai"},
			resolved{"openai", "", "gpt-5-mini", "sk-o", "OPENAI_API_KEY"}, ""},
		{"the second key variable", all, map[string]string{"GOOGLE_API_KEY": "g-1"}, []string{"--provider", "gemini"},
			resolved{"gemini", "", "gemini-2.5-flash", "g-1", "GOOGLE_API_KEY"}, ""},
		{"a model", all, map[string]string{"OPENAI_API_KEY": "sk-o"}, []string{"--provider", "openai", "--model", "gpt-x"},
			resolved{"openai", "", "gpt-x", "sk-o", "OPENAI_API_KEY"}, ""},
		{"ANTHROPIC_BASE_URL, which needs no key", all, map[string]string{"ANTHROPIC_BASE_URL": "http://h:1"}, []string{"--provider", "anthropic"},
			resolved{"anthropic", "http://h:1", "claude-sonnet-4-5", "", ""}, ""},
		{"OPENAI_BASE_URL and a key", all, map[string]string{"OPENAI_BASE_URL": "http://h:2/v1", "OPENAI_API_KEY": "sk-o"}, []string{"--provider", "openai"},
			resolved{"openai", "http://h:2/v1", "gpt-5-mini", "sk-o", "OPENAI_API_KEY"}, ""},
		{"--base-url is openai's", noProbe, nil, []string{"--base-url", "http://127.0.0.1:9/v1"},
			resolved{"openai", "http://127.0.0.1:9/v1", "gpt-5-mini", "", ""}, ""},
		{"--base-url over OPENAI_BASE_URL, with the key", noProbe, map[string]string{"OPENAI_BASE_URL": "http://h:2/v1", "OPENAI_API_KEY": "sk-o"},
			[]string{"--base-url", "http://127.0.0.1:9/v1"}, resolved{"openai", "http://127.0.0.1:9/v1", "gpt-5-mini", "sk-o", "OPENAI_API_KEY"}, ""},
		{"-e with its key_env", noServe, map[string]string{"XDG_CONFIG_HOME": dir, "WORK_KEY": "wk", "ANTHROPIC_API_KEY": "sk-a"}, []string{"-e", "work"},
			resolved{"anthropic", "", "claude-work", "wk", "WORK_KEY"}, ""},
		{"-e with a model over it", noServe, map[string]string{"XDG_CONFIG_HOME": dir, "WORK_KEY": "wk"}, []string{"-e", "work", "-m", "claude-x"},
			resolved{"anthropic", "", "claude-x", "wk", "WORK_KEY"}, ""},
		{"-e of a local server", noServe, map[string]string{"XDG_CONFIG_HOME": dir, "OPENAI_BASE_URL": "http://h:2/v1"}, []string{"-e", "local"},
			resolved{"openai", "http://localhost:11434/v1", "llama3.2", "", ""}, ""},
		{"-e and another provider", noServe, map[string]string{"XDG_CONFIG_HOME": dir, "GEMINI_API_KEY": "g-1"}, []string{"-e", "local", "-p", "gemini"},
			resolved{"gemini", "", "gemini-2.5-flash", "g-1", "GEMINI_API_KEY"}, ""},
		{"no key", all, map[string]string{"ANTHROPIC_API_KEY": "sk-a"}, []string{"--provider", "openai"}, resolved{}, "no API key for openai: set OPENAI_API_KEY, or "},
		{"-e whose key_env is not set", noServe, map[string]string{"XDG_CONFIG_HOME": dir, "ANTHROPIC_API_KEY": "sk-a"}, []string{"-e", "work"}, resolved{},
			`no API key for anthropic: set WORK_KEY (endpoint "work" names it as its key_env)`},
		{"an unknown provider", all, nil, []string{"--provider", "mistral"}, resolved{}, `--provider "mistral": `},
		{"an API the provider lacks", all, map[string]string{"ANTHROPIC_API_KEY": "sk-a"}, []string{"--provider", "anthropic", "--api", "responses"}, resolved{},
			"--api responses is OpenAI's; anthropic has one API"},
		{"-e of no endpoint", noServe, map[string]string{"XDG_CONFIG_HOME": dir}, []string{"-e", "nope"}, resolved{}, `no endpoint "nope" in `},
	}
	for _, tt := range tests {
		for _, name := range strings.Fields(tt.commands) {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				got, err := resolvers[name](t, tt.env, tt.args)
				var ue usageError
				switch {
				case tt.err != "":
					if err == nil || !strings.HasPrefix(err.Error(), tt.err) || !errors.As(err, &ue) {
						t.Errorf("err = %v, want a usage error starting %q", err, tt.err)
					}
					return
				case err != nil:
					t.Fatal(err)
				}
				want := tt.want
				if want.key == "" {
					// With no key, the root command and the probe name the
					// variable to set, for a 401's advice; serve says none.
					got.keyFrom = ""
				}
				if got != want {
					t.Errorf("resolved %+v, want %+v", got, want)
				}
			})
		}
	}
}

// TestASettingTheAPIRefusesNamesWhereItCameFrom: client names the field;
// tok names the flag, or the config file's key when the file set it.
func TestASettingTheAPIRefusesNamesWhereItCameFrom(t *testing.T) {
	dir, _ := writeConfigFile(t, `[endpoints.deep]
provider = "anthropic"
thinking = "100"
key_env = "K"

[endpoints.hot]
provider = "gemini"
temperature = 3.0
key_env = "K"

[endpoints.o]
provider = "openai"
key_env = "K"

[endpoints.socket]
provider = "openai"
transport = "ws"
key_env = "K"
`)
	env := map[string]string{"XDG_CONFIG_HOME": dir, "K": "k-0123456789", "OPENAI_API_KEY": "sk-o"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-e", "deep", "hi"}, "thinking in [endpoints.deep]: 100: Anthropic's smallest budget is 1024 tokens"},
		{[]string{"probe", "-e", "deep"}, "thinking in [endpoints.deep]: 100: Anthropic's smallest budget is 1024 tokens"},
		{[]string{"-e", "deep", "--thinking", "200", "hi"}, "--thinking 200: Anthropic's smallest budget is 1024 tokens"},
		{[]string{"-e", "hot", "hi"}, "temperature in [endpoints.hot]: 3 is out of range: give 0 to 2 (Anthropic takes 0 to 1)"},
		{[]string{"-e", "hot", "--temperature", "2.5", "hi"}, "--temperature 2.5 is out of range: give 0 to 2 (Anthropic takes 0 to 1)"},
		{[]string{"-e", "o", "--thinking", "2000", "hi"}, "--thinking 2000: OpenAI takes an effort, low, medium or high"},
		{[]string{"-p", "openai", "--max-tokens", "-1", "hi"}, "--max-tokens -1 is negative"},
		{[]string{"-p", "openai", "--thinking", "lots", "hi"}, `--thinking "lots" is not a level: give off, low, medium, high or a token budget such as 4096`},
		{[]string{"-p", "openai", "--api", "assistants", "hi"}, `--api "assistants": give chat or responses`},
		{[]string{"-p", "claude", "hi"}, `--provider "claude": tok speaks anthropic, openai and gemini`},
		{[]string{"-e", "socket", "hi"}, "transport in [endpoints.socket]: ws: OpenAI's chat API has no WebSocket mode (its responses API has)"},
		{[]string{"-p", "anthropic", "--transport", "ws", "hi"}, "--transport ws: Anthropic has no WebSocket mode"},
		{[]string{"-p", "openai", "--transport", "ws", "hi"}, "--transport ws: OpenAI's chat API has no WebSocket mode (its responses API has)"},
		{[]string{"--transport", "ws", "hi"}, "--transport ws needs an endpoint: --provider openai --api responses for OpenAI's WebSocket mode, or a ws:// --url"},
		{[]string{"serve", "--provider", "claude"}, `--provider "claude": tok serve relays to anthropic, openai or gemini`},
	}
	for _, tt := range tests {
		r := runTokEnv(t, env, "", tt.args...)
		if want := "tok: " + tt.want + " (see tok --help)\n"; r.code != exitUsage || r.stderr != want {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, want)
		}
	}
}

// TestA404NamesTheSettingsOfTheAddressAndTheModel: the advice names the
// config file's keys when the file gave the address and the model.
func TestA404NamesTheSettingsOfTheAddressAndTheModel(t *testing.T) {
	srv := tokServe(t, nil)
	dir, _ := writeConfigFile(t, `[endpoints.x]
provider = "anthropic"
base_url = "`+srv.URL+`"
model = "claude-x"
retries = 0
headers = { X-Tok-Scenario = "status=404" }

[endpoints.gw]
url = "`+srv.URL+`/nothing/here"
`)
	env := map[string]string{"XDG_CONFIG_HOME": dir, "ANTHROPIC_API_KEY": "sk-a-0123456789"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-e", "x", "hi"}, `check the base_url of endpoint "x" (tok config path) (tok adds the API's path to it) and the model of endpoint "x" (tok config path)`},
		{[]string{"-e", "x", "-m", "claude-y", "hi"}, `no model "claude-y" there; check the base_url of endpoint "x" (tok config path) (tok adds the API's path to it) and --model`},
		{[]string{"-e", "gw", "hi"}, `nothing is served at that path; check the url of endpoint "gw" (tok config path)`},
	}
	for _, tt := range tests {
		r := runTokEnv(t, env, "", tt.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
