package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// quick is the scenario of the dialect tests: 20 tokens, no pauses.
const quick = "tokens=20,interval=0,first=0"

const geminiPath = "/v1beta/models/tok-demo:streamGenerateContent?alt=sse"

// decoded is what tok's own decoder read from an answer's body.
type decoded struct {
	raw      string
	dialect  client.Dialect
	tokens   []string // the text events, in order
	thinking int
	tool     client.Tool
	toolArgs string
	usage    *client.Usage
	stop     string
	done     bool
	errEv    *client.ServerError
	err      error
}

func (d decoded) text() string { return strings.Join(d.tokens, "") }

// decodeBody reads the whole body, then decodes it with client.NewStream.
func decodeBody(t *testing.T, resp *http.Response) decoded {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return decodeBytes(raw)
}

func decodeBytes(raw []byte) decoded {
	d := decoded{raw: string(raw)}
	s := client.NewStream(bytes.NewReader(raw))
	for ev, err := range s.Events() {
		if err != nil {
			if d.errEv == nil || err != error(d.errEv) { // not the error event's own error
				d.err = err
			}
			break
		}
		switch ev.Kind {
		case client.KindText:
			d.tokens = append(d.tokens, ev.Text)
		case client.KindThinking:
			d.thinking++
		case client.KindToolStart:
			d.tool = ev.Tool
		case client.KindToolArgs:
			d.toolArgs += ev.Text
		case client.KindToolResult:
			d.tool.Result = ev.Tool.Result
		case client.KindUsage:
			d.usage = &ev.Usage
		case client.KindDone:
			d.done, d.stop = true, ev.StopReason
		case client.KindError:
			d.errEv = ev.Err
		}
	}
	d.dialect = s.Dialect()
	return d
}

// protocolTokens is the text tok's protocol streams for the same prompt
// and scenario, token by token: what every dialect must say.
func protocolTokens(t *testing.T, base, prompt, scenario string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"messages": []client.Message{{Role: "user", Content: prompt}}})
	d := decodeBody(t, apiPost(t, base+"/api/chat/stream", scenario, string(body)))
	if d.err != nil || d.dialect != client.DialectTok {
		t.Fatalf("tok's protocol: dialect %s, err %v", d.dialect, d.err)
	}
	return d.tokens
}

func geminiUser(prompt string) string {
	b, _ := json.Marshal(prompt)
	return `{"contents":[{"role":"user","parts":[{"text":` + string(b) + `}]}]}`
}

func TestGeminiStreamDecodesToTheDemoAnswer(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	const prompt = "What is tok?"
	withResult := `{"contents":[{"parts":[{"text":"What is tok?"}]},
		{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
		{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temperature":18}}}]}]}`
	tests := []struct {
		name, scenario, body string
		tokens               int // of tok's protocol answer the text must equal; -1: all
		stop                 string
		thinking, tool, fail bool
		output               int // usage.OutputTokens; 0: not checked
	}{
		{"text", quick, geminiUser(prompt), -1, "stop", false, false, false, 20},
		{"thinking knob", quick + ",thinking", geminiUser(prompt), -1, "stop", true, false, false, 0},
		{"thinkingConfig with includeThoughts", quick, `{"contents":[{"parts":[{"text":"What is tok?"}]}],
			"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`, -1, "stop", true, false, false, 0},
		{"function call ends the turn", quick + ",tool", geminiUser(prompt), 3, "stop", false, true, false, 0},
		{"function response in the last turn", quick + ",tool", withResult, -1, "stop", false, false, false, 20},
		{"maxOutputTokens", quick, `{"contents":[{"parts":[{"text":"What is tok?"}]}],
			"systemInstruction":{"parts":[{"text":"Be brief."}]},"generationConfig":{"maxOutputTokens":5}}`, 5, "max_tokens", false, false, false, 5},
		{"error-after", quick + ",error-after=3", geminiUser(prompt), 3, "", false, false, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := protocolTokens(t, ts.URL, prompt, quick)
			if tt.tokens >= 0 {
				want = want[:tt.tokens]
			}
			d := decodeBody(t, apiPost(t, ts.URL+geminiPath, tt.scenario, tt.body, "x-goog-api-key", "test"))
			if d.err != nil || d.dialect != client.DialectGemini {
				t.Fatalf("dialect %s, err %v\n%s", d.dialect, d.err, d.raw)
			}
			if got := d.text(); got != strings.Join(want, "") {
				t.Errorf("text = %q, want %q", got, strings.Join(want, ""))
			}
			checkGeminiEnd(t, d, tt.stop, tt.fail, tt.output)
			if (d.thinking > 0) != tt.thinking {
				t.Errorf("thinking events = %d, want some: %v", d.thinking, tt.thinking)
			}
			if tt.tool {
				checkDemoCall(t, d)
			} else if d.tool.Name != "" {
				t.Errorf("unexpected tool call %+v", d.tool)
			}
		})
	}
}

