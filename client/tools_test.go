package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
	"github.com/tokcli/tok/client"
)

// toolConversation is a question, a turn that called a tool, its
// result, and the next question.
var toolConversation = []client.Message{
	{Role: "user", Content: "weather in Paris?"},
	{Role: "assistant", Content: "Let me check.", ToolCalls: []client.ToolCall{{ID: "call_1", Name: "get_weather", Args: `{"city":"Paris"}`}}},
	{Role: client.RoleTool, ToolResults: []client.ToolResult{{ID: "call_1", Name: "get_weather", Content: "18 °C", IsError: false}}},
	{Role: "assistant", Content: "It is 18 °C."},
	{Role: "user", Content: "and tomorrow?"},
}

var weatherTool = client.ToolSpec{Name: "get_weather", Description: "The weather in a city",
	Schema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}

// requestBody is the JSON body of ep's request for msgs.
func requestBody(t *testing.T, ep client.Endpoint, msgs []client.Message) map[string]any {
	t.Helper()
	req, err := ep.Request(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(req.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// asJSON is v marshalled and read back as plain JSON values.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestToolTurnsAreSentAsAnthropicSDKWritesThem(t *testing.T) {
	t.Parallel()
	ep := client.Endpoint{Provider: client.Anthropic, Model: "m", Tools: []client.ToolSpec{weatherTool}}
	body := requestBody(t, ep, toolConversation)
	want := anthropic.MessageNewParams{
		Messages: []anthropic.MessageParam{
			anthropic.NewAssistantMessage(anthropic.NewTextBlock("Let me check."),
				anthropic.NewToolUseBlock("call_1", map[string]any{"city": "Paris"}, "get_weather")),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock("call_1", "18 °C", false), anthropic.NewTextBlock("unused")),
		},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather",
			Description: anthropic.String("The weather in a city"),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}},
				Required: []string{"city"}}}}},
	}
	w := asJSON(t, want).(map[string]any)
	msgs := body["messages"].([]any)
	sameJSON(t, "the turn that called the tool", msgs[1], w["messages"].([]any)[0])
	// is_error false is left out by tok and sent by the SDK: the same to the API.
	result := w["messages"].([]any)[1].(map[string]any)["content"].([]any)[0].(map[string]any)
	delete(result, "is_error")
	sameJSON(t, "the tool result", msgs[2].(map[string]any)["content"].([]any)[0], result)
	sameJSON(t, "tools", body["tools"], w["tools"])
	if got := msgs[len(msgs)-1].(map[string]any)["content"]; got != "and tomorrow?" {
		t.Errorf("the last turn = %v", got)
	}
}

func TestToolTurnsAreSentAsOpenAIChatSDKWritesThem(t *testing.T) {
	t.Parallel()
	ep := client.Endpoint{Provider: client.OpenAI, Model: "m", Tools: []client.ToolSpec{weatherTool}}
	body := requestBody(t, ep, toolConversation)
	call := openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
		ID: "call_1", Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}
	assistant := openai.AssistantMessage("Let me check.")
	assistant.OfAssistant.ToolCalls = []openai.ChatCompletionMessageToolCallUnionParam{call}
	want := openai.ChatCompletionNewParams{
		Messages: []openai.ChatCompletionMessageParamUnion{assistant, openai.ToolMessage("18 °C", "call_1")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "get_weather", Description: openai.String("The weather in a city"),
			Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}},
				"required": []string{"city"}}})},
	}
	w := asJSON(t, want).(map[string]any)
	msgs := body["messages"].([]any)
	sameJSON(t, "the turn that called the tool, and its result", msgs[1:3], w["messages"])
	sameJSON(t, "tools", body["tools"], w["tools"])

	// A turn of calls alone has no content, as the SDK writes it.
	only := []client.Message{{Role: "user", Content: "q"}, {Role: "assistant", ToolCalls: toolConversation[1].ToolCalls}, toolConversation[2]}
	if _, ok := requestBody(t, ep, only)["messages"].([]any)[1].(map[string]any)["content"]; ok {
		t.Error("a turn of tool calls alone has content")
	}
}

