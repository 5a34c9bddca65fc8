package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/responses"
)

// streamedResponse is what the SDK's Responses stream delivered.
type streamedResponse struct {
	text, reasoning string
	final           responses.Response // of response.completed or response.incomplete
	seqs            []int64
	err             error
}

// responsesStream streams the answer to "hi" under scenario through the SDK.
func responsesStream(t *testing.T, c openai.Client, scenario string, params responses.ResponseNewParams) streamedResponse {
	t.Helper()
	params.Model = "gpt-4o"
	params.Input = responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}
	stream := c.Responses.NewStreaming(t.Context(), params, option.WithHeader("X-Tok-Scenario", scenario))
	defer stream.Close()
	var r streamedResponse
	for stream.Next() {
		ev := stream.Current()
		r.seqs = append(r.seqs, ev.SequenceNumber)
		switch ev.Type {
		case "response.output_text.delta":
			r.text += ev.Delta
		case "response.reasoning_text.delta":
			r.reasoning += ev.Delta
		case "response.completed", "response.incomplete":
			r.final = ev.Response
		}
	}
	r.err = stream.Err()
	return r
}

func TestResponsesSDKStreamsWhatTokDecodes(t *testing.T) {
	t.Parallel()
	c, url := newOpenAI(t)
	r := responsesStream(t, c, sdkScenario, responses.ResponseNewParams{})
	if r.err != nil {
		t.Fatal(r.err)
	}
	body := `{"model":"gpt-4o","stream":true,"input":"hi"}`
	tok := tokText(t, url+"/v1/responses", sdkScenario, body, openAIHeaders...)
	if r.text != tok || r.text != demoText(20) || r.final.OutputText() != r.text {
		t.Errorf("SDK deltas = %q\nSDK output = %q\ntok text = %q\nwant %q", r.text, r.final.OutputText(), tok, demoText(20))
	}
	f := r.final
	if f.Status != "completed" || !strings.HasPrefix(f.ID, "resp_") || f.Model != "gpt-4o" || f.CreatedAt == 0 {
		t.Errorf("response %s: status %q, model %q, created %v", f.ID, f.Status, f.Model, f.CreatedAt)
	}
	if u := f.Usage; u.OutputTokens != 20 || u.TotalTokens != u.InputTokens+u.OutputTokens {
		t.Errorf("usage = %+v, want 20 output tokens", u)
	}
	for i, s := range r.seqs {
		if s != int64(i) {
			t.Fatalf("sequence numbers = %v, want 0, 1, 2 …", r.seqs)
		}
	}
}

func TestResponsesSDKReadsTheFunctionCall(t *testing.T) {
	t.Parallel()
	c, _ := newOpenAI(t)
	r := responsesStream(t, c, "tool,"+sdkScenario, responses.ResponseNewParams{})
	if r.err != nil {
		t.Fatal(r.err)
	}
	out := r.final.Output
	if len(out) != 2 || out[0].Type != "message" || out[1].Type != "function_call" {
		t.Fatalf("output = %s, want a message then a function call", r.final.RawJSON())
	}
	call := out[1].AsFunctionCall()
	var args struct{ City, Unit string }
	if err := json.Unmarshal([]byte(call.Arguments), &args); err != nil {
		t.Fatalf("arguments %q: %v", call.Arguments, err)
	}
	if call.Name != "get_weather" || !strings.HasPrefix(call.CallID, "call_") || !strings.HasPrefix(call.ID, "fc_") || args.City != "Paris" || args.Unit != "celsius" {
		t.Errorf("call = %s %s %s %+v, want get_weather call_… fc_… Paris celsius", call.Name, call.CallID, call.ID, args)
	}
}

func TestResponsesSDKReadsReasoning(t *testing.T) {
	t.Parallel()
	c, _ := newOpenAI(t)
	params := responses.ResponseNewParams{Reasoning: openai.ReasoningParam{Effort: openai.ReasoningEffortLow}}
	r := responsesStream(t, c, sdkScenario, params)
	if r.err != nil {
		t.Fatal(r.err)
	}
	out := r.final.Output
	if r.reasoning == "" || len(out) != 2 || out[0].Type != "reasoning" || !strings.HasPrefix(out[0].ID, "rs_") {
		t.Fatalf("reasoning %q, output %s: want a reasoning item first", r.reasoning, r.final.RawJSON())
	}
	if got := out[0].AsReasoning().Content; len(got) != 1 || got[0].Text != r.reasoning {
		t.Errorf("reasoning item content = %+v, want the deltas %q", got, r.reasoning)
	}
	if r.final.Usage.OutputTokensDetails.ReasoningTokens == 0 {
		t.Errorf("usage = %+v, want reasoning tokens", r.final.Usage)
	}
}

