package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAnHTTPErrorPastTheRetriesIsItsOwnLine: a 429 that outlasts the
// retries says 429 and what to do, not "cut off after 0 tokens"; so does
// --retries 40, whose backoff must not overflow.
func TestAnHTTPErrorPastTheRetriesIsItsOwnLine(t *testing.T) {
	var n atomic.Int32
	srv := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After-Ms", "1")
		statusHandler(429, "application/json", `{"error":{"message":"slow down","type":"rate_limit_error"}}`)(w, r)
	})
	for _, retries := range []string{"2", "40"} {
		n.Store(0)
		r := runTok(t, "", "--url", srv.URL, "--retries", retries, "hi")
		last := r.stderr[strings.LastIndex(strings.TrimRight(r.stderr, "\n"), "\n")+1:]
		if r.code != 1 || strings.Contains(r.stderr, "cut off") || !strings.Contains(last, "answered 429 Too Many Requests: slow down; rate limited; try again later") {
			t.Errorf("--retries %s: exit %d, stderr %q", retries, r.code, r.stderr)
		}
		if got := fmt.Sprint(n.Load()); got != fmt.Sprint(1+atoi(retries)) {
			t.Errorf("--retries %s: %s requests", retries, got)
		}
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

// TestTheTokenLimitIsSaid: an answer stopped at the token limit is kept,
// with a note naming --max-tokens, stop_reason in --events, and exit 4.
func TestTheTokenLimitIsSaid(t *testing.T) {
	srv := tokServe(t, nil)
	for _, name := range []string{"anthropic", "openai", "responses", "gemini"} {
		t.Run(name, func(t *testing.T) {
			args := append(providerArgs(name, srv.URL), "--max-tokens", "16", "-H", "X-Tok-Scenario: tokens=25,interval=0,first=0", "hello")
			r := runTokEnv(t, testKeys, "", args...)
			if r.code != exitTokenLimit || r.stdout == "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 4 and the text", r.code, r.stdout, r.stderr)
			}
			if r.stderr != "tok: the answer stopped at the token limit (16 tokens), so it is cut short; raise it with --max-tokens\n" {
				t.Errorf("stderr = %q", r.stderr)
			}
			ev := runTokEnv(t, testKeys, "", append([]string{"--events"}, args...)...)
			if ev.code != exitTokenLimit || !regexp.MustCompile(`"kind":"done","stop_reason":"(max_tokens|length|max_output_tokens)"`).MatchString(ev.stdout) {
				t.Errorf("--events: exit %d, no stop_reason in\n%s", ev.code, ev.stdout)
			}
		})
	}
}

// TestEveryEndIsTheWholeTextOrACutOff: an empty body or an answer with no
// text is a failure; an empty first frame does not make JSON print raw;
// an unterminated last frame keeps its text or the stream is cut off.
func TestEveryEndIsTheWholeTextOrACutOff(t *testing.T) {
	const chunk = `data: {"choices":[{"index":0,"delta":{"content":%q}%s}]}`
	tests := []struct {
		name, body, stdout, stderr string
		code                       int
	}{
		{"an empty 200", "", "", "the answer was empty: the body ended before any text arrived", 1},
		{"done with no text", "data: {\"type\":\"done\"}\n\ndata: [DONE]\n\n", "", "the answer was empty: the server ended it without any text", 1},
		{"an empty first frame", "data:\n\n" + fmt.Sprintf(chunk, "Hi", "") + "\n\n" + fmt.Sprintf(chunk, "!", `,"finish_reason":"stop"`) + "\n\ndata: [DONE]\n\n", "Hi!", "", 0},
		{"an unterminated last frame", fmt.Sprintf(chunk, "Hello", "") + "\n\n" + fmt.Sprintf(chunk, " world.", `,"finish_reason":"stop"`), "Hello world.", "", 0},
		{"a last frame cut in its JSON", fmt.Sprintf(chunk, "Hello", "") + "\n\n" + `data: {"choices":[{"index":0,"delta":{"content":" wor`, "Hello", "cut off after 1 tokens", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveRaw(t, sseHandler(tt.body))
			r := runTok(t, "", "--url", srv.URL, "hi")
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) || (tt.stderr == "" && r.stderr != "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// endlessReader is stdin that never ends: yes | tok x.
type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

// blockedReader is stdin that never sends anything.
type blockedReader struct{ done chan struct{} }

func (b blockedReader) Read(p []byte) (int, error) {
	<-b.done
	return 0, io.EOF
}

func TestStdinIsBoundedAndASignalEndsItsRead(t *testing.T) {
	ios, _, errOut := testStreams("")
	ios.In, ios.StdinPiped = endlessReader{}, true
	if code := execute(context.Background(), ios, []string{"summarize"}); code != exitUsage || !strings.Contains(errOut.String(), "the prompt is over 8 MiB") {
		t.Errorf("endless stdin: exit %d, stderr %q", code, errOut.String())
	}

	ios, _, errOut = testStreams("")
	block := blockedReader{make(chan struct{})}
	defer close(block.done)
	ios.In, ios.StdinPiped = block, true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- execute(ctx, ios, []string{"summarize"}) }()
	cancel() // the signal
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d, stderr %q; want 130", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a signal did not end the read of stdin")
	}
}

