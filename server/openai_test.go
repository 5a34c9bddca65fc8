package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tokcli/tok/server"
)

// openAIHeaders carry the key both OpenAI APIs require.
var openAIHeaders = []string{"Authorization", "Bearer test-key"}

// newOpenAI starts a server and returns an SDK client of it and its URL.
func newOpenAI(t *testing.T) (openai.Client, string) {
	srv := httptest.NewServer(server.New(server.Config{}))
	t.Cleanup(srv.Close)
	return openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey("test-key"), option.WithMaxRetries(0)), srv.URL
}

// chatStream streams the answer to "hi" under scenario through the SDK,
// with usage, and accumulates it.
func chatStream(t *testing.T, c openai.Client, scenario string, maxTokens int64) (openai.ChatCompletion, error) {
	t.Helper()
	params := openai.ChatCompletionNewParams{
		Model:         "gpt-4o-mini",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if maxTokens > 0 {
		params.MaxCompletionTokens = openai.Int(maxTokens)
	}
	stream := c.Chat.Completions.NewStreaming(t.Context(), params, option.WithHeader("X-Tok-Scenario", scenario))
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatalf("the accumulator refused chunk %s", stream.Current().RawJSON())
		}
	}
	return acc.ChatCompletion, stream.Err()
}

func TestOpenAISDKStreamsWhatTokDecodes(t *testing.T) {
	t.Parallel()
	c, url := newOpenAI(t)
	cc, err := chatStream(t, c, sdkScenario, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	tok := tokText(t, url+"/v1/chat/completions", sdkScenario, body, openAIHeaders...)
	if len(cc.Choices) != 1 {
		t.Fatalf("%d choices, want 1", len(cc.Choices))
	}
	if got := cc.Choices[0].Message.Content; got != tok || got != demoText(20) {
		t.Errorf("SDK text = %q\ntok text = %q\nwant %q", got, tok, demoText(20))
	}
	if cc.Choices[0].FinishReason != "stop" || !strings.HasPrefix(cc.ID, "chatcmpl-") || cc.Model != "gpt-4o-mini" || cc.Created == 0 {
		t.Errorf("finish %q, id %q, model %q, created %d", cc.Choices[0].FinishReason, cc.ID, cc.Model, cc.Created)
	}
	if u := cc.Usage; u.CompletionTokens != 20 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v, want 20 completion tokens", u)
	}
}

func TestOpenAISDKReadsTheToolCall(t *testing.T) {
	t.Parallel()
	c, _ := newOpenAI(t)
	cc, err := chatStream(t, c, "tool,"+sdkScenario, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Choices[0].FinishReason != "tool_calls" || len(cc.Choices[0].Message.ToolCalls) != 1 {
		t.Fatalf("finish %q, tool calls %v", cc.Choices[0].FinishReason, cc.Choices[0].Message.ToolCalls)
	}
	call := cc.Choices[0].Message.ToolCalls[0]
	var args struct{ City, Unit string }
	if err := json.Unmarshal([]byte(call.Function.Arguments), &args); err != nil {
		t.Fatalf("arguments %q: %v", call.Function.Arguments, err)
	}
	if call.Function.Name != "get_weather" || !strings.HasPrefix(call.ID, "call_") || args.City != "Paris" || args.Unit != "celsius" {
		t.Errorf("call = %s %s %+v, want get_weather call_… Paris celsius", call.Function.Name, call.ID, args)
	}
}

func TestOpenAIMaxTokensFinishesWithLength(t *testing.T) {
	t.Parallel()
	c, _ := newOpenAI(t)
	cc, err := chatStream(t, c, sdkScenario, 5)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Choices[0].FinishReason != "length" || cc.Choices[0].Message.Content != demoText(5) {
		t.Errorf("finish %q, text %q: want length after %q", cc.Choices[0].FinishReason, cc.Choices[0].Message.Content, demoText(5))
	}
}

func TestOpenAIReasoningEffortStreamsReasoningContent(t *testing.T) {
	t.Parallel()
	_, url := newOpenAI(t)
	body := `{"model":"m","stream":true,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`
	resp := apiPost(t, url+"/v1/chat/completions", sdkScenario, body, openAIHeaders...)
	raw := new(strings.Builder)
	if _, err := io.Copy(raw, resp.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw.String(), `"reasoning_content":"`) || !strings.HasSuffix(raw.String(), "data: [DONE]\n\n") {
		t.Errorf("stream has no reasoning_content or does not end with [DONE]:\n%s", raw)
	}
}

func TestOpenAIFaultsAreTheSDKsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, scenario string
		status         int // 0: an error event, not an HTTP error
	}{
		{"status 429", "status=429", http.StatusTooManyRequests},
		{"status 503", "status=503", http.StatusServiceUnavailable},
		{"error event", "error-after=3," + sdkScenario, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newOpenAI(t)
			cc, err := chatStream(t, c, tt.scenario, 0)
			var apiErr *openai.Error
			switch {
			case tt.status != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || apiErr.Message == ""):
				t.Errorf("err = %v (%T), want *openai.Error %d with a message", err, err, tt.status)
			case tt.status == 0 && (err == nil || !strings.Contains(err.Error(), "server_error")):
				t.Errorf("err = %v, want the error event's server_error", err)
			case tt.status == 0 && (len(cc.Choices) == 0 || cc.Choices[0].Message.Content != demoText(3)):
				t.Errorf("text before the error = %+v, want %q", cc.Choices, demoText(3))
			}
		})
	}
}