func TestToolTurnsAreSentAsOpenAIResponsesSDKWritesThem(t *testing.T) {
	t.Parallel()
	ep := client.Endpoint{Provider: client.OpenAI, API: client.APIResponses, Model: "m", Tools: []client.ToolSpec{weatherTool}}
	body := requestBody(t, ep, toolConversation)
	output := responses.ResponseInputItemParamOfFunctionCallOutput("18 °C")
	output.OfFunctionCallOutput.CallID = openai.String("call_1")
	want := responses.ResponseNewParams{
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfFunctionCall(`{"city":"Paris"}`, "call_1", "get_weather"), output}},
		Tools: []responses.ToolUnionParam{{OfFunction: &responses.FunctionToolParam{Name: "get_weather",
			Description: openai.String("The weather in a city"), Strict: openai.Bool(false),
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}},
				"required": []string{"city"}}}}},
	}
	w := asJSON(t, want).(map[string]any)
	input := body["input"].([]any)
	sameJSON(t, "the call and its output", input[2:4], w["input"])
	sameJSON(t, "tools", body["tools"], w["tools"])
	sameJSON(t, "the text before the call", input[1], map[string]any{"role": "assistant", "content": "Let me check."})
}

func TestToolTurnsAreSentInGeminisDocumentedShape(t *testing.T) {
	t.Parallel()
	ep := client.Endpoint{Provider: client.Gemini, Model: "m", Tools: []client.ToolSpec{weatherTool}}
	msgs := append([]client.Message(nil), toolConversation...)
	msgs[1].ToolCalls = []client.ToolCall{{ID: "get_weather", Name: "get_weather", Args: `{"city":"Paris"}`, Signature: "sig"}}
	msgs[2].ToolResults = []client.ToolResult{{ID: "get_weather", Name: "get_weather", Content: "18 °C"}}
	body := requestBody(t, ep, msgs[:3])
	// https://ai.google.dev/gemini-api/docs/function-calling: a model turn
	// with functionCall parts (and their thoughtSignature), then a user turn
	// of functionResponse parts whose response is an object.
	want := `[{"parts":[{"text":"weather in Paris?"}],"role":"user"},` +
		`{"parts":[{"text":"Let me check."},{"functionCall":{"args":{"city":"Paris"},"name":"get_weather"},"thoughtSignature":"sig"}],"role":"model"},` +
		`{"parts":[{"functionResponse":{"name":"get_weather","response":{"output":"18 °C"}}}],"role":"user"}]`
	var w any
	json.Unmarshal([]byte(want), &w)
	sameJSON(t, "contents", body["contents"], w)
	var tools any
	json.Unmarshal([]byte(`[{"functionDeclarations":[{"name":"get_weather","description":"The weather in a city",`+
		`"parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}]`), &tools)
	sameJSON(t, "tools", body["tools"], tools)
}

func TestToolTurnsAreToldInWordsWhereNoToolsAreOffered(t *testing.T) {
	t.Parallel()
	for name, ep := range map[string]client.Endpoint{
		"a URL":                {URL: "http://127.0.0.1:1/chat"},
		"a provider, no tools": {Provider: client.Anthropic, Model: "m"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var roles []string
			var second string
			for i, m := range requestBody(t, ep, toolConversation)["messages"].([]any) {
				roles = append(roles, m.(map[string]any)["role"].(string))
				if i == 1 {
					second = fmt.Sprint(m.(map[string]any)["content"])
				}
			}
			if got := strings.Join(roles, " "); got != "user assistant user" {
				t.Errorf("roles = %s, want user assistant user", got)
			}
			want := "Let me check.\n\n[called get_weather {\"city\":\"Paris\"}, which returned 18 °C]\n\nIt is 18 °C."
			if second != want {
				t.Errorf("the answer = %q, want %q", second, want)
			}
		})
	}
}

