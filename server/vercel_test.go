package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

func vercelUser(prompt string) string {
	b, _ := json.Marshal(prompt)
	return `{"messages":[{"id":"m1","role":"user","parts":[{"type":"text","text":` + string(b) + `}]}]}`
}

func TestVercelStreamDecodesToTheDemoAnswer(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	const prompt = "What is tok?"
	toolOutput := `{"messages":[{"role":"user","parts":[{"type":"text","text":"What is tok?"}]},
		{"role":"assistant","parts":[{"type":"tool-get_weather","toolCallId":"c1","state":"output-available","input":{},"output":{}}]}]}`
	tests := []struct {
		name, scenario, body string
		tokens               int // of tok's protocol answer the text must equal; -1: all
		thinking, tool, fail bool
	}{
		{"UI message parts", quick, vercelUser(prompt), -1, false, false, false},
		{"role and content", quick, `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is tok?"}]}`, -1, false, false, false},
		{"reasoning", quick + ",thinking", vercelUser(prompt), -1, true, false, false},
		{"tool run by the server", quick + ",tool", vercelUser(prompt), -1, false, true, false},
		{"tool output in the last message", quick + ",tool", toolOutput, -1, false, false, false},
		{"error-after", quick + ",error-after=3", vercelUser(prompt), 3, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := protocolTokens(t, ts.URL, prompt, tt.scenario)
			if tt.tokens >= 0 {
				want = want[:tt.tokens]
			}
			resp := apiPost(t, ts.URL+"/api/chat", tt.scenario, tt.body)
			if h := resp.Header.Get("x-vercel-ai-ui-message-stream"); h != "v1" {
				t.Errorf("x-vercel-ai-ui-message-stream = %q, want v1", h)
			}
			d := decodeBody(t, resp)
			if d.err != nil || d.dialect != client.DialectVercelUI {
				t.Fatalf("dialect %s, err %v\n%s", d.dialect, d.err, d.raw)
			}
			if got := d.text(); got != strings.Join(want, "") {
				t.Errorf("text = %q, want %q", got, strings.Join(want, ""))
			}
			checkVercelEnd(t, d, tt.fail)
			if (d.thinking > 0) != tt.thinking {
				t.Errorf("reasoning events = %d, want some: %v", d.thinking, tt.thinking)
			}
			if tt.tool {
				checkDemoCall(t, d)
				if !strings.Contains(d.tool.Result, `"temperature":18`) {
					t.Errorf("tool result = %q", d.tool.Result)
				}
			} else if d.tool.Name != "" {
				t.Errorf("unexpected tool call %+v", d.tool)
			}
		})
	}
}

func checkVercelEnd(t *testing.T, d decoded, fail bool) {
	t.Helper()
	if fail {
		if d.errEv == nil || !strings.Contains(d.errEv.Message, "error-after") || d.done {
			t.Errorf("error event %v, done %v; want the scripted error", d.errEv, d.done)
		}
		return
	}
	if !d.done || d.stop != "stop" || d.errEv != nil {
		t.Errorf("done %v, stop %q, error %v; want finish with stop", d.done, d.stop, d.errEv)
	}
}

