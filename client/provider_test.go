package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// recordingServer is tok serve in process, keeping every request's
// headers and body.
type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path   string
	header http.Header
	body   map[string]any
}

func newRecordingServer(t *testing.T) *recordingServer {
	t.Helper()
	rs := &recordingServer{}
	inner := server.New(server.Config{})
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		rs.mu.Lock()
		rs.reqs = append(rs.reqs, recorded{r.URL.Path, r.Header.Clone(), body})
		rs.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) last(t *testing.T) recorded {
	t.Helper()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if len(rs.reqs) == 0 {
		t.Fatal("the server saw no request")
	}
	return rs.reqs[len(rs.reqs)-1]
}

// answer is what one stream delivered.
type answer struct {
	text, thinking, tool, toolArgs string
	usage                          client.Usage
	done                           bool
	dialect                        client.Dialect
}

func read(t *testing.T, ep client.Endpoint, msgs []client.Message) answer {
	t.Helper()
	req, err := ep.Request(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.New(client.Config{}).Stream(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", ep.Target(), err)
	}
	var a answer
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatalf("%s: %v", ep.Target(), err)
		}
		switch ev.Kind {
		case client.KindText:
			a.text += ev.Text
		case client.KindThinking:
			a.thinking += ev.Text
		case client.KindToolStart:
			a.tool = ev.Tool.Name
		case client.KindToolArgs:
			a.toolArgs += ev.Text
		case client.KindUsage:
			a.usage = ev.Usage
		case client.KindDone:
			a.done = true
		case client.KindError:
			t.Fatalf("%s: error event %v", ep.Target(), ev.Err)
		}
		a.dialect = s.Dialect()
	}
	return a
}

// providerCases are the provider endpoints of tok serve at base.
func providerCases(base string) map[string]client.Endpoint {
	return map[string]client.Endpoint{
		"anthropic":        {Provider: client.Anthropic, BaseURL: base, Model: "claude-test"},
		"openai chat":      {Provider: client.OpenAI, BaseURL: base + "/v1", Model: "gpt-test"},
		"openai responses": {Provider: client.OpenAI, API: client.APIResponses, BaseURL: base + "/v1", Model: "gpt-test"},
		"gemini":           {Provider: client.Gemini, BaseURL: base, Model: "gemini-test"},
	}
}

var wantDialect = map[string]client.Dialect{
	"anthropic": client.DialectAnthropic, "openai chat": client.DialectOpenAIChat,
	"openai responses": client.DialectOpenAIResponses, "gemini": client.DialectGemini,
}

func scenario(s string) http.Header { return http.Header{"X-Tok-Scenario": {s}} }

func TestProvidersStreamTheTextUsageThinkingAndTools(t *testing.T) {
	rs := newRecordingServer(t)
	msgs := []client.Message{{Role: "user", Content: "hello there"}}
	// What tok's own protocol streams for the same prompt is the truth.
	want := read(t, client.Endpoint{URL: rs.URL + "/api/chat/stream", Header: scenario("tokens=30,interval=0,first=0")}, msgs)
	if want.text == "" {
		t.Fatal("tok's protocol streamed no text")
	}
	for name, ep := range providerCases(rs.URL) {
		t.Run(name, func(t *testing.T) {
			ep.Key = "test-key"
			ep.Header = scenario("tokens=30,interval=0,first=0")
			got := read(t, ep, msgs)
			if got.text != want.text {
				t.Errorf("text = %q\nwant %q", got.text, want.text)
			}
			if got.usage.OutputTokens != 30 || got.usage.InputTokens == 0 {
				t.Errorf("usage = %+v, want 30 output tokens and some input", got.usage)
			}
			if !got.done || got.dialect != wantDialect[name] {
				t.Errorf("done = %v, dialect = %q", got.done, got.dialect)
			}

			ep.Thinking = client.Thinking{Effort: "low"} // the request asks; the server reasons
			if got := read(t, ep, msgs); got.thinking == "" || got.text != want.text {
				t.Errorf("with --thinking low: thinking %q, text %q", got.thinking, got.text)
			}

			ep.Thinking = client.Thinking{}
			ep.Header = scenario("tokens=5,interval=0,first=0,tool")
			if got := read(t, ep, msgs); got.tool != "get_weather" || !strings.Contains(got.toolArgs, "Paris") {
				t.Errorf("tool call: %q %q", got.tool, got.toolArgs)
			}
		})
	}
}

