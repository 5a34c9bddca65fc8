package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// sdkScenario makes the demo model answer 20 tokens without pauses.
const sdkScenario = "tokens=20,interval=0,first=0"

// anthropicHeaders are the headers the Messages API requires.
var anthropicHeaders = []string{"x-api-key", "test-key", "anthropic-version", "2023-06-01"}

// apiPost posts body to url with the scenario and the header pairs.
func apiPost(t *testing.T, url, scenario, body string, header ...string) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(scenarioRequest(t, t.Context(), url, scenario, body, header...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// tokText is the text tok's own client decodes from the answer to body.
func tokText(t *testing.T, url, scenario, body string, header ...string) string {
	t.Helper()
	var text string
	for ev, err := range client.NewStream(apiPost(t, url, scenario, body, header...).Body).Events() {
		if err != nil {
			t.Fatalf("tok's client: %v", err)
		}
		if ev.Kind == client.KindText {
			text += ev.Text
		}
	}
	return text
}

// rejection posts a request the API refuses and returns its JSON error,
// after checking the status.
func rejection(t *testing.T, url string, status int, body string, header ...string) map[string]any {
	t.Helper()
	resp := apiPost(t, url, "", body, header...)
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d: %v", resp.StatusCode, status, v)
	}
	return v
}

// fuzzAPI posts body to path on a fresh server: the answer is a stream or
// a 4xx, never a 5xx and never a panic.
func fuzzAPI(t *testing.T, path, body string, header ...string) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", "tokens=1,interval=0,first=0")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	server.New(server.Config{}).ServeHTTP(w, req)
	if w.Code != http.StatusOK && (w.Code < 400 || w.Code > 499) {
		t.Fatalf("POST %s %q: status %d: %s", path, body, w.Code, w.Body)
	}
}

// newAnthropic starts a server and returns an SDK client of it and its URL.
func newAnthropic(t *testing.T) (anthropic.Client, string) {
	srv := httptest.NewServer(server.New(server.Config{}))
	t.Cleanup(srv.Close)
	return anthropic.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("test-key"), option.WithMaxRetries(0)), srv.URL
}

// anthropicStream streams the answer to "hi" under scenario through the
// SDK and accumulates it.
func anthropicStream(t *testing.T, c anthropic.Client, scenario string, maxTokens int64) (anthropic.Message, error) {
	t.Helper()
	stream := c.Messages.NewStreaming(t.Context(), anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: maxTokens,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}, option.WithHeader("X-Tok-Scenario", scenario))
	defer stream.Close()
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatalf("accumulate %s: %v", stream.Current().Type, err)
		}
	}
	return msg, stream.Err()
}

func anthropicClient(t *testing.T) anthropic.Client {
	c, _ := newAnthropic(t)
	return c
}

func anthropicText(m anthropic.Message) string {
	var s string
	for _, b := range m.Content {
		s += b.Text
	}
	return s
}

func TestAnthropicSDKStreamsWhatTokDecodes(t *testing.T) {
	t.Parallel()
	c, url := newAnthropic(t)
	msg, err := anthropicStream(t, c, sdkScenario, 1024)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	tok := tokText(t, url+"/v1/messages", sdkScenario, body, anthropicHeaders...)
	if got := anthropicText(msg); got != tok || got != demoText(20) {
		t.Errorf("SDK text = %q\ntok text = %q\nwant %q", got, tok, demoText(20))
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || !strings.HasPrefix(msg.ID, "msg_") || msg.Model != "claude-sonnet-4-5" {
		t.Errorf("stop %q, id %q, model %q: want end_turn, msg_…, the request's model", msg.StopReason, msg.ID, msg.Model)
	}
	if msg.Usage.OutputTokens != 20 || msg.Usage.InputTokens <= 0 {
		t.Errorf("usage = %+v, want 20 output tokens and some input", msg.Usage)
	}
}

func TestAnthropicSDKReadsTheToolCall(t *testing.T) {
	t.Parallel()
	msg, err := anthropicStream(t, anthropicClient(t), "tool,"+sdkScenario, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 2 {
		t.Fatalf("stop %q with %d blocks, want tool_use after a text block", msg.StopReason, len(msg.Content))
	}
	call := msg.Content[1]
	var args struct{ City, Unit string }
	if err := json.Unmarshal(call.Input, &args); err != nil {
		t.Fatalf("input %s: %v", call.Input, err)
	}
	if call.Type != "tool_use" || call.Name != "get_weather" || !strings.HasPrefix(call.ID, "toolu_") || args.City != "Paris" || args.Unit != "celsius" {
		t.Errorf("tool block = %s %s %s %+v, want tool_use get_weather toolu_… Paris celsius", call.Type, call.Name, call.ID, args)
	}
}

func TestAnthropicSDKReadsThinkingThenText(t *testing.T) {
	t.Parallel()
	msg, err := anthropicStream(t, anthropicClient(t), "thinking,"+sdkScenario, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 2 {
		t.Fatalf("%d blocks, want thinking and text", len(msg.Content))
	}
	th, text := msg.Content[0], msg.Content[1]
	if th.Type != "thinking" || th.Thinking == "" || th.Signature == "" {
		t.Errorf("block 0 = %q, thinking %q, signature %q: want a signed thinking block", th.Type, th.Thinking, th.Signature)
	}
	if text.Type != "text" || text.Text != demoText(20) {
		t.Errorf("block 1 = %q %q, want the text", text.Type, text.Text)
	}
}

func TestAnthropicMaxTokensStopsTheAnswer(t *testing.T) {
	t.Parallel()
	msg, err := anthropicStream(t, anthropicClient(t), sdkScenario, 5)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonMaxTokens || anthropicText(msg) != demoText(5) {
		t.Errorf("stop %q, text %q: want max_tokens after %q", msg.StopReason, anthropicText(msg), demoText(5))
	}
}

func TestAnthropicFaultsAreTheSDKsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, scenario string
		status         int
		kind           string
		text           bool // some text arrives before the error
	}{
		{"status 429", "status=429", http.StatusTooManyRequests, "rate_limit_error", false},
		{"status 529", "status=529", 529, "overloaded_error", false},
		{"error event", "error-after=3," + sdkScenario, http.StatusOK, "overloaded_error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := anthropicStream(t, anthropicClient(t), tt.scenario, 1024)
			var apiErr *anthropic.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *anthropic.Error", err, err)
			}
			if apiErr.StatusCode != tt.status || string(apiErr.Type()) != tt.kind {
				t.Errorf("status %d, type %q: want %d, %q", apiErr.StatusCode, apiErr.Type(), tt.status, tt.kind)
			}
			if got := anthropicText(msg); (got != "") != tt.text {
				t.Errorf("text before the error = %q", got)
			}
		})
	}
}