// TestVercelWireFollowsTheUIMessageStream checks the chunk types in order
// (repeats folded), and that every chunk carries only the fields the AI
// SDK's strict chunk schema allows.
func TestVercelWireFollowsTheUIMessageStream(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	tests := []struct {
		name, scenario string
		want           []string
	}{
		{"text", quick, []string{"start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish", "[DONE]"}},
		{"reasoning then text", quick + ",thinking", []string{"start", "start-step", "reasoning-start", "reasoning-delta",
			"reasoning-end", "text-start", "text-delta", "text-end", "finish-step", "finish", "[DONE]"}},
		{"tool in its own step", quick + ",tool", []string{"start", "start-step", "text-start", "text-delta", "text-end",
			"tool-input-start", "tool-input-delta", "tool-input-available", "tool-output-available", "finish-step",
			"start-step", "text-start", "text-delta", "text-end", "finish-step", "finish", "[DONE]"}},
		{"error closes the message", quick + ",error-after=3", []string{"start", "start-step", "text-start", "text-delta",
			"error", "finish-step", "finish", "[DONE]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeBody(t, apiPost(t, ts.URL+"/api/chat", tt.scenario, vercelUser("hi")))
			var got []string
			var finish map[string]any
			for f := range strings.SplitSeq(strings.TrimSpace(d.raw), "\n\n") {
				typ, chunk := vercelChunk(t, f)
				if typ == "finish" {
					finish = chunk
				}
				if len(got) == 0 || got[len(got)-1] != typ {
					got = append(got, typ)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("chunks\n got %v\nwant %v", got, tt.want)
			}
			checkFinish(t, finish, tt.name == "error closes the message")
		})
	}
}

// vercelFields are the fields the AI SDK's uiMessageChunkSchema allows,
// by chunk type (packages/ai/src/ui-message-stream/ui-message-chunks.ts).
var vercelFields = map[string][]string{
	"start": {"messageId"}, "start-step": {}, "finish-step": {}, "finish": {"finishReason", "messageMetadata"},
	"text-start": {"id"}, "text-delta": {"id", "delta"}, "text-end": {"id"},
	"reasoning-start": {"id"}, "reasoning-delta": {"id", "delta"}, "reasoning-end": {"id"},
	"tool-input-start": {"toolCallId", "toolName"}, "tool-input-delta": {"toolCallId", "inputTextDelta"},
	"tool-input-available":  {"toolCallId", "toolName", "input"},
	"tool-output-available": {"toolCallId", "output"}, "error": {"errorText"},
}

// vercelChunk checks one frame and returns its type and fields.
func vercelChunk(t *testing.T, frame string) (string, map[string]any) {
	t.Helper()
	data, ok := strings.CutPrefix(frame, "data: ")
	if !ok || strings.Contains(data, "\n") {
		t.Fatalf("frame %q is not one data line", frame)
	}
	if data == "[DONE]" {
		return data, nil
	}
	var chunk map[string]any
	if err := json.Unmarshal([]byte(data), &chunk); err != nil {
		t.Fatalf("frame %q: %v", frame, err)
	}
	typ, _ := chunk["type"].(string)
	allowed, known := vercelFields[typ]
	if !known {
		t.Fatalf("unknown chunk type in %q", data)
	}
	for k := range chunk {
		if k != "type" && !slices.Contains(allowed, k) {
			t.Errorf("%s chunk has field %q, which the SDK's strict schema rejects", typ, k)
		}
	}
	return typ, chunk
}

func checkFinish(t *testing.T, finish map[string]any, failed bool) {
	t.Helper()
	if failed {
		if finish["finishReason"] != "error" {
			t.Errorf("finish after an error = %v, want finishReason error", finish)
		}
		return
	}
	meta, _ := finish["messageMetadata"].(map[string]any)
	usage, _ := meta["usage"].(map[string]any)
	if finish["finishReason"] != "stop" || usage["inputTokens"] == nil || usage["outputTokens"] == nil {
		t.Errorf("finish = %v, want finishReason stop and usage in messageMetadata", finish)
	}
}

func TestVercelRejectsBadRequestsWithA400(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	tests := []struct {
		name, scenario, body string
		status               int
		says                 string
	}{
		{"malformed JSON", quick, `{"messages":[`, 400, "not the JSON"},
		{"no messages", quick, `{}`, 400, "at least one message"},
		{"empty messages", quick, `{"messages":[]}`, 400, "at least one message"},
		{"bad role", quick, `{"messages":[{"role":"tool","content":"hi"}]}`, 400, "must be system, user or assistant"},
		{"messages not a list", quick, `{"messages":"hi"}`, 400, "not the JSON"},
		{"content not a string", quick, `{"messages":[{"role":"user","content":5}]}`, 400, "not the JSON"},
		{"parts not a list", quick, `{"messages":[{"role":"user","parts":{"type":"text"}}]}`, 400, "not the JSON"},
		{"no parts or content", quick, `{"messages":[{"role":"user"}]}`, 400, "parts (or content) is required"},
		{"part without a type", quick, `{"messages":[{"role":"user","parts":[{"text":"hi"}]}]}`, 400, "type is required"},
		{"last message from the assistant", quick, `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}`, 400, "last message"},
		{"only a system message", quick, `{"messages":[{"role":"system","content":"hi"}]}`, 400, "last message"},
		{"status knob 429", quick + ",status=429", vercelUser("hi"), 429, "scripted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := apiPost(t, ts.URL+"/api/chat", tt.scenario, tt.body)
			defer resp.Body.Close()
			var e map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("status %d, body is not {\"error\": text}: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || len(e) != 1 || !strings.Contains(e["error"], tt.says) {
				t.Errorf("HTTP %d %v; want %d saying %q", resp.StatusCode, e, tt.status, tt.says)
			}
		})
	}
}

// FuzzVercelRequest posts arbitrary bodies: the answer is a stream tok
// reads to its end, or a 4xx {"error": text}; never a 5xx.
func FuzzVercelRequest(f *testing.F) {
	for _, seed := range []string{vercelUser("hi"), `{"messages":[{"role":"user","content":"hi"}]}`, `{"messages":[`, `null`,
		`{"messages":[{"role":"system","content":"s"},{"role":"user","parts":[{"type":"text","text":"a"},{"type":"file"}]}]}`,
		`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","parts":[{"type":"dynamic-tool","state":"output-available"}]}]}`} {
		f.Add([]byte(seed))
	}
	srv := server.New(server.Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Tok-Scenario", "tokens=1,interval=0,first=0")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkFuzzAnswer(t, rec, client.DialectVercelUI, func(b []byte) bool {
			var e map[string]string
			return json.Unmarshal(b, &e) == nil && e["error"] != ""
		})
	})
}
