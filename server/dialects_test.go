package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// endpoint is a valid streaming request to one dialect's endpoint.
type endpoint struct {
	dialect     client.Dialect
	path, body  string
	header      map[string]string
	serverTools bool // the answer goes on after a tool call
}

var endpoints = []endpoint{
	{client.DialectTok, "/api/chat/stream", hi, nil, true},
	{client.DialectAnthropic, "/v1/messages",
		`{"model":"tok-demo","max_tokens":4096,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		map[string]string{"x-api-key": "k", "anthropic-version": "2023-06-01"}, false},
	{client.DialectOpenAIChat, "/v1/chat/completions",
		`{"model":"tok-demo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`,
		map[string]string{"Authorization": "Bearer k"}, false},
	{client.DialectOpenAIResponses, "/v1/responses",
		`{"model":"tok-demo","stream":true,"input":"hi"}`,
		map[string]string{"Authorization": "Bearer k"}, false},
	{client.DialectGemini, "/v1beta/models/tok-demo:streamGenerateContent?alt=sse",
		`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`,
		map[string]string{"x-goog-api-key": "k"}, false},
	{client.DialectVercelUI, "/api/chat",
		`{"messages":[{"id":"u1","role":"user","parts":[{"type":"text","text":"hi"}]}]}`, nil, true},
}

// TestEveryDialectDecodesToTheSameText streams each dialect under each
// knob and reads it with tok's own client: the text must be the demo
// answer's, the dialect detected, the stream complete (or failed as asked).
func TestEveryDialectDecodesToTheSameText(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	knobs := []string{"", "crlf", "gzip", "buffer=512", "heartbeat=1", "thinking", "tool", "error-after=4", "drop-after=4"}
	for _, ep := range endpoints {
		for _, knob := range knobs {
			t.Run(string(ep.dialect)+"/"+knob, func(t *testing.T) {
				a, s := streamDialect(t, ts.URL, ep, "tokens=12,"+fast+","+knob)
				if s != nil && s.Dialect() != ep.dialect {
					t.Errorf("dialect %q, want %q", s.Dialect(), ep.dialect)
				}
				want, wantEnd := demoText(12), "complete"
				switch {
				case knob == "tool" && !ep.serverTools:
					want = demoText(3) // the turn ends with the tool call
				case knob == "error-after=4":
					want, wantEnd = demoText(4), "error"
				case knob == "drop-after=4":
					want, wantEnd = demoText(4), "cut off"
				}
				if a.text != want || end(a) != wantEnd {
					t.Errorf("text %q, end %s (err %v, event %v)\nwant %q, end %s", a.text, end(a), a.err, a.errEv, want, wantEnd)
				}
				if knob == "tool" && !hasKind(a, client.KindToolStart) {
					t.Errorf("no tool call in %v", a.kinds)
				}
			})
		}
	}
}

func streamDialect(t *testing.T, base string, ep endpoint, scenario string) (answer, *client.Stream) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+ep.path, strings.NewReader(ep.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", scenario)
	for k, v := range ep.header {
		req.Header.Set(k, v)
	}
	s, err := client.New(client.Config{}).Stream(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", ep.path, err)
	}
	return read(s), s
}

func end(a answer) string {
	switch {
	case a.errEv != nil:
		return "error"
	case a.err != nil && strings.Contains(a.err.Error(), "cut off"):
		return "cut off"
	case a.err != nil:
		return a.err.Error()
	case len(a.kinds) > 0 && a.kinds[len(a.kinds)-1] == client.KindDone:
		return "complete"
	}
	return "no end"
}

func hasKind(a answer, k client.Kind) bool {
	for _, got := range a.kinds {
		if got == k {
			return true
		}
	}
	return false
}
