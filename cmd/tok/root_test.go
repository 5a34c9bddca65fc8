package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewRootCmdParsesFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o *rootOptions)
	}{
		{
			name: "prompt words are joined",
			args: []string{"explain", "this", "code"},
			check: func(t *testing.T, o *rootOptions) {
				if o.Prompt != "explain this code" {
					t.Errorf("Prompt = %q", o.Prompt)
				}
			},
		},
		{
			name: "headers like curl",
			args: []string{"-H", "Authorization: Bearer abc", "-H", "X-Two:2", "hi"},
			check: func(t *testing.T, o *rootOptions) {
				if got := o.header.Get("Authorization"); got != "Bearer abc" {
					t.Errorf("Authorization = %q", got)
				}
				if got := o.header.Get("X-Two"); got != "2" {
					t.Errorf("X-Two = %q", got)
				}
			},
		},
		{
			name: "url without scheme is http",
			args: []string{"--url", "localhost:8080/api/chat/stream", "hi"},
			check: func(t *testing.T, o *rootOptions) {
				if o.URL != "http://localhost:8080/api/chat/stream" {
					t.Errorf("URL = %q", o.URL)
				}
			},
		},
		{
			name: "timeouts",
			args: []string{"--idle-timeout", "5s", "--timeout", "1m", "hi"},
			check: func(t *testing.T, o *rootOptions) {
				if o.IdleTimeout != 5*time.Second || o.Timeout != time.Minute {
					t.Errorf("IdleTimeout = %s, Timeout = %s", o.IdleTimeout, o.Timeout)
				}
			},
		},
		{
			name: "a ws url, and the interrupt's wait",
			args: []string{"--url", "ws://localhost:8080/api/chat/ws", "--interrupt-wait", "250ms", "hi"},
			check: func(t *testing.T, o *rootOptions) {
				if o.URL != "ws://localhost:8080/api/chat/ws" || o.target.ep.URL != o.URL || o.target.interruptWait != 250*time.Millisecond {
					t.Errorf("URL = %q, endpoint %q, interrupt wait %s", o.URL, o.target.ep.URL, o.target.interruptWait)
				}
			},
		},
		{
			name: "the interrupt's wait defaults to 500ms",
			args: []string{"--url", "wss://h/ws", "hi"},
			check: func(t *testing.T, o *rootOptions) {
				if o.target.interruptWait != 500*time.Millisecond {
					t.Errorf("interrupt wait %s", o.target.interruptWait)
				}
			},
		},
		{name: "transport of no kind", args: []string{"--url", "http://h/s", "--transport", "grpc", "hi"}, wantErr: `--transport "grpc": give sse or ws`},
		{name: "sse to a ws url", args: []string{"--url", "ws://h/s", "--transport", "sse", "hi"}, wantErr: `--transport sse: the URL is a WebSocket's (ws:// or wss://), which is ws`},
		{name: "interrupt wait too long", args: []string{"--url", "ws://h/s", "--interrupt-wait", "1m", "hi"}, wantErr: `--interrupt-wait 1m0s is too long: give up to 30s`},
		{name: "malformed header", args: []string{"-H", "NoColon", "hi"}, wantErr: `malformed header "NoColon": write it as -H 'Name: value'`},
		{name: "bad scheme", args: []string{"--url", "ftp://x/y", "hi"}, wantErr: `--url "ftp://x/y" uses ftp: tok speaks http, https, ws and wss`},
		{name: "negative timeout", args: []string{"--timeout", "-1s", "hi"}, wantErr: "--timeout is negative (-1s): give a duration such as 30s, or 0 for none"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "unknown flag: --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _ := testStreams("")
			var got *rootOptions
			cmd := newRootCmd(ios, func(_ context.Context, o *rootOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if _, ok := err.(usageError); !ok {
					t.Errorf("err is %T, want usageError (exit 2)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestBuildPromptPutsStdinFirst(t *testing.T) {
	tests := []struct {
		name, stdin, prompt, want string
	}{
		{"prompt only", "", "hi", "hi"},
		{"stdin only", "diff --git a b\n+x\n", "", "diff --git a b\n+x\n"},
		{"stdin then blank line then prompt", "line1\n  indented\n", "summarise", "line1\n  indented\n\nsummarise"},
		{"stdin without final newline", "abc", "q", "abc\n\nq"},
		{"whitespace stdin is no stdin", " \n\t", "q", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _ := testStreams(tt.stdin)
			got, err := buildPrompt(context.Background(), &rootOptions{IO: ios, Prompt: tt.prompt})
			if err != nil {
				t.Fatal(err)
			}
			if got.Content != tt.want || got.Role != "user" {
				t.Errorf("prompt = %+v, want %q", got, tt.want)
			}
		})
	}
}

func TestEmptyPromptIsAUsageError(t *testing.T) {
	r := runTok(t, "")
	if r.code != exitUsage {
		t.Errorf("exit = %d, want %d", r.code, exitUsage)
	}
	want := "tok: nothing to ask: give a prompt, as in: tok \"explain this\", or pipe text in (see tok --help)\n"
	if r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

func TestVersionFlagPrintsTheVersion(t *testing.T) {
	r := runTok(t, "", "--version")
	if r.code != 0 || r.stdout != "tok dev\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestCompletionStaysAvailable(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := runTok(t, "", "completion", shell)
		if r.code != 0 || len(r.stdout) < 100 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.code, len(r.stdout))
		}
	}
}

func TestVerboseRedactsSecrets(t *testing.T) {
	srv := serve(t, func(s sse) { s.token("ok"); s.send("data: {\"type\":\"done\"}\n\n") })
	r := runTok(t, "", "-v", "--url", srv.URL, "-H", "Authorization: Bearer sk-secret-123456", "-H", "x-api-key: key-987654", "hi")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, secret := range []string{"secret-123456", "key-987654"} {
		if strings.Contains(r.stderr, secret) {
			t.Errorf("stderr shows the secret %q:\n%s", secret, r.stderr)
		}
	}
	for _, want := range []string{"> POST " + srv.URL, "< HTTP/1.1 200 OK", "Authorization: Bearer sk-s…(redacted)", "first text"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestRequestCarriesPromptSystemAndHeaders(t *testing.T) {
	var body, accept, custom string
	srv := serve(t, func(s sse) {
		body, accept, custom = s.body, s.r.Header.Get("Accept"), s.r.Header.Get("X-Custom")
		s.token("ok")
		s.send("data: {\"type\":\"done\"}\n\n")
	})
	r := runTok(t, "piped text\n", "--url", srv.URL, "--system", "be brief", "-H", "X-Custom: yes", "the", "question")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The sessionId is random per answer: a 26-letter base32 text.
	want := `{"messages":[{"role":"user","content":"piped text\n\nthe question"}],"systemPrompt":"be brief","sessionId":"SESSION"}`
	if body = regexp.MustCompile(`"sessionId":"[A-Z2-7]{26}"`).ReplaceAllString(body, `"sessionId":"SESSION"`); body != want {
		t.Errorf("body = %s\nwant   %s", body, want)
	}
	if accept != "text/event-stream" || custom != "yes" {
		t.Errorf("Accept = %q, X-Custom = %q", accept, custom)
	}
}
