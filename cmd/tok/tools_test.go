package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/tokcli/tok/server"
)

// TestMain serves MCP on stdin and stdout when asked to (TOK_TEST_MCP):
// the test binary is then the config file's MCP server.
func TestMain(m *testing.M) {
	if os.Getenv("TOK_TEST_MCP") != "" {
		serveTestMCP()
		return
	}
	os.Exit(m.Run())
}

func serveTestMCP() {
	s := mcp.NewServer(&mcp.Implementation{Name: "test-weather"}, nil)
	type in struct {
		City string `json:"city"`
		Unit string `json:"unit,omitempty"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "get_weather", Description: "The weather in a city"},
		func(_ context.Context, _ *mcp.CallToolRequest, a in) (*mcp.CallToolResult, any, error) {
			if log := os.Getenv("TOK_TEST_MCP_LOG"); log != "" {
				os.WriteFile(log, []byte(a.City+" "+a.Unit), 0o600)
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.City + ": 18 °C"}}}, nil, nil
		})
	s.Run(context.Background(), &mcp.StdioTransport{})
}

// toolSetup is tok serve's scripted model as the API, and a config file
// whose [mcp.weather] is this test binary; log records its one call.
func toolSetup(t *testing.T) (env map[string]string, base, log string) {
	t.Helper()
	srv := httptest.NewServer(server.New(server.Config{}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	exe, _ := json.Marshal(os.Args[0])
	logJSON, _ := json.Marshal(log)
	cfg := "# tools for the test\n[mcp.weather]\ncommand = [" + string(exe) + "]\nenv = { TOK_TEST_MCP = \"1\", TOK_TEST_MCP_LOG = " + string(logJSON) + " }\n"
	writeFile(t, filepath.Join(dir, "tok", "config.toml"), cfg)
	return map[string]string{"XDG_CONFIG_HOME": dir, "OPENAI_API_KEY": "k"}, srv.URL + "/v1", log
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

const toolScenario = "X-Tok-Scenario: tokens=12,interval=0,first=0,tool"

func TestOneShotRunsAnAllowedToolThenStreamsTheContinuation(t *testing.T) {
	env, base, log := toolSetup(t)
	r := runTokEnv(t, env, "", "--base-url", base, "-H", toolScenario, "--yes", "get_weather", "weather in Paris?")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(log); string(got) != "Paris celsius" {
		t.Errorf("the server's call: %q, want Paris celsius", got)
	}
	for _, want := range []string{`⚙ get_weather {"city":"Paris","unit":"celsius"}`, "⚙ get_weather running…", "⚙ get_weather → Paris: 18 °C ("} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "\n\n") || len(r.stdout) < 20 {
		t.Errorf("stdout %q, want the words before the call, then the continuation", r.stdout)
	}
}

func TestOneShotWithoutATerminalDeniesATool(t *testing.T) {
	env, base, log := toolSetup(t)
	r := runTokEnv(t, env, "", "--base-url", base, "-H", toolScenario, "weather in Paris?")
	if r.code != 0 || r.stdout == "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(log); err == nil {
		t.Error("the tool ran without --yes")
	}
	if n := strings.Count(r.stderr, "--yes get_weather"); n != 1 {
		t.Errorf("stderr names --yes get_weather %d times, want once:\n%s", n, r.stderr)
	}
}

func TestToolsListsServersAndTheirTools(t *testing.T) {
	env, _, _ := toolSetup(t)
	r := runTokEnv(t, env, "", "tools", "--json", "--yes", "get_weather")
	var got []struct {
		Name  string `json:"name"`
		State string `json:"state"`
		Tools []struct {
			Name    string `json:"name"`
			Allowed bool   `json:"allowed"`
		} `json:"tools"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
	if len(got) != 1 || got[0].State != "ready" || len(got[0].Tools) != 1 || got[0].Tools[0].Name != "get_weather" || !got[0].Tools[0].Allowed {
		t.Errorf("tok tools = %+v", got)
	}
}

func TestSaveAllowRewritesTheTableAtomicallyAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.toml")
	src := "# mine\n[mcp.weather] # the rig's\ncommand = [\"node\", \"w.mjs\"]\nallow = [\n  \"fail\", # old\n]\n\n[mcp.other]\nurl = \"http://127.0.0.1:1/mcp\"\n"
	writeFile(t, path, src)
	if err := saveAllow(path, "weather", "get_weather"); err != nil {
		t.Fatal(err)
	}
	if err := saveAllow(path, "other", "search"); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.MCP["weather"].Allow, ","); got != "fail,get_weather" {
		t.Errorf("weather allow = %s", got)
	}
	if got := strings.Join(cfg.MCP["other"].Allow, ","); got != "search" {
		t.Errorf("other allow = %s", got)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "# mine\n[mcp.weather] # the rig's\n") {
		t.Errorf("the comments went:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	os.Chmod(path, 0o666)
	if err := saveAllow(path, "weather", "slow_echo"); err == nil || !strings.Contains(err.Error(), "not saved") {
		t.Errorf("a file others can write: %v, want it refused", err)
	}
}

func TestConfigChecksMCPTables(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ src, want string }{
		{"[mcp.a]\n", "has neither command nor url"},
		{"[mcp.a]\ncommand = [\"x\"]\nurl = \"http://h/mcp\"\n", "has both command and url"},
		{"[mcp.a]\nurl = \"ftp://h\"\n", "url in [mcp.a] must start with http"},
		{"[mcp.a]\ncommand = [\"x\"]\ncomand = 1\n", `unknown key "comand" in [mcp.a] (did you mean command?)`},
		{"[mcp.a]\ncommand = [\"x\"]\ntimeout = \"-1s\"\n", "must not be negative"},
	} {
		path := filepath.Join(t.TempDir(), "config.toml")
		writeFile(t, path, tt.src)
		if _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestSplitWordsReadsAShellsQuotes(t *testing.T) {
	t.Parallel()
	got, err := splitWords(`node "/my dir/w.mjs" --name='a b' c\ d`)
	if err != nil || strings.Join(got, "|") != "node|/my dir/w.mjs|--name=a b|c d" {
		t.Errorf("splitWords = %q, %v", got, err)
	}
	if _, err := splitWords(`node "open`); err == nil {
		t.Error("an unclosed quote is no error")
	}
}

// tok -c after an answer that ran a tool sends the call and its result
// back in the API's own shape, from the history, and the API answers.
func TestContinuingAToolAnswerSendsTheToolTurnsBack(t *testing.T) {
	for _, api := range []struct{ name, path string }{{"openai", "/v1/chat/completions"}, {"anthropic", "/v1/messages"}} {
		t.Run(api.name, func(t *testing.T) {
			env, _, _ := toolSetup(t)
			var mu sync.Mutex
			var bodies []string
			srv := server.New(server.Config{})
			rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == api.path {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					bodies = append(bodies, string(b))
					mu.Unlock()
					r.Body = io.NopCloser(bytes.NewReader(b))
				}
				srv.ServeHTTP(w, r)
			}))
			t.Cleanup(rec.Close)
			env["XDG_DATA_HOME"] = t.TempDir()
			env["ANTHROPIC_API_KEY"] = "k"
			args := []string{"--base-url", rec.URL + "/v1"}
			if api.name == "anthropic" {
				args = []string{"--provider", "anthropic", "--base-url", rec.URL}
			}
			if r := runTokEnv(t, env, "", append(args, "-H", toolScenario, "--yes", "get_weather", "weather in Paris?")...); r.code != 0 {
				t.Fatalf("first answer: exit %d, stderr %q", r.code, r.stderr)
			}
			r := runTokEnv(t, env, "", "-c", "-H", "X-Tok-Scenario: tokens=5,interval=0,first=0", "and tomorrow?")
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("tok -c: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != 3 {
				t.Fatalf("%d requests, want 3 (the question, the tool's result, -c)", len(bodies))
			}
			var req struct {
				Messages []struct {
					Role       string                `json:"role"`
					ToolCallID string                `json:"tool_call_id"`
					ToolCalls  []struct{ ID string } `json:"tool_calls"`
					Content    json.RawMessage       `json:"content"`
				} `json:"messages"`
			}
			if err := json.Unmarshal([]byte(bodies[2]), &req); err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, m := range req.Messages {
				roles = append(roles, m.Role)
			}
			last := bodies[2]
			switch api.name {
			case "openai":
				if strings.Join(roles, ",") != "user,assistant,tool,assistant,user" ||
					len(req.Messages[1].ToolCalls) != 1 || req.Messages[2].ToolCallID != req.Messages[1].ToolCalls[0].ID {
					t.Errorf("roles %v; want user,assistant(tool_calls),tool(its id),assistant,user:\n%s", roles, last)
				}
			case "anthropic":
				if strings.Join(roles, ",") != "user,assistant,user,assistant,user" ||
					!strings.Contains(string(req.Messages[1].Content), `"tool_use"`) ||
					!strings.Contains(string(req.Messages[2].Content), `"tool_result"`) {
					t.Errorf("roles %v; want the tool_use and tool_result blocks:\n%s", roles, last)
				}
			}
			if !strings.Contains(last, "Paris: 18") || !strings.Contains(last, "and tomorrow?") {
				t.Errorf("the request lacks the tool's result or the new question:\n%s", last)
			}
		})
	}
}