func checkGeminiEnd(t *testing.T, d decoded, stop string, fail bool, output int) {
	t.Helper()
	if fail {
		if d.errEv == nil || d.errEv.Type != "INTERNAL" || d.done {
			t.Errorf("error event %v, done %v; want an INTERNAL error event", d.errEv, d.done)
		}
		return
	}
	if !d.done || d.stop != stop || d.errEv != nil {
		t.Errorf("done %v, stop %q, error %v; want stop %q", d.done, d.stop, d.errEv, stop)
	}
	if d.usage == nil || d.usage.InputTokens == 0 || (output > 0 && d.usage.OutputTokens != output) {
		t.Errorf("usage = %+v, want input > 0 and output %d", d.usage, output)
	}
}

// checkDemoCall checks the scripted model's get_weather call.
func checkDemoCall(t *testing.T, d decoded) {
	t.Helper()
	var args map[string]string
	if err := json.Unmarshal([]byte(d.toolArgs), &args); err != nil || d.tool.Name != "get_weather" ||
		args["city"] != "Paris" || args["unit"] != "celsius" {
		t.Errorf("tool %+v, args %s (%v); want get_weather for Paris in celsius", d.tool, d.toolArgs, err)
	}
}

func TestGeminiWireMatchesTheRealAPI(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	d := decodeBody(t, apiPost(t, ts.URL+geminiPath, quick+",thinking", geminiUser("hi"), "x-goog-api-key", "test"))
	frames := strings.Split(strings.TrimSpace(d.raw), "\n\n")
	var last struct {
		Candidates []struct {
			FinishReason string `json:"finishReason"`
		} `json:"candidates"`
		UsageMetadata map[string]int `json:"usageMetadata"`
		ModelVersion  string         `json:"modelVersion"`
		ResponseID    string         `json:"responseId"`
	}
	for _, f := range frames {
		if !strings.HasPrefix(f, "data: {") || strings.Contains(f, "\n") {
			t.Fatalf("frame %q is not one data line of JSON", f)
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(frames[len(frames)-1], "data: ")), &last); err != nil {
		t.Fatal(err)
	}
	u := last.UsageMetadata
	if last.Candidates[0].FinishReason != "STOP" || u["thoughtsTokenCount"] == 0 || u["candidatesTokenCount"] != 20 ||
		u["totalTokenCount"] != u["promptTokenCount"]+20+u["thoughtsTokenCount"] {
		t.Errorf("last chunk %+v", last)
	}
	if last.ModelVersion != "tok-demo" || last.ResponseID == "" {
		t.Errorf("modelVersion %q, responseId %q", last.ModelVersion, last.ResponseID)
	}
}