func TestProvidersSendTheConversationInTheirOwnShape(t *testing.T) {
	rs := newRecordingServer(t)
	msgs := []client.Message{
		{Role: "user", Content: "first question"},
		{Role: "assistant", Content: "first answer"},
		{Role: "user", Content: "second question"},
	}
	temp := 0.5
	tests := map[string]struct {
		header map[string]string // header: value ("*" any non-empty)
		body   string            // the body's JSON, keys sorted
	}{
		"anthropic": {
			header: map[string]string{"X-Api-Key": "test-key", "Anthropic-Version": "2023-06-01", "Content-Type": "application/json"},
			body: `{"max_tokens":100,"messages":[{"content":"first question","role":"user"},{"content":"first answer","role":"assistant"},` +
				`{"content":"second question","role":"user"}],"model":"claude-test","stream":true,"system":"be brief","temperature":0.5}`,
		},
		"openai chat": {
			header: map[string]string{"Authorization": "Bearer test-key"},
			body: `{"max_tokens":100,"messages":[{"content":"be brief","role":"system"},{"content":"first question","role":"user"},` +
				`{"content":"first answer","role":"assistant"},{"content":"second question","role":"user"}],"model":"gpt-test",` +
				`"stream":true,"stream_options":{"include_usage":true},"temperature":0.5}`,
		},
		"openai responses": {
			header: map[string]string{"Authorization": "Bearer test-key"},
			body: `{"input":[{"content":"first question","role":"user"},{"content":"first answer","role":"assistant"},` +
				`{"content":"second question","role":"user"}],"instructions":"be brief","max_output_tokens":100,"model":"gpt-test",` +
				`"store":false,"stream":true,"temperature":0.5}`,
		},
		"gemini": {
			header: map[string]string{"X-Goog-Api-Key": "test-key"},
			body: `{"contents":[{"parts":[{"text":"first question"}],"role":"user"},{"parts":[{"text":"first answer"}],"role":"model"},` +
				`{"parts":[{"text":"second question"}],"role":"user"}],"generationConfig":{"maxOutputTokens":100,"temperature":0.5},` +
				`"systemInstruction":{"parts":[{"text":"be brief"}]}}`,
		},
	}
	for name, ep := range providerCases(rs.URL) {
		t.Run(name, func(t *testing.T) {
			tt := tests[name]
			ep.Key, ep.System, ep.MaxTokens, ep.Temperature = "test-key", "be brief", 100, &temp
			ep.Header = scenario("tokens=3,interval=0,first=0")
			if got := read(t, ep, msgs); got.text == "" {
				t.Fatal("no text")
			}
			r := rs.last(t)
			for k, v := range tt.header {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			body, _ := json.Marshal(r.body) // map keys come out sorted
			if string(body) != tt.body {
				t.Errorf("body:\n got %s\nwant %s", body, tt.body)
			}
		})
	}
}

func TestProviderRequestsTidyTheConversation(t *testing.T) {
	rs := newRecordingServer(t)
	ep := providerCases(rs.URL)["anthropic"]
	ep.Key, ep.Header = "k", scenario("tokens=2,interval=0,first=0")
	// A failed turn left no answer: two user turns in a row, and an empty
	// assistant turn, which Anthropic would refuse.
	read(t, ep, []client.Message{{Role: "user", Content: "a"}, {Role: "assistant", Content: " "}, {Role: "user", Content: "b"}})
	got, _ := json.Marshal(rs.last(t).body["messages"])
	if want := `[{"content":"a\n\nb","role":"user"}]`; string(got) != want {
		t.Errorf("messages = %s, want %s", got, want)
	}
}

// TestEndpointCheckNamesTheField: a setting the API cannot take is a
// *FieldError naming the field and its value, and no flag (the value may
// have come from the config file); cmd says where it came from.
func TestEndpointCheckNamesTheField(t *testing.T) {
	hot := 3.0
	tests := []struct {
		ep          client.Endpoint
		field, want string
	}{
		{client.Endpoint{Provider: client.Anthropic, API: "responses"}, "api", "api responses is OpenAI's; anthropic has one API"},
		{client.Endpoint{Provider: client.OpenAI, Thinking: client.Thinking{Budget: 2000}}, "thinking", "thinking 2000: OpenAI takes an effort"},
		{client.Endpoint{Provider: client.Anthropic, Thinking: client.Thinking{Budget: 100}}, "thinking", "smallest budget is 1024"},
		{client.Endpoint{Provider: client.Gemini, Temperature: &hot}, "temperature", "temperature 3 is out of range"},
		{client.Endpoint{Provider: client.OpenAI, API: "assistants"}, "api", `api "assistants": give chat or responses`},
		{client.Endpoint{Provider: client.OpenAI, MaxTokens: -1}, "max_tokens", "max_tokens -1 is negative"},
		{client.Endpoint{Provider: "mistral"}, "provider", `provider "mistral": tok speaks anthropic, openai and gemini`},
	}
	for _, tt := range tests {
		err := tt.ep.Check()
		var fe *client.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "--") {
			t.Errorf("%+v: err = %v, want a FieldError of %s with %q and no flag", tt.ep, err, tt.field, tt.want)
		}
	}
	if err := (client.Endpoint{Provider: client.OpenAI, Thinking: client.Thinking{Effort: "high"}}).Check(); err != nil {
		t.Errorf("a good endpoint: %v", err)
	}
	if err := (client.Endpoint{Provider: client.Anthropic, API: client.APIChat}).Check(); err != nil {
		t.Errorf("anthropic's one API called chat: %v", err)
	}
}