// fakeRunner offers tools and answers every call with result(call).
type fakeRunner struct {
	specs  []client.ToolSpec
	result func(client.ToolCall) client.ToolResult
	mu     sync.Mutex
	calls  []client.ToolCall
}

func (f *fakeRunner) Tools(context.Context) []client.ToolSpec { return f.specs }

func (f *fakeRunner) RunTools(ctx context.Context, calls []client.ToolCall, emit func(client.Event)) []client.ToolResult {
	f.mu.Lock()
	f.calls = append(f.calls, calls...)
	f.mu.Unlock()
	var out []client.ToolResult
	for _, c := range calls {
		emit(client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{ID: c.ID, Name: c.Name, Args: c.Args}})
		r := f.result(c)
		r.ID, r.Name = c.ID, c.Name
		emit(client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: c.ID, Name: c.Name, Result: r.Content, IsError: r.IsError}})
		out = append(out, r)
	}
	return out
}

func weather(client.ToolCall) client.ToolResult { return client.ToolResult{Content: "Paris: 18 °C"} }

func TestChatToolsRunsTheCallAndStreamsTheContinuationInEveryAPI(t *testing.T) {
	rs := newRecordingServer(t)
	for name, ep := range providerCases(rs.URL) {
		t.Run(name, func(t *testing.T) {
			ep.Key, ep.Header = "k", scenario("tokens=6,interval=0,first=0,tool")
			run := &fakeRunner{specs: []client.ToolSpec{weatherTool}, result: weather}
			s, err := client.New(client.Config{}).ChatTools(context.Background(), ep,
				[]client.Message{{Role: "user", Content: "weather " + name}}, client.ToolLoop{Runner: run})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			var text string
			for ev, err := range s.Events() {
				if err != nil {
					t.Fatalf("%v (after %v)", err, kinds)
				}
				if ev.Kind == client.KindText {
					text += ev.Text
					if len(kinds) > 0 && kinds[len(kinds)-1] == "text" {
						continue
					}
				}
				if ev.Kind != client.KindToolArgs && ev.Kind != client.KindUsage {
					kinds = append(kinds, ev.Kind.String())
				}
			}
			want := "start text tool_start tool_executing tool_result text done"
			if got := strings.Join(kinds, " "); got != want {
				t.Errorf("events = %s, want %s", got, want)
			}
			if len(run.calls) != 1 || !strings.Contains(run.calls[0].Args, "Paris") {
				t.Errorf("calls = %+v", run.calls)
			}
			last, _ := json.Marshal(rs.last(t).body)
			if !strings.Contains(string(last), "Paris: 18 °C") {
				t.Errorf("the continuation's request lacks the result: %s", last)
			}
		})
	}
}

// alwaysCalls is an OpenAI-compatible server whose model calls a tool in
// every answer.
func alwaysCalls(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}]}`+"\n\n")
		fmt.Fprint(w, `data: {"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`+"\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestChatToolsStopsAtTheStepLimitAndSaysSo(t *testing.T) {
	t.Parallel()
	srv := alwaysCalls(t)
	run := &fakeRunner{specs: []client.ToolSpec{weatherTool}, result: weather}
	ep := client.Endpoint{Provider: client.OpenAI, BaseURL: srv.URL, Model: "m"}
	s, err := client.New(client.Config{}).ChatTools(context.Background(), ep, []client.Message{{Role: "user", Content: "q"}},
		client.ToolLoop{Runner: run, MaxSteps: 2})
	if err != nil {
		t.Fatal(err)
	}
	var last client.Event
	var notRun int
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == client.KindToolResult && ev.Tool.IsError && strings.Contains(ev.Tool.Result, "limit of 2") {
			notRun++
		}
		last = ev
	}
	if len(run.calls) != 2 {
		t.Errorf("ran %d calls, want 2 (the limit)", len(run.calls))
	}
	if last.Kind != client.KindDone || last.StopReason != client.StopMaxSteps || notRun != 1 {
		t.Errorf("the end = %+v with %d not-run results, want done %q and one", last, notRun, client.StopMaxSteps)
	}
}

