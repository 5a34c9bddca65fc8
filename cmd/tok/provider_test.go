package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// tokServe is tok serve in process; its /_stats are read with stats.
func tokServe(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	if h == nil {
		h = server.New(server.Config{})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// ended returns srv's records once the last request has ended: the
// client can finish reading before the server notes how it ended.
func ended(t *testing.T, srv *server.Server) []server.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := srv.Stats()
		if len(recs) == 0 || recs[len(recs)-1].End != server.EndRunning || time.Now().After(deadline) {
			return recs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// providerArgs are the flags that point tok at tok serve's dialect of
// each provider.
func providerArgs(name, base string) []string {
	switch name {
	case "openai":
		return []string{"--provider", "openai", "--base-url", base + "/v1"}
	case "responses":
		return []string{"--provider", "openai", "--api", "responses", "--base-url", base + "/v1"}
	}
	return []string{"--provider", name, "--base-url", base}
}

var testKeys = map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test-0123456789", "OPENAI_API_KEY": "sk-openai-test-0123456789", "GEMINI_API_KEY": "gemini-test-0123456789"}

func TestProvidersOneShot(t *testing.T) {
	srv := tokServe(t, nil)
	want := runTok(t, "", "--url", srv.URL+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=25,interval=0,first=0", "hello")
	if want.code != 0 || want.stdout == "" {
		t.Fatalf("tok's protocol: exit %d, %q", want.code, want.stderr)
	}
	for _, name := range []string{"anthropic", "openai", "responses", "gemini"} {
		t.Run(name, func(t *testing.T) {
			args := append(providerArgs(name, srv.URL), "-H", "X-Tok-Scenario: tokens=25,interval=0,first=0,thinking", "hello")
			r := runTokEnv(t, testKeys, "", args...)
			if r.code != 0 || r.stdout != want.stdout {
				t.Fatalf("exit %d, stdout %q (want %q), stderr %q", r.code, r.stdout, want.stdout, r.stderr)
			}
			// The model stops after a tool call, as the real APIs do.
			tool := runTokEnv(t, testKeys, "", append(providerArgs(name, srv.URL), "-H", "X-Tok-Scenario: tokens=25,interval=0,first=0,tool", "hello")...)
			if tool.code != 0 || tool.stderr != "⚙ get_weather {\"city\":\"Paris\",\"unit\":\"celsius\"}\n"+toolNote {
				t.Errorf("the tool call: exit %d, stderr %q", tool.code, tool.stderr)
			}
			ev := runTokEnv(t, testKeys, "", append([]string{"--events"}, args...)...)
			for _, want := range []string{`"kind":"thinking"`, `"kind":"usage","usage":{"input_tokens":`, `"kind":"done"`} {
				if !strings.Contains(ev.stdout, want) {
					t.Errorf("--events lacks %s:\n%s", want, ev.stdout)
				}
			}
		})
	}
}

// toolNote is the one-shot's word after a tool call no one ran (no MCP
// server is configured).
const toolNote = "tok: the model asked to run get_weather, which no one ran, so the answer ends here (tok runs the tools of the config file's [mcp.NAME] servers: tok tools)\n"

func TestProviderErrorTable(t *testing.T) {
	srv := tokServe(t, nil)
	tests := []struct {
		knobs string
		want  []string
	}{
		{"status=401", []string{"401 Unauthorized", "the key was refused: check ANTHROPIC_API_KEY"}},
		{"status=404", []string{"404 Not Found", `nothing at that address, or no model "claude-sonnet-4-5" there; check --base-url`}},
		{"status=429,retry-after=7", []string{"429 Too Many Requests", "retry after 7s"}},
		{"status=529", []string{"529", "overloaded"}},
		{"status=400", []string{"400 Bad Request", "scripted status Bad Request", "its message says why"}},
	}
	for _, tt := range tests {
		r := runTokEnv(t, testKeys, "", "--provider", "anthropic", "--base-url", srv.URL, "--retries", "0", "-H", "X-Tok-Scenario: "+tt.knobs, "hi")
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line", tt.knobs, r.code, r.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr %q lacks %q", tt.knobs, r.stderr, w)
			}
		}
		if strings.Contains(r.stderr, testKeys["ANTHROPIC_API_KEY"]) {
			t.Errorf("%s: the key is in the error: %q", tt.knobs, r.stderr)
		}
	}
	r := runTok(t, "", "--provider", "openai", "hi")
	if r.code != 2 || !strings.Contains(r.stderr, "no API key for openai: set OPENAI_API_KEY") {
		t.Errorf("no key: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestProviderRetriesA429ThenSucceeds(t *testing.T) {
	var seen atomic.Int32
	inner := server.New(server.Config{})
	srv := tokServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 1 {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Retry-After", "0.2")
			http.Error(w, `{"error":{"type":"rate_limit_exceeded","message":"slow down"}}`, http.StatusTooManyRequests)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	r := runTokEnv(t, testKeys, "", "--provider", "openai", "--base-url", srv.URL+"/v1", "-H", "X-Tok-Scenario: tokens=10,interval=0,first=0", "hi")
	if r.code != 0 || r.stdout == "" || seen.Load() != 2 {
		t.Fatalf("exit %d after %d requests, stdout %q, stderr %q", r.code, seen.Load(), r.stdout, r.stderr)
	}
	if want := "tok: 429 Too Many Requests: slow down; retrying in 200ms (1/2)\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

func TestProviderErrorAfterTextIsNotRetried(t *testing.T) {
	ts := server.New(server.Config{})
	srv := tokServe(t, ts)
	r := runTokEnv(t, testKeys, "", "--provider", "gemini", "--base-url", srv.URL, "-H", "X-Tok-Scenario: tokens=10,interval=0,first=0,error-after=4", "hi")
	recs := ended(t, ts)
	if r.code != 1 || r.stdout == "" || len(recs) != 1 {
		t.Errorf("exit %d, stdout %q, %d requests; want the partial text, exit 1, one request", r.code, r.stdout, len(recs))
	}
	if !strings.Contains(r.stderr, "scripted error after 4 tokens") {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestInterruptAbortsTheProviderRequest(t *testing.T) {
	ts := server.New(server.Config{})
	srv := tokServe(t, ts)
	ios, _, _ := testStreams("")
	ios.Getenv = func(k string) string { return testKeys[k] }
	ctx, cancel := context.WithCancel(context.Background())
	first := &firstWrite{seen: make(chan struct{})}
	ios.Out = first
	go func() {
		<-first.seen // the first text arrived
		cancel()
	}()
	code := execute(ctx, ios, []string{"--provider", "anthropic", "--base-url", srv.URL, "-H", "X-Tok-Scenario: tokens=500,interval=10,first=0", "hi"})
	if code != exitInterrupted {
		t.Errorf("exit %d, want 130", code)
	}
	rec := ended(t, ts)[0]
	if rec.End != server.EndClientDisconnect || rec.TokensAfterDisconnect != 0 || rec.TokensSent >= 500 {
		t.Errorf("the server's record: %+v; want client_disconnect, 0 tokens after", rec)
	}
}

func TestKeysNeverAppearInVerboseOutputOrErrors(t *testing.T) {
	srv := tokServe(t, nil)
	for _, name := range []string{"anthropic", "openai", "responses", "gemini"} {
		for _, knobs := range []string{"tokens=3,interval=0,first=0", "status=401", "tokens=3,interval=0,first=0,error-after=1"} {
			r := runTokEnv(t, testKeys, "", append(providerArgs(name, srv.URL), "-v", "--retries", "0", "-H", "X-Tok-Scenario: "+knobs, "hi")...)
			for _, key := range testKeys {
				if strings.Contains(r.stderr+r.stdout, key) || strings.Contains(r.stderr, key[4:]) {
					t.Errorf("%s %s: the key %q shows:\n%s", name, knobs, key, r.stderr)
				}
			}
			if !strings.Contains(r.stderr, "> POST "+srv.URL) {
				t.Errorf("%s %s: -v printed no request:\n%s", name, knobs, r.stderr)
			}
		}
	}
}

func TestNoFlagPicksTheProviderWhoseKeyIsSet(t *testing.T) {
	tests := []struct {
		env      map[string]string
		provider string
		note     string
	}{
		{nil, "", "no API key or --url given, so the built-in demo model answers"},
		{map[string]string{"GEMINI_API_KEY": "g"}, "gemini", "GEMINI_API_KEY is set, so gemini · gemini-2.5-flash answers"},
		{map[string]string{"GOOGLE_API_KEY": "g"}, "gemini", "GOOGLE_API_KEY is set"},
		{map[string]string{"GEMINI_API_KEY": "g", "OPENAI_API_KEY": "o"}, "", "OPENAI_API_KEY and GEMINI_API_KEY are all set, so tok will not guess"},
	}
	for _, tt := range tests {
		ios, _, _ := testStreams("")
		ios.Getenv = func(k string) string { return tt.env[k] }
		o := &rootOptions{IO: ios}
		note, err := o.resolve(context.Background(), func(string) bool { return false })
		if err != nil || !strings.Contains(note, tt.note) || string(o.target.ep.Provider) != tt.provider {
			t.Errorf("env %v: provider %q, note %q, err %v; want %q, %q", tt.env, o.target.ep.Provider, note, err, tt.provider, tt.note)
		}
	}
}

// firstWrite signals the first write to it, and drops the text.
type firstWrite struct {
	seen chan struct{}
	once sync.Once
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.seen) })
	return len(p), nil
}

func TestAGatewaysRelayed401BlamesTheGatewaysKey(t *testing.T) {
	err := failure{url: "http://gw/api/chat/stream", err: &client.HTTPError{StatusCode: 401, Status: "401 Unauthorized",
		Message: "upstream openai: 401 Unauthorized: bad key", URL: "http://gw/api/chat/stream"}}
	if got := describe(err); !strings.Contains(got, "the gateway's own key was refused") || strings.Contains(got, "-H") {
		t.Errorf("describe = %q", got)
	}
}
