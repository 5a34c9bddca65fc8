package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"go.uber.org/goleak"
)

const testKey = "sk-test-secret-0123456789"

// upstream is the scripted model serving as an LLM API. It records the
// bodies it is sent and sets the scenario of every request itself, so a
// test can change it between requests.
type upstream struct {
	*httptest.Server
	scenario atomic.Value // string
	mu       sync.Mutex
	bodies   []string
}

func startUpstream(t *testing.T, scenario string) *upstream {
	t.Helper()
	u := &upstream{}
	u.scenario.Store(scenario)
	inner := server.New(server.Config{})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			u.mu.Lock()
			u.bodies = append(u.bodies, string(b))
			u.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.Header.Set("X-Tok-Scenario", u.scenario.Load().(string))
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// requests returns the bodies of the requests the upstream was sent.
func (u *upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.bodies...)
}

// endpoint is the upstream as provider p (OpenAI with api) would be.
func (u *upstream) endpoint(p client.Provider, api string) client.Endpoint {
	base := u.URL
	if p == client.OpenAI {
		base += "/v1"
	}
	return client.Endpoint{Provider: p, API: api, BaseURL: base, Key: testKey}
}

// startGateway starts a server that relays to ep.
func startGateway(t *testing.T, ep client.Endpoint, retries int) *httptest.Server {
	t.Helper()
	c := client.New(client.Config{IdleTimeout: 10 * time.Second, Retries: retries})
	_, ts := startServer(t, server.Config{Upstream: &server.Upstream{Endpoint: ep, Client: c}})
	return ts
}

var gatewayUpstreams = []struct {
	name string
	p    client.Provider
	api  string
}{
	{"anthropic", client.Anthropic, ""},
	{"openai chat", client.OpenAI, client.APIChat},
	{"openai responses", client.OpenAI, client.APIResponses},
	{"gemini", client.Gemini, ""},
}

// relayed is what a stream delivered, in every kind the gateway relays.
type relayed struct {
	tokens   []string
	thinking string
	tools    []string
	args     string
	usage    client.Usage
	stop     string
	err      error
	errEv    *client.ServerError
}

func (r relayed) text() string { return strings.Join(r.tokens, "") }

func collect(s *client.Stream) relayed {
	var r relayed
	for ev, err := range s.Events() {
		if err != nil {
			if r.errEv == nil || err != error(r.errEv) { // not the error event's own error
				r.err = err
			}
			break
		}
		switch ev.Kind {
		case client.KindText:
			r.tokens = append(r.tokens, ev.Text)
		case client.KindThinking:
			r.thinking += ev.Text
		case client.KindToolStart:
			r.tools = append(r.tools, ev.Tool.Name)
		case client.KindToolArgs:
			r.args += ev.Text
		case client.KindUsage:
			r.usage = ev.Usage
		case client.KindDone:
			r.stop = ev.StopReason
		case client.KindError:
			r.errEv = ev.Err
		}
	}
	return r
}