func TestOpenAIRejectsRequestsAsTheAPIDoes(t *testing.T) {
	t.Parallel()
	_, url := newOpenAI(t)
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, body string
		header     []string
		status     int
		code       any
	}{
		{"malformed JSON", `{"model":`, openAIHeaders, 400, nil},
		{"not an object", `"hi"`, openAIHeaders, 400, nil},
		{"missing model", `{"stream":true,` + msgs + `}`, openAIHeaders, 400, nil},
		{"model a number", `{"model":5,"stream":true,` + msgs + `}`, openAIHeaders, 400, nil},
		{"empty messages", `{"model":"m","stream":true,"messages":[]}`, openAIHeaders, 400, nil},
		{"bad role", `{"model":"m","stream":true,"messages":[{"role":"robot","content":"hi"}]}`, openAIHeaders, 400, nil},
		{"content a number", `{"model":"m","stream":true,"messages":[{"role":"user","content":5}]}`, openAIHeaders, 400, nil},
		{"unknown part", `{"model":"m","stream":true,"messages":[{"role":"user","content":[{"type":"nope"}]}]}`, openAIHeaders, 400, nil},
		{"tool without id", `{"model":"m","stream":true,"messages":[{"role":"tool","content":"18C"}]}`, openAIHeaders, 400, nil},
		{"max_tokens 0", `{"model":"m","stream":true,"max_tokens":0,` + msgs + `}`, openAIHeaders, 400, nil},
		{"stream_options without stream", `{"model":"m","stream_options":{"include_usage":true},` + msgs + `}`, openAIHeaders, 400, nil},
		{"stream false", `{"model":"m","stream":false,` + msgs + `}`, openAIHeaders, 400, nil},
		{"no key", `{"model":"m","stream":true,` + msgs + `}`, nil, 401, "invalid_api_key"},
		{"not bearer", `{"model":"m","stream":true,` + msgs + `}`, []string{"Authorization", "Basic eDp5"}, 401, "invalid_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkOpenAIError(t, rejection(t, url+"/v1/chat/completions", tt.status, tt.body, tt.header...), tt.code)
		})
	}
}

// checkOpenAIError checks the shape {"error":{message,type,param,code}}.
func checkOpenAIError(t *testing.T, v map[string]any, code any) {
	t.Helper()
	e, _ := v["error"].(map[string]any)
	msg, _ := e["message"].(string)
	typ, _ := e["type"].(string)
	param, hasParam := e["param"]
	got, hasCode := e["code"]
	if msg == "" || typ != "invalid_request_error" || !hasParam || param != nil || !hasCode || got != code {
		t.Errorf("error = %v, want message, type invalid_request_error, param null, code %v", v, code)
	}
}

func TestOpenAIAcceptsPartsSystemAndToolResults(t *testing.T) {
	t.Parallel()
	_, url := newOpenAI(t)
	body := `{"model":"m","stream":true,"max_completion_tokens":50,"messages":[
		{"role":"developer","content":[{"type":"text","text":"be brief"}]},
		{"role":"user","content":[{"type":"text","text":"hi"}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"sunny"}]}`
	if got := tokText(t, url+"/v1/chat/completions", "tool,"+sdkScenario, body, openAIHeaders...); got != demoText(20) {
		t.Errorf("text after the tool's result = %q, want %q", got, demoText(20))
	}
}

func FuzzOpenAIRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":3,"reasoning_effort":"low","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"tool","tool_call_id":"c","content":"x"}]}`,
		`{"model":5}`, `{"model":"m","max_tokens":-1}`, `{"messages":[{"role":"robot"}]}`, `{`, `null`, `[]`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzAPI(t, "/v1/chat/completions", body, openAIHeaders...)
	})
}