func TestAnAnswerGivesEveryCallOneResult(t *testing.T) {
	t.Parallel()
	var a client.Answer
	for _, ev := range []client.Event{
		{Kind: client.KindText, Text: "Checking."},
		{Kind: client.KindToolStart, Tool: client.Tool{ID: "get_weather", Name: "get_weather"}},
		{Kind: client.KindToolArgs, Tool: client.Tool{ID: "get_weather"}, Text: `{"city":"Paris"}`},
		{Kind: client.KindToolStart, Tool: client.Tool{ID: "get_weather", Name: "get_weather"}}, // Gemini: no ids
		{Kind: client.KindToolArgs, Tool: client.Tool{ID: "get_weather"}, Text: `{"city":"Rome"}`},
		{Kind: client.KindToolResult, Tool: client.Tool{ID: "get_weather", Name: "get_weather", Result: "18 °C"}},
	} {
		a.Add(ev)
	}
	msgs := a.Messages()
	if len(msgs) != 2 || msgs[0].Role != "assistant" || msgs[1].Role != client.RoleTool {
		t.Fatalf("messages = %+v", msgs)
	}
	calls, results := msgs[0].ToolCalls, msgs[1].ToolResults
	if len(calls) != 2 || calls[0].ID == calls[1].ID || calls[1].Args != `{"city":"Rome"}` {
		t.Errorf("calls = %+v, want two with their own IDs and arguments", calls)
	}
	if len(results) != 2 || results[0].Content != "18 °C" || results[1].Content != client.NotRun || !results[1].IsError {
		t.Errorf("results = %+v, want the first's, then one that says it was not run", results)
	}
	if p := a.Pending(); len(p) != 1 || p[0].ID != calls[1].ID {
		t.Errorf("pending = %+v, want the second call", p)
	}
}

// The stop key during a running tool stops the answer as the stop key
// stops any HTTP answer: a *StopError (errors.Is context.Canceled), and
// the tool's context is cancelled.
func TestInterruptingARunningToolStopsTheAnswer(t *testing.T) {
	t.Parallel()
	srv := alwaysCalls(t)
	running, cancelled := make(chan struct{}), make(chan struct{})
	run := &fakeRunner{specs: []client.ToolSpec{weatherTool}, result: func(client.ToolCall) client.ToolResult {
		return client.ToolResult{Content: "never"}
	}}
	hang := &hangingRunner{fakeRunner: run, running: running, cancelled: cancelled}
	ep := client.Endpoint{Provider: client.OpenAI, BaseURL: srv.URL, Model: "m"}
	s, err := client.New(client.Config{}).ChatTools(context.Background(), ep, []client.Message{{Role: "user", Content: "q"}},
		client.ToolLoop{Runner: hang})
	if err != nil {
		t.Fatal(err)
	}
	go func() { <-running; s.Interrupt(time.Second) }()
	var end error
	for _, err := range s.Events() {
		end = err
	}
	var se *client.StopError
	if !errors.As(end, &se) || !errors.Is(end, context.Canceled) {
		t.Errorf("the answer ended with %v, want a *client.StopError", end)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Error("the running tool's context was not cancelled")
	}
}

// hangingRunner's calls run until their context ends.
type hangingRunner struct {
	*fakeRunner
	running, cancelled chan struct{}
}

func (h *hangingRunner) RunTools(ctx context.Context, calls []client.ToolCall, emit func(client.Event)) []client.ToolResult {
	close(h.running)
	<-ctx.Done()
	close(h.cancelled)
	return nil
}