func TestResponsesMaxOutputTokensIsIncomplete(t *testing.T) {
	t.Parallel()
	c, _ := newOpenAI(t)
	r := responsesStream(t, c, "tokens=40,interval=0,first=0", responses.ResponseNewParams{MaxOutputTokens: openai.Int(16)})
	if r.err != nil {
		t.Fatal(r.err)
	}
	f := r.final
	if f.Status != "incomplete" || f.IncompleteDetails.Reason != "max_output_tokens" || len(r.text) == 0 {
		t.Errorf("status %q, reason %q, text %q: want incomplete for max_output_tokens", f.Status, f.IncompleteDetails.Reason, r.text)
	}
}

func TestResponsesFaultsAreTheSDKsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, scenario string
		status         int // 0: an error event, not an HTTP error
	}{
		{"status 429", "status=429", http.StatusTooManyRequests},
		{"status 500", "status=500", http.StatusInternalServerError},
		{"error event", "error-after=3," + sdkScenario, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newOpenAI(t)
			r := responsesStream(t, c, tt.scenario, responses.ResponseNewParams{})
			var apiErr *openai.Error
			var streamErr *ssestream.StreamError
			switch {
			case tt.status != 0 && (!errors.As(r.err, &apiErr) || apiErr.StatusCode != tt.status):
				t.Errorf("err = %v (%T), want *openai.Error %d", r.err, r.err, tt.status)
			case tt.status == 0 && (!errors.As(r.err, &streamErr) || !strings.Contains(streamErr.Message, "server_error")):
				t.Errorf("err = %v (%T), want the error event as a *ssestream.StreamError", r.err, r.err)
			case tt.status == 0 && r.text != demoText(3):
				t.Errorf("text before the error = %q, want %q", r.text, demoText(3))
			}
		})
	}
}

func TestResponsesRejectsRequestsAsTheAPIDoes(t *testing.T) {
	t.Parallel()
	_, url := newOpenAI(t)
	tests := []struct {
		name, body string
		header     []string
		status     int
		code       any
	}{
		{"malformed JSON", `{"model":`, openAIHeaders, 400, nil},
		{"not an object", `[1]`, openAIHeaders, 400, nil},
		{"missing model", `{"stream":true,"input":"hi"}`, openAIHeaders, 400, nil},
		{"model a number", `{"model":5,"stream":true,"input":"hi"}`, openAIHeaders, 400, nil},
		{"missing input", `{"model":"m","stream":true}`, openAIHeaders, 400, nil},
		{"input a number", `{"model":"m","stream":true,"input":5}`, openAIHeaders, 400, nil},
		{"bad role", `{"model":"m","stream":true,"input":[{"role":"robot","content":"hi"}]}`, openAIHeaders, 400, nil},
		{"unknown item", `{"model":"m","stream":true,"input":[{"type":"nope"}]}`, openAIHeaders, 400, nil},
		{"output without call_id", `{"model":"m","stream":true,"input":[{"type":"function_call_output","output":"x"}]}`, openAIHeaders, 400, nil},
		{"max_output_tokens below 16", `{"model":"m","stream":true,"input":"hi","max_output_tokens":5}`, openAIHeaders, 400, nil},
		{"reasoning a string", `{"model":"m","stream":true,"input":"hi","reasoning":"high"}`, openAIHeaders, 400, nil},
		{"stream false", `{"model":"m","stream":false,"input":"hi"}`, openAIHeaders, 400, nil},
		{"stream absent", `{"model":"m","input":"hi"}`, openAIHeaders, 400, nil},
		{"no key", `{"model":"m","stream":true,"input":"hi"}`, nil, 401, "invalid_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkOpenAIError(t, rejection(t, url+"/v1/responses", tt.status, tt.body, tt.header...), tt.code)
		})
	}
}

func TestResponsesAcceptsItemsAndFunctionOutputs(t *testing.T) {
	t.Parallel()
	_, url := newOpenAI(t)
	body := `{"model":"m","stream":true,"instructions":"be brief","input":[
		{"role":"developer","content":"terse"},
		{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},
		{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},
		{"type":"function_call_output","call_id":"call_1","output":"sunny"}]}`
	if got := tokText(t, url+"/v1/responses", "tool,"+sdkScenario, body, openAIHeaders...); got != demoText(20) {
		t.Errorf("text after the function's output = %q, want %q", got, demoText(20))
	}
}

func FuzzResponsesRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","stream":true,"input":"hi"}`,
		`{"model":"m","stream":true,"instructions":"s","max_output_tokens":16,"reasoning":{"effort":"low"},"input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"function_call_output","call_id":"c","output":"x"}]}`,
		`{"model":5}`, `{"model":"m","input":[{"type":"x"}]}`, `{"input":[{"role":"robot"}]}`, `{`, `null`, `[]`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzAPI(t, "/v1/responses", body, openAIHeaders...)
	})
}
