package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
