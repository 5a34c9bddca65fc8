package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

// fuzzRequest posts body to path on a fresh server and checks the answer is
// a stream or a 4xx: never a 5xx, never a panic.
func fuzzRequest(t *testing.T, path, body string, header map[string]string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", "tokens=1,interval=0,first=0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	New(Config{}).ServeHTTP(w, req)
	if w.Code != http.StatusOK && (w.Code < 400 || w.Code > 499) {
		t.Fatalf("POST %s %q: status %d: %s", path, body, w.Code, w.Body.String())
	}
}

func FuzzTokRequest(f *testing.F) {
	for _, seed := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":"hi"}],"sessionId":"s","resumeFrom":3}`,
		`{"messages":[]}`, `{"messages":[{"role":"robot","content":1}]}`, `{"messages":"x"}`,
		`{`, `null`, `[]`, `{"messages":[{"role":"user","content":"hi"}],"resumeFrom":-1}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzRequest(t, "/api/chat/stream", body, nil)
	})
}

// FuzzWSMessages reads any client message as each WebSocket protocol
// does, twice in a row on one connection: no panic; a turn it takes is a
// conversation within the history's bounds, which in the seed's protocol
// ends with the user's message (Responses input may end otherwise, as the
// API allows); and every refusal is JSON.
func FuzzWSMessages(f *testing.F) {
	for _, seed := range []string{
		`{"type":"message","content":"hi"}`, `{"type":"interrupt"}`,
		`{"type":"message","content":"x","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`,
		`{"type":"message","messages":[]}`, `{"type":"message","content":null}`, `{"type":"message","messages":[{"role":"robot"}]}`,
		`{"type":"response.create","model":"m","input":"hi"}`,
		`{"type":"response.create","model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}],"previous_response_id":"resp_1"}`,
		`{"type":"response.create","model":"m","input":[],"background":true}`, `{"type":"response.create","input":{}}`,
		`{"type":"response.create","model":"m","input":[]}`, `{"type":"response.create","model":"m","input":[{"role":"assistant","content":"x"}]}`,
		`null`, `[]`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []wsProtocol{&wsChat{}, &wsResponses{}} {
			for range 2 {
				turn, _, e := p.read(data)
				if e == nil && turn != nil {
					var req chatRequest
					req, _, _, e = p.begin(turn)
					if e == nil {
						checkConversation(t, p, req.messages)
						p.end(req, "answer", EndComplete)
					}
				}
				if e != nil && !json.Valid([]byte(p.errorMessage(e))) {
					t.Fatalf("%s: the refusal of %q is not JSON: %s", p.name(), data, p.errorMessage(e))
				}
			}
		}
	})
}

func checkConversation(t *testing.T, p wsProtocol, msgs []client.Message) {
	t.Helper()
	_, chat := p.(*wsChat)
	if len(msgs) > maxHistory || chat && (len(msgs) == 0 || msgs[len(msgs)-1].Role != "user") {
		t.Fatalf("%s: a turn answers %d messages: %+v", p.name(), len(msgs), msgs[max(0, len(msgs)-1):])
	}
}
