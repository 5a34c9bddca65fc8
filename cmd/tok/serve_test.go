package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/demo"
	"github.com/tokcli/tok/server"
)

// parseServe parses serve's argv with env as the environment.
func parseServe(t *testing.T, env map[string]string, args ...string) *serveOptions {
	t.Helper()
	ios, _, _ := testStreams("")
	ios.Getenv = func(k string) string { return env[k] }
	var got *serveOptions
	serve := newServeCmd(ios, func(_ context.Context, o *serveOptions) error { got = o; return nil })
	serve.SetArgs(args)
	if err := serve.Execute(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestNewServeCmdParsesFlags(t *testing.T) {
	got := parseServe(t, nil, "--addr", "127.0.0.1:9999", "--replay", "testdata", "--provider", "openai", "--model", "m",
		"--base-url", "http://127.0.0.1:8080/v1", "--api", "responses", "--system", "be brief", "--key-env", "MY_KEY",
		"--cors", "http://localhost:3000,https://app.test", "--cors", "http://a.test", "--allow-host", "chat.test",
		"--capacity", "8", "--pause", "2s")
	want := serveOptions{IO: got.IO, Addr: "127.0.0.1:9999", Replay: "testdata", Provider: "openai", Model: "m",
		BaseURL: "http://127.0.0.1:8080/v1", API: "responses", System: "be brief", KeyEnv: "MY_KEY",
		CORS: []string{"http://localhost:3000", "https://app.test", "http://a.test"}, AllowHosts: []string{"chat.test"},
		serveTools: serveTools{MCP: got.MCP, ToolTimeout: time.Minute, MaxSteps: 10},
		Capacity:   8, Pause: 2 * time.Second, PauseAfter: 5 * time.Second}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("options %+v, want %+v", *got, want)
	}
}

func TestServeChecksCORSAndAllowHost(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		gateway bool
		err     string // "" for none
	}{
		{"origins", []string{"--cors", "http://localhost:3000,https://app.test/"}, true, ""},
		{"any origin for the demo model", []string{"--cors", "*"}, false, ""},
		{"any origin for a gateway", []string{"--cors", "*"}, true,
			"--cors '*' would let any web page you visit spend the upstream's key: name the origins, as in --cors http://localhost:3000"},
		{"not an origin", []string{"--cors", "localhost:3000"}, false,
			`--cors "localhost:3000" is not an origin: write it as scheme://host[:port], as in --cors http://localhost:3000`},
		{"an origin with a path", []string{"--cors", "http://app.test/chat"}, false,
			`--cors "http://app.test/chat" is not an origin: write it as scheme://host[:port], as in --cors http://localhost:3000`},
		{"null", []string{"--cors", "null"}, false,
			`--cors "null" is not an origin: write it as scheme://host[:port], as in --cors http://localhost:3000`},
		{"a host name", []string{"--allow-host", "chat.test,chat.test:8443"}, false, ""},
		{"a URL for a host", []string{"--allow-host", "http://chat.test"}, false,
			`--allow-host "http://chat.test" is not a host name: write it as a name, as in --allow-host chat.example.test`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := parseServe(t, nil, c.args...).checkGuards(c.gateway)
			var ue usageError
			switch {
			case c.err == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case c.err != "" && (err == nil || err.Error() != c.err || !errors.As(err, &ue)):
				t.Errorf("err = %v, want the usage error %q", err, c.err)
			}
		})
	}
}

