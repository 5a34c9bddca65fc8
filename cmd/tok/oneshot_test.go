package main

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestOneShotStreamsTheDemoModelWithNoConfiguration(t *testing.T) {
	ios, out, errOut := testStreams("")
	cmd := newRootCmd(ios, func(ctx context.Context, o *rootOptions) error {
		o.demo.FirstToken, o.demo.Interval = time.Microsecond, time.Microsecond
		return runOneShot(ctx, o)
	})
	cmd.SetArgs([]string{"what", "is", "tok?"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## A demo answer", "what is tok?", "```go", "| Dialect |", "日本語", "🚀"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !strings.Contains(errOut.String(), "demo model") {
		t.Errorf("stderr = %q, want a note that the demo model answers", errOut.String())
	}
}

// TestOneShotFaults runs tok against servers that fail in each way the wire
// can, and checks what a user sees: stdout, the one stderr line, the exit code.
func TestOneShotFaults(t *testing.T) {
	tests := []struct {
		name       string
		handler    func(t *testing.T, s sse)
		args       []string
		wantOut    string
		wantErr    string // a substring of stderr
		wantCode   int
		rawHandler http.HandlerFunc // replaces handler when set
	}{
		{
			name: "complete",
			handler: func(t *testing.T, s sse) {
				s.send(`data: {"type":"start","messageId":"m1"}` + "\n\n")
				s.token("Hello")
				s.token(" world")
				s.send("data: {\"type\":\"done\",\"usage\":{\"inputTokens\":3,\"outputTokens\":2}}\n\ndata: [DONE]\n\n")
			},
			wantOut: "Hello world",
		},
		{
			name: "drop mid-frame",
			handler: func(t *testing.T, s sse) {
				s.token("Hello")
				s.token(" world")
				s.send(`data: {"type":"token","con`)
				hijackClose(t, s.w)
			},
			wantOut: "Hello world", wantErr: "the stream was cut off after 2 tokens", wantCode: 1,
		},
		{
			name: "stall past the idle timeout",
			args: []string{"--idle-timeout", "300ms"},
			handler: func(t *testing.T, s sse) {
				s.token("partial")
				<-s.r.Context().Done()
			},
			wantOut: "partial", wantErr: "cut off after 1 tokens: no data for 300ms (the idle timeout); if the server is just slow, raise --idle-timeout", wantCode: 1,
		},
		{
			name: "heartbeats keep a slow stream alive",
			args: []string{"--idle-timeout", "300ms"},
			handler: func(t *testing.T, s sse) {
				s.token("slow")
				for range 12 { // 600 ms of heartbeats, twice the idle timeout
					time.Sleep(50 * time.Millisecond)
					s.send(": ping\n\n")
				}
				s.token(" but sure")
				s.send(`data: {"type":"done"}` + "\n\n")
			},
			wantOut: "slow but sure",
		},
		{
			name: "stall with heartbeats only is not idle",
			args: []string{"--idle-timeout", "300ms", "--timeout", "700ms"},
			handler: func(t *testing.T, s sse) {
				s.token("x")
				for s.send(": ping\n\n") {
					time.Sleep(50 * time.Millisecond)
				}
			},
			wantOut: "x", wantErr: "the request took longer than 700ms (the total timeout)", wantCode: 1,
		},
		{
			name: "[DONE] then the socket held open",
			handler: func(t *testing.T, s sse) {
				s.send(`data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}` + "\n\n")
				s.send("data: [DONE]\n\n")
				<-s.r.Context().Done() // holds until tok hangs up
			},
			wantOut: "ok",
		},
		{
			name: "error event mid-stream keeps the text",
			handler: func(t *testing.T, s sse) {
				s.send("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}\n\n")
				s.send("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half an\"}}\n\n")
				s.send("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
			},
			wantOut: "Half an", wantErr: "tok: the server reported an error: overloaded_error: Overloaded", wantCode: 1,
		},
		{
			name: "CRLF line endings",
			handler: func(t *testing.T, s sse) {
				s.send("data: {\"type\":\"token\",\"content\":\"a\"}\r\n\r\ndata: {\"type\":\"done\"}\r\n\r\n")
			},
			wantOut: "a",
		},
		{
			name: "CR-only line endings",
			handler: func(t *testing.T, s sse) {
				s.send("data: {\"type\":\"token\",\"content\":\"b\"}\r\rdata: {\"type\":\"done\"}\r\r")
			},
			wantOut: "b",
		},
		{
			name: "no Content-Type",
			rawHandler: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil // stop net/http from sniffing one
				w.Write([]byte("data: {\"type\":\"token\",\"content\":\"c\"}\n\ndata: {\"type\":\"done\"}\n\n"))
			},
			wantOut: "c",
		},
		{
			name:       "gzip",
			rawHandler: gzipHandler,
			wantOut:    "zipped",
		},
		{
			name:       "gzip when tok asked for it itself",
			args:       []string{"-H", "Accept-Encoding: gzip"},
			rawHandler: gzipHandler,
			wantOut:    "zipped",
		},
		{
			name:       "401",
			rawHandler: errorBody(401, "", `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`),
			wantErr:    "answered 401 Unauthorized: invalid x-api-key; pass credentials with -H, as in -H 'Authorization: Bearer $TOKEN'", wantCode: 1,
		},
		{
			name:       "404",
			rawHandler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			wantErr:    "answered 404 Not Found: 404 page not found; nothing is served at that path; check --url", wantCode: 1,
		},
		{
			name:       "429 with Retry-After",
			rawHandler: errorBody(429, "7", `{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded"}}`),
			wantErr:    "answered 429 Too Many Requests: Rate limit reached; rate limited; retry after 7s", wantCode: 1,
		},
		{
			name:       "500",
			rawHandler: errorBody(500, "", `{"error":{"message":"The server had an error","type":"server_error"}}`),
			wantErr:    "answered 500 Internal Server Error: The server had an error; the server failed; try again later", wantCode: 1,
		},
		{
			name: "HTML 502 page from a proxy",
			rawHandler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
			},
			wantErr: `answered 502 Bad Gateway (an HTML page: "502 Bad Gateway"); a proxy could not reach the server behind it`, wantCode: 1,
		},
		{
			name: "HTML page with a 200",
			rawHandler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("<!doctype html><title>Sign in</title><p>please log in"))
			},
			wantErr: `the server sent an HTML page instead of a stream ("Sign in"); check that --url points at a streaming endpoint`, wantCode: 1,
		},
		{
			name: "binary body",
			rawHandler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Write([]byte{0x89, 'P', 'N', 'G', 0, 0, 0, 0x0d})
			},
			wantErr: "the server sent binary data instead of a stream", wantCode: 1,
		},
		{
			name: "plain text body",
			rawHandler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("just some text"))
			},
			wantOut: "just some text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.rawHandler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					w.Header().Set("Content-Type", "text/event-stream")
					tt.handler(t, sse{w, r, string(b)})
				}
			}
			srv := serveRaw(t, h)
			r := runTok(t, "", append(tt.args, "--url", srv.URL, "q")...)
			if r.stdout != tt.wantOut {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.wantOut)
			}
			if r.code != tt.wantCode {
				t.Errorf("exit = %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantErr == "" && r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr = %q\nwant it to contain %q", r.stderr, tt.wantErr)
			}
			if strings.Count(r.stderr, "\n") > 1 {
				t.Errorf("stderr has more than one line: %q", r.stderr)
			}
		})
	}
}

func gzipHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	for _, frame := range []string{"data: {\"type\":\"token\",\"content\":\"zip\"}\n\n", "data: {\"type\":\"token\",\"content\":\"ped\"}\n\n", "data: {\"type\":\"done\"}\n\n"} {
		zw.Write([]byte(frame))
		zw.Flush()
		w.(http.Flusher).Flush()
	}
	zw.Close()
}

func errorBody(status int, retryAfter, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestOneShotCannotConnect(t *testing.T) {
	srv := serveRaw(t, func(http.ResponseWriter, *http.Request) {})
	url := srv.URL
	srv.Close()
	r := runTok(t, "", "--url", url, "q")
	if r.code != 1 || !strings.Contains(r.stderr, "could not connect to "+url+": connection refused; is the server running? check --url") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestOneShotInterruptKeepsTheTextAndExits130(t *testing.T) {
	sent := make(chan struct{})
	srv := serve(t, func(s sse) {
		s.token("kept")
		close(sent)
		<-s.r.Context().Done()
	})
	ios, out, errOut := testStreams("")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sent; time.Sleep(20 * time.Millisecond); cancel() }()
	code := execute(ctx, ios, []string{"--url", srv.URL, "q"})
	if code != exitInterrupted || out.String() != "kept" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestEventsWritesJSONLines(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.send("data: {\"id\":\"c1\",\"model\":\"gpt\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n")
		s.send("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n")
		s.send("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n")
	})
	r := runTok(t, "", "--events", "--url", srv.URL, "q")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	wantPrefixes := []string{
		`{"kind":"start","dialect":"openai-chat","message_id":"c1","model":"gpt","ms":`,
		`{"kind":"text","text":"Hi","ms":`,
		`{"kind":"tool_start","tool":{"id":"call_1","name":"get_weather"},"ms":`,
		`{"kind":"tool_args","text":"{}","tool":{"id":"call_1","name":"get_weather"},"ms":`,
		`{"kind":"usage","usage":{"input_tokens":5,"output_tokens":2},"ms":`,
		`{"kind":"done","stop_reason":"tool_calls","ms":`,
	}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(wantPrefixes), r.stdout)
	}
	for i, want := range wantPrefixes {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d = %s\nwant prefix %s", i, lines[i], want)
		}
	}
}