// TestEndlessToolArgumentsAreBounded: the one-shot keeps only the start
// of a tool call's arguments, however long they run.
func TestEndlessToolArgumentsAreBounded(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.send("data: {\"type\":\"start\"}\n\n")
		s.send(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":""}}]}}]}` + "\n\n")
		for i := 0; i < 2000; i++ {
			if !s.send(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"` + strings.Repeat("x", 1000) + `"}}]}}]}` + "\n\n") {
				return
			}
		}
		s.send(`data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\ndata: [DONE]\n\n")
	})
	r := runTok(t, "", "--url", srv.URL, "hi")
	if r.code != 0 || len(r.stderr) > 1000 || !strings.Contains(r.stderr, "⚙ f xxx") || !strings.Contains(r.stderr, "tok: the model asked to run f") {
		t.Errorf("exit %d, stderr (%d bytes) %.300q", r.code, len(r.stderr), r.stderr)
	}
}

// TestTheTimeoutBoundsAReconnectLoop: a server that closes after each
// token and asks for an instant reconnect is stopped by --timeout.
func TestTheTimeoutBoundsAReconnectLoop(t *testing.T) {
	var n atomic.Int32
	srv := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1) - 1
		w.Header().Set("Content-Type", "text/event-stream")
		time.Sleep(30 * time.Millisecond)
		fmt.Fprintf(w, "retry: 0\n\ndata: {\"type\":\"token\",\"content\":\"t%d \",\"index\":%d}\n\n", i, i)
	})
	start := time.Now()
	r := runTok(t, "", "--url", srv.URL, "--resume-tries", "100", "--timeout", "300ms", "hi")
	if r.code != 1 || !strings.Contains(r.stderr, "the total timeout") || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d after %s, stderr %q", r.code, time.Since(start), r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "t0 t1 ") {
		t.Errorf("stdout = %q, want the text that arrived", r.stdout)
	}
}

// TestConnectionAdviceNamesTheSetting: a refused connection or a 404
// names where the address came from, not always --url.
func TestConnectionAdviceNamesTheSetting(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	srv := tokServe(t, nil)
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--url", dead}, "is the server running? check --url"},
		{nil, []string{"--base-url", dead + "/v1"}, "is the server running? check --base-url"},
		{map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": dead + "/v1"}, []string{"-p", "openai"}, "check OPENAI_BASE_URL"},
		{map[string]string{"ANTHROPIC_API_KEY": "sk-ant-0123456789", "ANTHROPIC_BASE_URL": srv.URL + "/v1"}, []string{"-p", "anthropic", "--retries", "0"},
			"the address has /v1 twice: tok adds the API's path to the base URL, so drop the /v1 at the end of ANTHROPIC_BASE_URL"},
	}
	for _, tt := range tests {
		r := runTokEnv(t, tt.env, "", append(tt.args, "hi")...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// TestAnErrorStartsOnAFreshLine: with stdout a pipe and stderr a
// terminal, the error line does not run on from the partial answer.
func TestAnErrorStartsOnAFreshLine(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.token("half a line")
		hijackClose(t, s.w)
	})
	for _, tty := range []bool{true, false} {
		ios, out, errOut := testStreams("")
		ios.StderrTTY = tty
		code := execute(context.Background(), ios, []string{"--url", srv.URL, "hi"})
		want := "tok: the stream was cut off"
		if tty {
			want = "\n" + want
		}
		if code != 1 || out.String() != "half a line" || !strings.HasPrefix(errOut.String(), want) {
			t.Errorf("stderr a terminal %v: exit %d, stdout %q, stderr %q", tty, code, out.String(), errOut.String())
		}
	}
}
