package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
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
		"--base-url", "http://127.0.0.1:8080/v1", "--api", "responses", "--system", "be brief", "--key-env", "MY_KEY")
	want := serveOptions{IO: got.IO, Addr: "127.0.0.1:9999", Replay: "testdata", Provider: "openai", Model: "m",
		BaseURL: "http://127.0.0.1:8080/v1", API: "responses", System: "be brief", KeyEnv: "MY_KEY"}
	if *got != want {
		t.Errorf("options %+v, want %+v", *got, want)
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
	if wantText := strings.Join(client.DemoTokens(client.DemoAnswer("hi", 1))[:4], ""); r.code != 0 || r.stdout != wantText {
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
