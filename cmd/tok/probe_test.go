package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/tokcli/tok/server"
)

func TestProbeAgainstTokServe(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{ReplayDir: "../../testdata"}))
	defer srv.Close()
	url := srv.URL + "/api/chat/stream"
	tests := []struct {
		name string
		args []string
		code int
		want string // a line of the report
	}{
		{"clean", []string{url, "-H", "X-Tok-Scenario: tokens=40,interval=5,first=20"}, 0, "PASS  buffering"},
		{"buffered", []string{url, "-H", "X-Tok-Scenario: tokens=400,interval=2,first=20,buffer=4096"}, 1, "FAIL  buffering"},
		{"dropped", []string{url, "-H", "X-Tok-Scenario: tokens=40,interval=5,first=20,drop-after=10"}, 1, "FAIL  end            cut off after 10 tokens"},
		{"stalled", []string{url, "--idle-timeout", "300ms", "-H", "X-Tok-Scenario: tokens=40,interval=5,first=20,stall-after=10"}, 1, "no bytes for 300ms after 10 tokens"},
		{"error event", []string{url, "-H", "X-Tok-Scenario: tokens=40,interval=5,first=20,error-after=10"}, 1, "an error event after 10 tokens"},
		{"429", []string{url, "-H", "X-Tok-Scenario: status=429"}, 3, "FAIL  status"},
		{"no [DONE]", []string{srv.URL + "/replay/openai-no-done", "--method", "GET"}, 1, "without [DONE]"},
		{"slow first token", []string{url, "--max-ttft", "100ms", "-H", "X-Tok-Scenario: tokens=10,interval=5,first=300"}, 1, "over --max-ttft 100ms"},
		{"slow rate", []string{url, "--min-rate", "500", "-H", "X-Tok-Scenario: tokens=20,interval=10,first=0"}, 1, "under --min-rate 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTok(t, "", append([]string{"probe"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d (want %d); report lacks %q:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
	// Tokens 100 ms apart: a busy machine neither makes them arrive at once
	// nor delays the first past the second.
	r := runTok(t, "", "probe", "--json", url, "-H", "X-Tok-Scenario: tokens=5,interval=100,first=300")
	var res struct {
		FirstToken float64 `json:"first_token_ms"`
		Headers    float64 `json:"headers_ms"`
		Passed     bool    `json:"passed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	if truth := 300 + res.Headers; res.FirstToken < 300 || res.FirstToken >= truth+100 {
		t.Errorf("first token %.1fms, truth %.1fms (300ms after the headers, the second 100ms later)", res.FirstToken, truth)
	}
}

func TestProbeManyRequestsReportsDistributionsInTheSchema(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	r := runTok(t, "", "probe", "-n", "50", "-c", "10", "--json", srv.URL+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=20,interval=2,first=10")
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	schema, err := jsonschema.Compile("../../probe/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("the JSON does not match probe/schema.json: %v", err)
	}
	var sum struct {
		Requests int `json:"requests"`
		Errors   int `json:"errors"`
	}
	json.Unmarshal([]byte(r.stdout), &sum)
	if sum.Requests != 50 || sum.Errors != 0 {
		t.Errorf("requests %d, errors %d", sum.Requests, sum.Errors)
	}
	human := runTok(t, "", "probe", "-n", "20", "-c", "5", srv.URL+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=20,interval=2,first=10")
	if human.code != 0 || !strings.Contains(human.stdout, "p99") {
		t.Errorf("exit %d:\n%s", human.code, human.stdout)
	}
}

func TestProbeUsageAndUnreachable(t *testing.T) {
	for _, args := range [][]string{{"probe"}, {"probe", "ftp://x"}, {"probe", "http://x", "-n", "0"}, {"probe", "http://x", "--frames", "--json"}} {
		if r := runTok(t, "", args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, r.code, r.stderr)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if r := runTok(t, "", "probe", "http://"+addr+"/x"); r.code != 3 || !strings.Contains(r.stdout, "connection refused") {
		t.Errorf("refused: exit %d: %s", r.code, r.stdout)
	}
}

func TestProbeShapesTheRequestFromTheURL(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	for path, key := range map[string]string{
		"/v1/messages":         "x-api-key: k",
		"/v1/chat/completions": "Authorization: Bearer k",
		"/v1/responses":        "Authorization: Bearer k",
		"/v1beta/models/tok-demo:streamGenerateContent?alt=sse": "x-goog-api-key: k",
	} {
		r := runTok(t, "", "probe", srv.URL+path, "-H", key, "-H", "X-Tok-Scenario: tokens=12,interval=3,first=5")
		if r.code != 0 || !strings.Contains(r.stdout, "PASS  dialect") {
			t.Errorf("%s: exit %d:\n%s%s", path, r.code, r.stdout, r.stderr)
		}
	}
}

// TestProbeSendsNoKeyFromTheEnvironmentToAURL probes URLs whose paths look
// like the APIs', with every provider's key in the environment: none may
// reach the host, which answers 401 (Gemini 403) as the API would, and the advice says
// how to pass a key. --provider sends the key to its API.
func TestProbeSendsNoKeyFromTheEnvironmentToAURL(t *testing.T) {
	var mu sync.Mutex
	var seen []string // every request header value the server got
	tok := server.New(server.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, vs := range r.Header {
			seen = append(seen, vs...)
		}
		mu.Unlock()
		tok.ServeHTTP(w, r)
	}))
	defer srv.Close()
	leaked := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, v := range seen {
			for name, key := range testKeys {
				if strings.Contains(v, key) {
					out = append(out, name)
				}
			}
		}
		seen = nil
		return out
	}
	tests := []struct {
		path, advice string
	}{
		{"/v1/messages", "-H 'x-api-key: $ANTHROPIC_API_KEY', or probe the API itself with --provider anthropic"},
		{"/v1/chat/completions", "-H 'Authorization: Bearer $OPENAI_API_KEY', or probe the API itself with --provider openai"},
		{"/v1/responses", "--provider openai"},
		{"/v1beta/models/tok-demo:streamGenerateContent?alt=sse", "-H 'x-goog-api-key: $GEMINI_API_KEY'"},
	}
	for _, tt := range tests {
		for _, extra := range [][]string{nil, {"-n", "2"}} {
			r := runTokEnv(t, testKeys, "", append([]string{"probe", srv.URL + tt.path, "-H", "X-Tok-Scenario: tokens=5,interval=0,first=0"}, extra...)...)
			if keys := leaked(); len(keys) > 0 {
				t.Errorf("%s %q: the host got %s", tt.path, extra, keys)
			}
			if r.code != 3 || !strings.Contains(r.stderr, ": no key was sent") || !strings.Contains(r.stderr, tt.advice) {
				t.Errorf("%s %q: exit %d (want 3), stderr %q lacks %q", tt.path, extra, r.code, r.stderr, tt.advice)
			}
		}
	}
	r := runTokEnv(t, nil, "", "probe", srv.URL+"/v1/messages", "-H", "x-api-key: wrong-but-sent", "-H", "X-Tok-Scenario: status=401")
	if r.code != 3 || !strings.Contains(r.stderr, "the credentials passed with -H were refused") {
		t.Errorf("a refused -H key: exit %d, stderr %q", r.code, r.stderr)
	}
	env := map[string]string{"ANTHROPIC_API_KEY": testKeys["ANTHROPIC_API_KEY"], "ANTHROPIC_BASE_URL": srv.URL}
	r = runTokEnv(t, env, "", "probe", "--provider", "anthropic", "-H", "X-Tok-Scenario: tokens=12,interval=3,first=5")
	if keys := leaked(); r.code != 0 || len(keys) != 1 || keys[0] != "ANTHROPIC_API_KEY" {
		t.Errorf("--provider anthropic: exit %d, the API got keys %q:\n%s%s", r.code, keys, r.stdout, r.stderr)
	}
}

// TestProbeOutputHoldsNoServerControls has a server put terminal
// controls in a header, an error event and its frames: the report, --json
// and --frames show none of them raw.
func TestProbeOutputHoldsNoServerControls(t *testing.T) {
	const bad = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u0085\u202eevil\r\ntok: forged"
	srv := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/denied" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": bad}})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "private\u009b2J\u202e") // net/http refuses C0 in a header
		s := sse{w: w, r: r}
		s.send("data: {\"type\":\"start\",\"messageId\":\"m\"}\n\n")
		s.token("hi " + bad)
		b, _ := json.Marshal(map[string]string{"type": "error", "error": bad})
		s.send("data: " + string(b) + "\n\n")
	})
	for _, args := range [][]string{
		{"probe", srv.URL + "/s"}, {"probe", "--json", srv.URL + "/s"}, {"probe", "--frames", srv.URL + "/s"},
		{"probe", srv.URL + "/denied"}, {"probe", "--json", srv.URL + "/denied"}, {"probe", "-n", "2", "--json", srv.URL + "/s"},
	} {
		r := runTok(t, "", args...)
		if r.code != 1 && r.code != 3 {
			t.Errorf("%q: exit %d: %s", args, r.code, r.stderr)
		}
		out := r.stdout + r.stderr
		if i := strings.IndexFunc(out, func(r rune) bool {
			return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e
		}); i >= 0 {
			t.Errorf("%q: output holds %q at %d:\n%s", args, out[i], i, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "tok: forged") {
				t.Errorf("%q: the server forged a line: %q", args, l)
			}
		}
	}
}

// TestProbeThroughNginx puts a real nginx in front of tok serve, as the
// rig does: the buffered location is flagged with the fix, the
// unbuffered one passes. It skips where nginx is not installed.
func TestProbeThroughNginx(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx is not installed (apt-get install nginx); the probe's proxy check needs it")
	}
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	upstream := strings.TrimPrefix(srv.URL, "http://")
	conf := fmt.Sprintf(`daemon off; pid %[1]s/nginx.pid; error_log %[1]s/error.log warn; worker_processes 1;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fcgi; uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    location /unbuffered/ { proxy_pass http://%[3]s/; proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /buffered/   { proxy_pass http://%[3]s/; proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; }
  }
}
`, dir, port, upstream)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	nginx := exec.Command("nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	if err := nginx.Start(); err != nil {
		t.Skipf("nginx would not start: %v", err)
	}
	defer func() { nginx.Process.Kill(); nginx.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/unbuffered/_stats"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not come up: %s", b)
		}
	}
	knobs := "X-Tok-Scenario: tokens=600,interval=1,first=10"
	r := runTok(t, "", "probe", base+"/unbuffered/api/chat/stream", "-H", knobs)
	if r.code != 0 || !strings.Contains(r.stdout, "PASS  buffering") {
		t.Errorf("unbuffered: exit %d:\n%s", r.code, r.stdout)
	}
	r = runTok(t, "", "probe", base+"/buffered/api/chat/stream", "-H", knobs)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  buffering") || !strings.Contains(r.stdout, "proxy_buffering off") {
		t.Errorf("buffered: exit %d:\n%s", r.code, r.stdout)
	}
}