func TestServeUpstreamFromFlagsAndEnvironment(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		// want is "provider base key keyFrom", or the error.
		want, err string
	}{
		{name: "the demo model", want: "<nil>"},
		{"openai's key", map[string]string{"OPENAI_API_KEY": "sk-1"}, []string{"--provider", "openai"}, "openai  sk-1 OPENAI_API_KEY", ""},
		{"gemini falls back to GOOGLE_API_KEY", map[string]string{"GOOGLE_API_KEY": "g-1"}, []string{"--provider", "gemini"}, "gemini  g-1 GOOGLE_API_KEY", ""},
		{"ANTHROPIC_BASE_URL needs no key", map[string]string{"ANTHROPIC_BASE_URL": "http://h:1"}, []string{"--provider", "anthropic"}, "anthropic http://h:1  ", ""},
		{"a base URL is openai's and needs no key", nil, []string{"--base-url", "http://127.0.0.1:8080/v1"}, "openai http://127.0.0.1:8080/v1  ", ""},
		{"--key-env", map[string]string{"MY_KEY": "k", "OPENAI_API_KEY": "sk-1"}, []string{"--provider", "openai", "--key-env", "MY_KEY"}, "openai  k MY_KEY", ""},
		{"no key for the provider's API", map[string]string{"ANTHROPIC_API_KEY": "a"}, []string{"--provider", "openai"}, "",
			"no API key for openai: set OPENAI_API_KEY, or name the variable that holds it with --key-env"},
		{"--key-env names an unset variable", nil, []string{"--base-url", "http://h/v1", "--key-env", "MY_KEY"}, "",
			"--key-env MY_KEY: MY_KEY is not set; set it to the upstream's key"},
		{"--model without a provider", nil, []string{"--model", "gpt-5"}, "",
			"--model, --api, --system and --key-env set up an upstream: add --provider anthropic|openai|gemini"},
		{"an unknown provider", nil, []string{"--provider", "mistral"}, "", `--provider "mistral": tok serve relays to anthropic, openai or gemini`},
		{"--api for anthropic", map[string]string{"ANTHROPIC_API_KEY": "a"}, []string{"--provider", "anthropic", "--api", "responses"}, "",
			"--api responses is OpenAI's; anthropic has one API"},
		{"a base URL that is not one", nil, []string{"--base-url", "ftp://h"}, "", `--base-url "ftp://h" is not a URL: write it as http://host:port/v1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up, keyFrom, err := parseServe(t, c.env, c.args...).upstream()
			var ue usageError
			switch {
			case c.err != "":
				if err == nil || err.Error() != c.err || !errors.As(err, &ue) {
					t.Errorf("err = %v, want the usage error %q", err, c.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			got := "<nil>"
			if up != nil {
				ep := up.Endpoint
				got = strings.Join([]string{string(ep.Provider), ep.BaseURL, ep.Key, keyFrom}, " ")
			}
			if got != c.want {
				t.Errorf("upstream %q, want %q", got, c.want)
			}
		})
	}
}

func TestServeRelaysToAnUpstreamWithoutPrintingTheKey(t *testing.T) {
	var auth atomic.Value
	inner := server.New(server.Config{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		r.Header.Set("X-Tok-Scenario", "tokens=4,interval=0,first=0")
		inner.ServeHTTP(w, r)
	}))
	defer up.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	pr, pw := io.Pipe()
	const key = "sk-secret-serve-test"
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: pw,
		Getenv: func(k string) string { return map[string]string{"OPENAI_API_KEY": key}[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts := &serveOptions{IO: ios, Addr: addr, Provider: "openai", BaseURL: up.URL + "/v1"}
	go func() { done <- runServe(ctx, opts); pw.Close() }()

	lines := bufio.NewScanner(pr)
	var printed []string
	for lines.Scan() {
		printed = append(printed, lines.Text())
		if strings.Contains(lines.Text(), "relays to") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	all := strings.Join(printed, "\n")
	want := "tok serve: every endpoint relays to openai · gpt-5-mini at " + up.URL + "/v1/chat/completions (key from OPENAI_API_KEY)"
	if !strings.Contains(all, want) || strings.Contains(all, key) {
		t.Errorf("start-up output lacks %q or gives the key away:\n%s", want, all)
	}
	r := runTok(t, "", "--url", "http://"+addr+"/api/chat/stream", "hi")
	if wantText := strings.Join(demo.Tokens(demo.Text("hi", 1))[:4], ""); r.code != 0 || r.stdout != wantText {
		t.Errorf("tok through the gateway: exit %d, stdout %q (want %q), stderr %q", r.code, r.stdout, wantText, r.stderr)
	}
	if got, _ := auth.Load().(string); got != "Bearer "+key {
		t.Errorf("the upstream got Authorization %q, want the key from OPENAI_API_KEY", got)
	}
	cancel()
	waitShutdown(t, done)
}

func TestServeListsEndpointsServesAndShutsDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	pr, pw := io.Pipe()
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: pw}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, &serveOptions{IO: ios, Addr: addr}); pw.Close() }()

	lines := bufio.NewScanner(pr)
	var printed []string
	for lines.Scan() && !strings.Contains(lines.Text(), "/_stats") {
		printed = append(printed, lines.Text())
	}
	go io.Copy(io.Discard, pr)
	all := strings.Join(printed, "\n")
	for _, want := range []string{"listening on http://" + addr, "POST http://" + addr + "/v1/messages", "/api/chat/stream"} {
		if !strings.Contains(all, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, all)
		}
	}
	r := runTok(t, "", "--url", "http://"+addr+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=4,interval=0,first=0", "hi")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "## A demo") {
		t.Errorf("tok against tok serve: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	cancel()
	waitShutdown(t, done)
}

func TestServeOnABusyPortSaysSo(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	r := runTok(t, "", "serve", "--addr", ln.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "address already in use; pick another with --addr") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// waitShutdown waits for runServe to return after its context ended.
func waitShutdown(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tok serve did not shut down")
	}
}

func TestServeRefusesPagesAndForeignHostsAndSaysSo(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	pr, pw := io.Pipe()
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: pw}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &serveOptions{IO: ios, Addr: addr, CORS: []string{"http://localhost:3000"}})
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l := <-lines:
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("tok serve never printed %q", want)
			}
		}
	}
	waitLine("/_stats")

	post := func(host, contentType, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/chat/stream", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
		req.Host = host
		req.Header.Set("Content-Type", contentType)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.Header.Set("X-Tok-Scenario", "tokens=2,interval=0,first=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post(addr, "text/plain", "https://evil.example"); resp.StatusCode != 403 {
		t.Errorf("a cross-origin text/plain POST: %d", resp.StatusCode)
	}
	waitLine(`tok serve: refused POST "/api/chat/stream" from 127.0.0.1:`)
	if resp := post("evil.example", "application/json", ""); resp.StatusCode != 421 {
		t.Errorf("a foreign Host: %d", resp.StatusCode)
	}
	waitLine("421 tok serve answers Host localhost")
	if resp := post(addr, "application/json", "http://localhost:3000"); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("the --cors origin: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/_stats", nil)
	req.Header.Set("X-Tok-Scenario", strings.Repeat("x", 100<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 100 KiB header: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	go func() {
		for range lines {
		}
	}()
	waitShutdown(t, done)
}