func TestToolCallsGoToStderrOneLineEach(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.token("Let me check. ")
		s.send(`data: {"type":"tool_start","name":"get_weather"}` + "\n\n")
		s.send(`data: {"type":"tool_executing","name":"get_weather"}` + "\n\n")
		s.send(`data: {"type":"tool_result","name":"get_weather","result":{"temp":18}}` + "\n\n")
		s.token("It is 18°C.")
		s.send(`data: {"type":"done"}` + "\n\n")
	})
	r := runTok(t, "", "--url", srv.URL, "q")
	if r.stdout != "Let me check. It is 18°C." {
		t.Errorf("stdout = %q", r.stdout)
	}
	want := "⚙ get_weather\n⚙ get_weather running…\n⚙ get_weather → {\"temp\":18}\n"
	if r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

func TestEventsModeFailsOnAnErrorEvent(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.token("part")
		s.send(`data: {"type":"error","message":"boom"}` + "\n\n")
	})
	r := runTok(t, "", "--events", "--url", srv.URL, "q")
	if r.code != exitFailed {
		t.Errorf("exit = %d, want %d", r.code, exitFailed)
	}
	if !strings.Contains(r.stdout, `{"kind":"error","error":{"message":"boom"}`) || strings.Count(r.stdout, `"kind":"error"`) != 1 {
		t.Errorf("stdout = %s, want one error line", r.stdout)
	}
}

func TestInterruptBeforeHeadersExits130(t *testing.T) {
	arrived := make(chan struct{})
	srv := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // net/http sees a disconnect only once the body is read
		close(arrived)
		<-r.Context().Done()
	})
	ios, _, errOut := testStreams("")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	if code := execute(ctx, ios, []string{"--url", srv.URL, "q"}); code != exitInterrupted {
		t.Errorf("exit = %d, want %d (stderr %q)", code, exitInterrupted, errOut.String())
	}
}

func TestErrorsRedactKeysInURLs(t *testing.T) {
	srv := serveRaw(t, errorBody(403, "", `{"error":{"message":"denied"}}`))
	r := runTok(t, "", "--url", srv.URL+"/v1?key=AIzaSECRET&alt=sse", "q")
	if strings.Contains(r.stderr, "AIzaSECRET") || !strings.Contains(r.stderr, "key=REDACTED") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.token("safe \x1b]52;c;ZXZpbA==")
		s.token("\x07text \x1b[2J\x1b[Hmore\ttab")
		s.send(`data: {"type":"done"}` + "\n\n")
	})
	r := runTok(t, "", "--url", srv.URL, "q")
	if r.stdout != "safe text more\ttab" || r.code != 0 {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}