func TestGeminiRejectsRequestsAsTheAPIDoes(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	key := []string{"x-goog-api-key", "test"}
	tests := []struct {
		name, path, scenario, body string
		header                     []string
		status                     int
		rpc, says                  string
	}{
		{"malformed JSON", geminiPath, quick, `{"contents":`, key, 400, "INVALID_ARGUMENT", "Invalid JSON payload"},
		{"not an object", geminiPath, quick, `[1]`, key, 400, "INVALID_ARGUMENT", "Expected an object"},
		{"no contents", geminiPath, quick, `{}`, key, 400, "INVALID_ARGUMENT", "contents is not specified"},
		{"empty contents", geminiPath, quick, `{"contents":[]}`, key, 400, "INVALID_ARGUMENT", "contents is not specified"},
		{"no parts", geminiPath, quick, `{"contents":[{"role":"user"}]}`, key, 400, "INVALID_ARGUMENT", "parts must not be empty"},
		{"bad role", geminiPath, quick, `{"contents":[{"role":"assistant","parts":[{"text":"hi"}]}]}`, key, 400, "INVALID_ARGUMENT", "valid role"},
		{"contents not a list", geminiPath, quick, `{"contents":"hi"}`, key, 400, "INVALID_ARGUMENT", "'contents'"},
		{"text not a string", geminiPath, quick, `{"contents":[{"parts":[{"text":5}]}]}`, key, 400, "INVALID_ARGUMENT", "TYPE_STRING"},
		{"maxOutputTokens not a number", geminiPath, quick, `{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":"many"}}`, key, 400, "INVALID_ARGUMENT", "TYPE_INT32"},
		{"part without data", geminiPath, quick, `{"contents":[{"parts":[{}]}]}`, key, 400, "INVALID_ARGUMENT", "oneof field 'data'"},
		{"part with two data fields", geminiPath, quick, `{"contents":[{"parts":[{"text":"a","functionCall":{"name":"f"}}]}]}`, key, 400, "INVALID_ARGUMENT", "already set"},
		{"function call without a name", geminiPath, quick, `{"contents":[{"parts":[{"functionCall":{"args":{}}}]}]}`, key, 400, "INVALID_ARGUMENT", "Name cannot be empty"},
		{"no API key", geminiPath, quick, geminiUser("hi"), nil, 403, "PERMISSION_DENIED", "API Key"},
		{"no alt=sse", "/v1beta/models/tok-demo:streamGenerateContent", quick, geminiUser("hi"), key, 400, "INVALID_ARGUMENT", "alt=sse"},
		{"generateContent", "/v1beta/models/tok-demo:generateContent", quick, geminiUser("hi"), key, 404, "NOT_FOUND", "streams only"},
		{"no method", "/v1beta/models/tok-demo", quick, geminiUser("hi"), key, 404, "NOT_FOUND", "streams only"},
		{"body over the limit", geminiPath, quick, `{"contents":"` + strings.Repeat("x", 1<<20) + `"}`, key, 400, "INVALID_ARGUMENT", "payload size exceeds"},
		{"status knob 429", geminiPath, quick + ",status=429", geminiUser("hi"), key, 429, "RESOURCE_EXHAUSTED", "scripted"},
		{"status knob 503", geminiPath, quick + ",status=503", geminiUser("hi"), key, 503, "UNAVAILABLE", "scripted"},
		{"status knob 401", geminiPath, quick + ",status=401", geminiUser("hi"), key, 401, "UNAUTHENTICATED", "scripted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := apiPost(t, ts.URL+tt.path, tt.scenario, tt.body, tt.header...)
			defer resp.Body.Close()
			var e struct {
				Error struct {
					Code    int              `json:"code"`
					Message string           `json:"message"`
					Status  string           `json:"status"`
					Details []map[string]any `json:"details"`
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("status %d, body is not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || e.Error.Code != tt.status || e.Error.Status != tt.rpc ||
				!strings.Contains(e.Error.Message, tt.says) {
				t.Errorf("HTTP %d %+v; want %d %s saying %q", resp.StatusCode, e.Error, tt.status, tt.rpc, tt.says)
			}
			if tt.status == 429 && (resp.Header.Get("Retry-After") != "1" || len(e.Error.Details) != 1 || e.Error.Details[0]["retryDelay"] != "1s") {
				t.Errorf("Retry-After %q, details %v", resp.Header.Get("Retry-After"), e.Error.Details)
			}
		})
	}
}

func TestGeminiTakesTheKeyFromTheQuery(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	d := decodeBody(t, apiPost(t, ts.URL+geminiPath+"&key=test", quick, geminiUser("hi")))
	if d.err != nil || !d.done || len(d.tokens) != 20 {
		t.Errorf("err %v, done %v, %d tokens\n%s", d.err, d.done, len(d.tokens), d.raw)
	}
}

// FuzzGeminiRequest posts arbitrary bodies: the answer is a stream tok
// reads to its end, or a 4xx in Gemini's error shape; never a 5xx.
func FuzzGeminiRequest(f *testing.F) {
	for _, seed := range []string{geminiUser("hi"), `{"contents":[{"parts":[{}]}]}`, `{"contents":`, `null`, `[]`,
		`{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},{"parts":[{"functionResponse":{"name":"f","response":{}}}]}],"generationConfig":{"maxOutputTokens":1,"thinkingConfig":{"includeThoughts":true}}}`} {
		f.Add([]byte(seed))
	}
	srv := server.New(server.Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, geminiPath+"&key=k", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Tok-Scenario", "tokens=1,interval=0,first=0")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkFuzzAnswer(t, rec, client.DialectGemini, func(b []byte) bool {
			var e struct{ Error struct{ Code int } }
			return json.Unmarshal(b, &e) == nil && e.Error.Code == rec.Code
		})
	})
}

// checkFuzzAnswer checks a fuzzed request's answer: a 200 stream of the
// dialect that ends done, or a 4xx whose body isError accepts.
func checkFuzzAnswer(t *testing.T, rec *httptest.ResponseRecorder, dialect client.Dialect, isError func([]byte) bool) {
	t.Helper()
	switch {
	case rec.Code == http.StatusOK:
		if d := decodeBytes(rec.Body.Bytes()); d.err != nil || !d.done || d.dialect != dialect {
			t.Fatalf("200 stream: dialect %s, done %v, err %v\n%s", d.dialect, d.done, d.err, d.raw)
		}
	case rec.Code >= 400 && rec.Code < 500:
		if !isError(rec.Body.Bytes()) {
			t.Fatalf("%d body is not the dialect's error: %s", rec.Code, rec.Body)
		}
	default:
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}