// ask streams "hi" from ep.
func ask(t *testing.T, ep client.Endpoint) relayed {
	t.Helper()
	ctx := context.Background()
	req, err := ep.Request(ctx, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.New(client.Config{IdleTimeout: 10 * time.Second}).Stream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return collect(s)
}

// askTok streams body from the gateway in tok's protocol.
func askTok(t *testing.T, gw string, body string) relayed {
	t.Helper()
	s, err := post(t, context.Background(), gw+"/api/chat/stream", "", body)
	if err != nil {
		t.Fatal(err)
	}
	return collect(s)
}

func TestGatewayRelaysEachProviderInToksProtocol(t *testing.T) {
	for _, up := range gatewayUpstreams {
		t.Run(up.name, func(t *testing.T) {
			t.Parallel()
			u := startUpstream(t, "tokens=20,"+fast)
			want := ask(t, u.endpoint(up.p, up.api))
			gw := startGateway(t, u.endpoint(up.p, up.api), 0)
			got := askTok(t, gw.URL, hi)
			if got.err != nil || got.errEv != nil {
				t.Fatalf("err %v, error event %v", got.err, got.errEv)
			}
			if got.text() != want.text() || len(got.tokens) != 20 {
				t.Errorf("text through the gateway %q (%d tokens), want %q", got.text(), len(got.tokens), want.text())
			}
			if got.usage != want.usage || got.usage.OutputTokens == 0 {
				t.Errorf("usage %+v, want the upstream's %+v", got.usage, want.usage)
			}
			rec := last(t, gw.URL)
			if rec.End != server.EndComplete || rec.TokensSent != 20 || rec.Upstream != u.endpoint(up.p, up.api).Target() {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

func TestGatewayPassesThinkingAndToolCallsThrough(t *testing.T) {
	for _, up := range gatewayUpstreams {
		t.Run(up.name, func(t *testing.T) {
			t.Parallel()
			u := startUpstream(t, "tokens=6,thinking,tool,"+fast)
			want := ask(t, u.endpoint(up.p, up.api))
			gw := startGateway(t, u.endpoint(up.p, up.api), 0)
			// Read through the gateway's Anthropic route: tok's protocol
			// has no reasoning frames and does not stream a tool's input.
			got := ask(t, client.Endpoint{Provider: client.Anthropic, BaseURL: gw.URL, Key: "k"})
			if got.err != nil || got.errEv != nil {
				t.Fatalf("err %v, error event %v", got.err, got.errEv)
			}
			if got.thinking == "" || got.thinking != want.thinking {
				t.Errorf("thinking %q, want %q", got.thinking, want.thinking)
			}
			if strings.Join(got.tools, ",") != "get_weather" || got.args != want.args || !json.Valid([]byte(got.args)) {
				t.Errorf("tool calls %q with args %q, want get_weather with %q", got.tools, got.args, want.args)
			}
			if got.stop != "tool_use" || got.text() != want.text() {
				t.Errorf("stop %q, text %q; want tool_use, %q", got.stop, got.text(), want.text())
			}
			tok := askTok(t, gw.URL, hi)
			if strings.Join(tok.tools, ",") != "get_weather" || tok.err != nil {
				t.Errorf("tok's protocol: tools %q, err %v", tok.tools, tok.err)
			}
		})
	}
}

func TestGatewayAbortsTheUpstreamWhenTheClientLeaves(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // runs after the servers close
	for _, up := range gatewayUpstreams {
		t.Run(up.name, func(t *testing.T) {
			u := startUpstream(t, "tokens=200,interval=20,first=0")
			gw := startGateway(t, u.endpoint(up.p, up.api), 0)
			s, err := post(t, context.Background(), gw.URL+"/api/chat/stream", "", hi)
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; n < 3; {
				ev, err := s.Next()
				if err != nil {
					t.Fatal(err)
				}
				if ev.Kind == client.KindText {
					n++
				}
			}
			s.Close()
			inner := stats(t, u.URL)[0]
			if inner.End != server.EndClientDisconnect || inner.TokensAfterDisconnect != 0 || inner.TokensSent >= 200 {
				t.Errorf("upstream's record %+v, want a client_disconnect with no tokens after it", inner)
			}
			outer := stats(t, gw.URL)[0]
			if outer.End != server.EndClientDisconnect || outer.TokensAfterDisconnect != 0 || outer.TokensSent < 3 {
				t.Errorf("gateway's record %+v", outer)
			}
		})
	}
}

func TestGatewayPassesOnAnUpstreamErrorStatus(t *testing.T) {
	u := startUpstream(t, "status=429,retry-after=1")
	gw := startGateway(t, u.endpoint(client.OpenAI, ""), 0)
	leaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+testKey+`","type":"invalid_request_error"}}`)
	}))
	defer leaky.Close()
	leakyGW := startGateway(t, client.Endpoint{Provider: client.OpenAI, BaseURL: leaky.URL, Key: testKey}, 0)
	cases := []struct {
		name, url, body string
		header          []string
		status          int
		retryAfter      time.Duration
		message         string
	}{
		{"429 in tok's protocol", gw.URL + "/api/chat/stream", hi, nil, 429, time.Second, "upstream openai: 429 Too Many Requests: scripted status"},
		{"429 as Anthropic", gw.URL + "/v1/messages", `{"model":"m","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			[]string{"x-api-key", "k", "anthropic-version", "2023-06-01"}, 429, time.Second, "upstream openai: 429 Too Many Requests"},
		{"401 without the key", leakyGW.URL + "/api/chat/stream", hi, nil, 401, 0, "upstream openai: 401 Unauthorized: Incorrect API key provided: [redacted]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := post(t, context.Background(), c.url, "", c.body, c.header...)
			var he *client.HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want an HTTP error", err)
			}
			if he.StatusCode != c.status || he.RetryAfter != c.retryAfter || !strings.HasPrefix(he.Message, c.message) {
				t.Errorf("got %d, Retry-After %s, message %q; want %d, %s, %q…", he.StatusCode, he.RetryAfter, he.Message, c.status, c.retryAfter, c.message)
			}
			if strings.Contains(he.Message, testKey) {
				t.Errorf("the message gives the key away: %q", he.Message)
			}
		})
	}
}

func TestGatewayReplaysAFinishedSession(t *testing.T) {
	u := startUpstream(t, "tokens=12,"+fast)
	gw := startGateway(t, u.endpoint(client.OpenAI, ""), 0)
	whole := askTok(t, gw.URL, session("done", 0))
	if whole.err != nil || len(whole.tokens) != 12 {
		t.Fatalf("first answer: %d tokens, err %v", len(whole.tokens), whole.err)
	}
	for _, from := range []int{0, 5} {
		again := askTok(t, gw.URL, session("done", from))
		if got, want := again.text(), strings.Join(whole.tokens[from:], ""); got != want || again.err != nil {
			t.Errorf("resumeFrom %d: %q (err %v), want %q", from, got, again.err, want)
		}
	}
	if n := len(u.requests()); n != 1 {
		t.Errorf("the upstream was asked %d times, want once: a finished answer is replayed", n)
	}
}

// cutSession reads cut tokens of a slow session's answer from the gateway,
// leaves, and waits until the gateway has noticed.
func cutSession(t *testing.T, gw, id string, cut int) string {
	t.Helper()
	s, err := post(t, context.Background(), gw+"/api/chat/stream", "", session(id, 0))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for n := 0; n < cut; {
		ev, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == client.KindText {
			text, n = text+ev.Text, n+1
		}
	}
	s.Close()
	if rec := stats(t, gw)[0]; rec.End != server.EndClientDisconnect {
		t.Fatalf("the gateway's record %+v, want a client_disconnect", rec)
	}
	return text
}

func TestGatewayContinuesAnUnfinishedSessionWithAnthropic(t *testing.T) {
	u := startUpstream(t, "tokens=200,interval=20,first=0")
	gw := startGateway(t, u.endpoint(client.Anthropic, ""), 0)
	part := cutSession(t, gw.URL, "cut", 4)
	u.scenario.Store("tokens=5," + fast)
	rest := askTok(t, gw.URL, session("cut", 4))
	if rest.err != nil || rest.errEv != nil {
		t.Fatalf("resumed: err %v, error event %v", rest.err, rest.errEv)
	}
	reqs := u.requests()
	var sent struct{ Messages []client.Message }
	if len(reqs) != 2 || json.Unmarshal([]byte(reqs[1]), &sent) != nil || len(sent.Messages) != 2 {
		t.Fatalf("the upstream's requests: %q", reqs)
	}
	prefill := sent.Messages[1]
	full := part + rest.text()
	if prefill.Role != "assistant" || !strings.HasPrefix(prefill.Content, part) || !strings.HasPrefix(full, prefill.Content) {
		t.Errorf("the continuation's last turn %+v, want the partial answer %q… as the assistant's", prefill, part)
	}
	if !strings.HasSuffix(full, demoText(5)) || strings.HasSuffix(prefill.Content, " ") {
		t.Errorf("the answer %q, want the stored part then the continuation %q", full, demoText(5))
	}
}

func TestGatewaySaysAnUnfinishedSessionCannotBeContinuedWithOpenAI(t *testing.T) {
	u := startUpstream(t, "tokens=200,interval=20,first=0")
	gw := startGateway(t, u.endpoint(client.OpenAI, ""), 0)
	part := cutSession(t, gw.URL, "cut", 4)
	rest := askTok(t, gw.URL, session("cut", 4))
	if rest.errEv == nil || !strings.Contains(rest.errEv.Message, "cut off upstream when the client left and cannot be continued") {
		t.Errorf("error event %v, want the cannot-continue one", rest.errEv)
	}
	if full := part + rest.text(); part != demoText(4) || full != demoText(4+len(rest.tokens)) {
		t.Errorf("replayed %q after %q, want the stored tokens from the 5th", rest.text(), part)
	}
	if n := len(u.requests()); n != 1 {
		t.Errorf("the upstream was asked %d times, want once", n)
	}
}

// writeAnthropicSSE writes an Anthropic Messages stream of texts; without
// done it ends before message_stop, as a cut-off stream does.
func writeAnthropicSSE(w http.ResponseWriter, done bool, texts ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	frame := func(typ, data string) { io.WriteString(w, "event: "+typ+"\ndata: "+data+"\n\n") }
	frame("message_start", `{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":3}}}`)
	frame("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	for _, s := range texts {
		b, _ := json.Marshal(s)
		frame("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+string(b)+`}}`)
	}
	if done {
		frame("content_block_stop", `{"type":"content_block_stop","index":0}`)
		frame("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}`)
		frame("message_stop", `{"type":"message_stop"}`)
	}
}

func TestGatewayContinuationDoesNotRepeatTheTrailingWhitespace(t *testing.T) {
	var calls atomic.Int32
	var prefill atomic.Value // client.Message
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeAnthropicSSE(w, false, "Hello ", "there ")
			return
		}
		var body struct{ Messages []client.Message }
		json.NewDecoder(r.Body).Decode(&body)
		prefill.Store(body.Messages[len(body.Messages)-1])
		writeAnthropicSSE(w, true, " friend")
	}))
	defer up.Close()
	gw := startGateway(t, client.Endpoint{Provider: client.Anthropic, BaseURL: up.URL, Key: testKey}, 0)
	part := askTok(t, gw.URL, session("ws", 0))
	if part.errEv == nil || !strings.HasPrefix(part.errEv.Message, "upstream anthropic: the stream was cut off") {
		t.Fatalf("first part: error event %v, want the upstream's cut-off", part.errEv)
	}
	rest := askTok(t, gw.URL, session("ws", 2))
	if got, _ := prefill.Load().(client.Message); got.Role != "assistant" || got.Content != "Hello there" {
		t.Errorf("the continuation's last turn %+v, want the partial answer without its trailing space", got)
	}
	if full := part.text() + rest.text(); full != "Hello there friend" || rest.err != nil {
		t.Errorf("answer %q (err %v), want %q", full, rest.err, "Hello there friend")
	}
}

func TestGatewayEndsOpenRelaysWithAnErrorOnShutdown(t *testing.T) {
	u := startUpstream(t, "tokens=200,interval=20,first=0")
	gw, ts := startServer(t, server.Config{Upstream: &server.Upstream{Endpoint: u.endpoint(client.Gemini, "")}})
	s, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "", hi)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := s.Next(); err != nil || ev.Kind != client.KindStart {
		t.Fatalf("first event %v, err %v", ev.Kind, err)
	}
	gw.Shutdown()
	got := collect(s)
	if got.errEv == nil || got.errEv.Message != "the server is shutting down" {
		t.Errorf("error event %v, err %v; want the shutdown's", got.errEv, got.err)
	}
	if inner := stats(t, u.URL)[0]; inner.End != server.EndClientDisconnect || inner.TokensAfterDisconnect != 0 {
		t.Errorf("upstream's record %+v, want it aborted", inner)
	}
}

func TestGatewaySendsTheRequestsSystemPromptAndLimits(t *testing.T) {
	const anthropicBody = `{"model":"m","max_tokens":9000,"stream":true,"system":"be brief",` +
		`"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"hi"}]}`
	anthropicHeader := []string{"x-api-key", "k", "anthropic-version", "2023-06-01"}
	cases := []struct {
		name, system, path, body string
		header                   []string
		want                     string // system, max_tokens, thinking budget upstream
	}{
		{"tok's systemPrompt", "", "/api/chat/stream", `{"messages":[{"role":"user","content":"hi"}],"systemPrompt":"be brief"}`, nil, "be brief 4096 0"},
		{"Anthropic's cap and thinking", "", "/v1/messages", anthropicBody, anthropicHeader, "be brief 9000 4096"},
		{"the configured system prompt wins", "house rules", "/v1/messages", anthropicBody, anthropicHeader, "house rules 9000 4096"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := startUpstream(t, "tokens=2,"+fast)
			ep := u.endpoint(client.Anthropic, "")
			ep.System = c.system
			gw := startGateway(t, ep, 0)
			s, err := post(t, context.Background(), gw.URL+c.path, "", c.body, c.header...)
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(s); got.err != nil || got.errEv != nil {
				t.Fatalf("err %v, error event %v", got.err, got.errEv)
			}
			var sent struct {
				System    string `json:"system"`
				MaxTokens int    `json:"max_tokens"`
				Thinking  struct {
					BudgetTokens int `json:"budget_tokens"`
				} `json:"thinking"`
			}
			json.Unmarshal([]byte(u.requests()[0]), &sent)
			if got := fmt.Sprint(sent.System, " ", sent.MaxTokens, " ", sent.Thinking.BudgetTokens); got != c.want {
				t.Errorf("upstream got %q, want %q", got, c.want)
			}
		})
	}
}