func TestThinkingBudgetsAndDefaults(t *testing.T) {
	rs := newRecordingServer(t)
	cases := providerCases(rs.URL)
	ep := cases["anthropic"]
	ep.Key, ep.Header, ep.Thinking = "k", scenario("tokens=2,interval=0,first=0"), client.Thinking{Effort: "medium"}
	read(t, ep, []client.Message{{Role: "user", Content: "q"}})
	body := rs.last(t).body
	th, _ := json.Marshal(body["thinking"])
	if string(th) != `{"budget_tokens":4096,"type":"enabled"}` || body["max_tokens"] != float64(4096+client.DefaultMaxTokens) {
		t.Errorf("anthropic thinking = %s, max_tokens = %v", th, body["max_tokens"])
	}
	ep = cases["gemini"]
	ep.Key, ep.Header, ep.Thinking = "k", scenario("tokens=2,interval=0,first=0"), client.Thinking{Off: true}
	read(t, ep, []client.Message{{Role: "user", Content: "q"}})
	gc, _ := json.Marshal(rs.last(t).body["generationConfig"])
	if string(gc) != `{"thinkingConfig":{"includeThoughts":false,"thinkingBudget":0}}` {
		t.Errorf("gemini --thinking off: generationConfig = %s", gc)
	}
	for _, bad := range []string{"lots", "-5"} {
		var fe *client.FieldError
		if _, err := client.ParseThinking(bad); !errors.As(err, &fe) || fe.Field != "thinking" {
			t.Errorf("ParseThinking(%q) = %v, want a FieldError of thinking", bad, err)
		}
	}
}