func TestAnthropicRejectsRequestsAsTheAPIDoes(t *testing.T) {
	t.Parallel()
	_, url := newAnthropic(t)
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, body string
		header     []string
		status     int
		kind       string
	}{
		{"malformed JSON", `{"model":`, anthropicHeaders, 400, "invalid_request_error"},
		{"not an object", `[]`, anthropicHeaders, 400, "invalid_request_error"},
		{"missing model", `{"max_tokens":9,"stream":true,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"model a number", `{"model":5,"max_tokens":9,"stream":true,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"missing max_tokens", `{"model":"m","stream":true,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"max_tokens 0", `{"model":"m","max_tokens":0,"stream":true,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"max_tokens a string", `{"model":"m","max_tokens":"9","stream":true,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"empty messages", `{"model":"m","max_tokens":9,"stream":true,"messages":[]}`, anthropicHeaders, 400, "invalid_request_error"},
		{"bad role", `{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"system","content":"hi"}]}`, anthropicHeaders, 400, "invalid_request_error"},
		{"content a number", `{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":5}]}`, anthropicHeaders, 400, "invalid_request_error"},
		{"unknown block", `{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":[{"type":"nope"}]}]}`, anthropicHeaders, 400, "invalid_request_error"},
		{"small thinking budget", `{"model":"m","max_tokens":2048,"stream":true,"thinking":{"type":"enabled","budget_tokens":10},` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"stream false", `{"model":"m","max_tokens":9,"stream":false,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"stream absent", `{"model":"m","max_tokens":9,` + msgs + `}`, anthropicHeaders, 400, "invalid_request_error"},
		{"no API key", `{"model":"m","max_tokens":9,"stream":true,` + msgs + `}`, anthropicHeaders[2:], 401, "authentication_error"},
		{"no version", `{"model":"m","max_tokens":9,"stream":true,` + msgs + `}`, anthropicHeaders[:2], 400, "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := rejection(t, url+"/v1/messages", tt.status, tt.body, tt.header...)
			e, _ := v["error"].(map[string]any)
			id, _ := v["request_id"].(string)
			if v["type"] != "error" || e["type"] != tt.kind || e["message"] == "" || !strings.HasPrefix(id, "req_") {
				t.Errorf("error = %v, want type error, error.type %q, a message and a req_ id", v, tt.kind)
			}
		})
	}
}

func TestAnthropicAcceptsBlocksSystemAndToolResults(t *testing.T) {
	t.Parallel()
	_, url := newAnthropic(t)
	body := `{"model":"m","max_tokens":2048,"stream":true,"system":[{"type":"text","text":"be brief"}],
		"thinking":{"type":"enabled","budget_tokens":1024},"messages":[
		{"role":"user","content":[{"type":"text","text":"hi"}]},
		{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]}`
	resp := apiPost(t, url+"/v1/messages", "tool,"+sdkScenario, body, anthropicHeaders...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var kinds []client.Kind
	for ev, err := range client.NewStream(resp.Body).Events() {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.Kind)
		if ev.Kind == client.KindToolStart {
			t.Errorf("a tool call after the tool's result")
		}
	}
	if len(kinds) < 2 || kinds[1] != client.KindThinking {
		t.Errorf("kinds = %v, want thinking first", kinds)
	}
}

func FuzzAnthropicRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":2048,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024},"system":"s","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"tool_result"}]}]}`,
		`{"model":5}`, `{"model":"m","max_tokens":-1}`, `{"messages":[{"role":"robot"}]}`, `{`, `null`, `[]`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzAPI(t, "/v1/messages", body, anthropicHeaders...)
	})
}
