package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tokcli/tok/server"
)

// logBuffer collects a server's log lines; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

func (l *logBuffer) logger() *log.Logger { return log.New(l, "", 0) }

// raw is a request as a page or a program might send it: method, path,
// Content-Type ("" for none), Host ("" for the server's), header pairs.
type raw struct {
	method, path, contentType, host string
	header                          []string
}

// send sends rq to base and returns the status, headers and body.
func (rq raw) send(t *testing.T, base string) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if rq.method == http.MethodPost {
		body = strings.NewReader(hi)
		if strings.HasPrefix(rq.path, "/v1/messages") {
			body = strings.NewReader(`{"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), rq.method, base+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	if rq.host != "" {
		req.Host = rq.host
	}
	req.Header.Set("X-Tok-Scenario", "tokens=2,"+fast)
	for i := 0; i+1 < len(rq.header); i += 2 {
		req.Header.Set(rq.header[i], rq.header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

const jsonType = "application/json"

func TestGuardsRefusePagesAndForeignHosts(t *testing.T) {
	port := func(base string) string { _, p, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://")); return p }
	cases := []struct {
		name string
		rq   func(port string) raw
		want int
		// in is what the body must hold: the message and the dialect's shape.
		in []string
	}{
		{"a cross-origin text/plain POST", func(string) raw {
			return raw{"POST", "/api/chat/stream", "text/plain", "", []string{"Origin", "https://evil.example"}}
		}, 403, []string{`"type":"error"`, `\"https://evil.example\" is not one`, "--cors"}},
		{"a cross-origin JSON POST", func(string) raw {
			return raw{"POST", "/v1/messages", jsonType, "", []string{"Origin", "https://evil.example", "x-api-key", "k", "anthropic-version", "2023-06-01"}}
		}, 403, []string{`"error":{"type":"permission_error"`}},
		{"a text/plain POST", func(string) raw { return raw{"POST", "/api/chat/stream", "text/plain", "", nil} },
			415, []string{`Content-Type must be application/json, not \"text/plain\"`}},
		{"a form POST", func(string) raw { return raw{"POST", "/api/chat/stream", "application/x-www-form-urlencoded", "", nil} },
			415, []string{"Content-Type must be application/json", "content-type: application/json"}},
		{"a POST without a Content-Type", func(string) raw { return raw{"POST", "/api/chat/stream", "", "", nil} },
			415, []string{"Content-Type must be application/json, the request has none"}},
		{"JSON with a charset", func(string) raw { return raw{"POST", "/api/chat/stream", "application/json; charset=utf-8", "", nil} },
			200, []string{`"type":"done"`}},
		{"a foreign Host", func(p string) raw { return raw{"POST", "/api/chat/stream", jsonType, "evil.example:" + p, nil} },
			421, []string{`not \"evil.example:`, `--allow-host \"evil.example\"`, "DNS rebinding"}},
		{"a foreign Host in Anthropic's shape", func(p string) raw {
			return raw{"POST", "/v1/messages", jsonType, "rebind.test:" + p, []string{"x-api-key", "k", "anthropic-version", "2023-06-01"}}
		}, 421, []string{`{"type":"error","error":{"type":"invalid_request_error","message":"tok serve answers Host localhost`}},
		{"a foreign Host on a GET", func(p string) raw { return raw{"GET", "/api/chat/stream?q=hi", "", "rebind.test:" + p, nil} },
			421, []string{"rebind.test"}},
		{"a foreign Host on /_stats", func(p string) raw { return raw{"GET", "/_stats", "", "rebind.test", nil} },
			421, []string{`"code":"invalid_request_error"`}},
		{"a no-cors GET from another site", func(string) raw {
			return raw{"GET", "/api/chat/stream?q=hi", "", "", []string{"Sec-Fetch-Site", "cross-site"}}
		}, 403, []string{"Sec-Fetch-Site: cross-site"}},
		{"a GET from a page on another port", func(string) raw {
			return raw{"GET", "/api/chat/stream?q=hi", "", "", []string{"Sec-Fetch-Site", "same-site"}}
		}, 403, []string{"Sec-Fetch-Site: same-site"}},
		{"a URL typed in the address bar", func(p string) raw {
			return raw{"GET", "/api/chat/stream?q=hi", "", "localhost:" + p, []string{"Sec-Fetch-Site", "none"}}
		}, 200, []string{`"type":"done"`}},
		{"localhost", func(p string) raw { return raw{"POST", "/api/chat/stream", jsonType, "LOCALHOST:" + p, nil} }, 200, nil},
		{"127.0.0.1 without a port", func(string) raw { return raw{"POST", "/api/chat/stream", jsonType, "127.0.0.1", nil} }, 200, nil},
		{"[::1]", func(p string) raw { return raw{"POST", "/api/chat/stream", jsonType, "[::1]:" + p, nil} }, 200, nil},
	}
	var logs logBuffer
	_, ts := startServer(t, server.Config{Log: logs.logger()})
	refused := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := c.rq(port(ts.URL)).send(t, ts.URL)
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, body)
			}
			for _, in := range c.in {
				if !strings.Contains(body, in) {
					t.Errorf("body lacks %s:\n%s", in, body)
				}
			}
			if status == http.StatusOK {
				return
			}
			refused++
			lines := logs.lines()
			if len(lines) != refused || !strings.Contains(lines[len(lines)-1], "refused "+c.rq("").method) || !strings.Contains(lines[len(lines)-1], strconv.Itoa(status)) {
				t.Errorf("log, want a line per refusal:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}

func TestGuardAnswersAllowedOriginsWithCORS(t *testing.T) {
	const app = "http://localhost:3000"
	_, ts := startServer(t, server.Config{CORS: []string{app}})
	t.Run("a stream", func(t *testing.T) {
		status, h, body := raw{"POST", "/api/chat/stream", jsonType, "", []string{"Origin", app}}.send(t, ts.URL)
		if status != 200 || h.Get("Access-Control-Allow-Origin") != app || h.Get("Vary") != "Origin" || !strings.Contains(body, `"type":"done"`) {
			t.Errorf("status %d, headers %v", status, h)
		}
	})
	t.Run("an error the page can read", func(t *testing.T) {
		status, h, _ := raw{"POST", "/api/chat/stream", "text/plain", "", []string{"Origin", app}}.send(t, ts.URL)
		if status != 415 || h.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("status %d, headers %v", status, h)
		}
	})
	t.Run("a preflight", func(t *testing.T) {
		status, h, _ := raw{"OPTIONS", "/v1/messages", "", "", []string{"Origin", app,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-api-key,anthropic-version"}}.send(t, ts.URL)
		if status != 204 || h.Get("Access-Control-Allow-Origin") != app || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			h.Get("Access-Control-Allow-Headers") != "content-type,x-api-key,anthropic-version" {
			t.Errorf("status %d, headers %v", status, h)
		}
	})
	t.Run("a preflight from another origin", func(t *testing.T) {
		status, h, body := raw{"OPTIONS", "/v1/messages", "", "", []string{"Origin", "http://localhost:4000",
			"Access-Control-Request-Method", "POST"}}.send(t, ts.URL)
		if status != 403 || h.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(body, "--cors") {
			t.Errorf("status %d, headers %v, body %s", status, h, body)
		}
	})
	t.Run("a program", func(t *testing.T) {
		if _, h, _ := (raw{"POST", "/api/chat/stream", jsonType, "", nil}).send(t, ts.URL); h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS headers without an Origin: %v", h)
		}
	})
	_, any := startServer(t, server.Config{CORS: []string{"*"}})
	if status, h, _ := (raw{"POST", "/api/chat/stream", jsonType, "", []string{"Origin", "https://a.test"}}).send(t, any.URL); status != 200 || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("--cors '*': status %d, headers %v", status, h)
	}
}

func TestAllowHostsAnswersTheirNames(t *testing.T) {
	_, ts := startServer(t, server.Config{AllowHosts: []string{"Chat.Test"}})
	for host, want := range map[string]int{"chat.test": 200, "chat.test:8443": 200, "localhost": 200, "other.test": 421} {
		status, _, body := raw{"POST", "/api/chat/stream", jsonType, host, nil}.send(t, ts.URL)
		if status != want {
			t.Errorf("Host %s: status %d, want %d: %s", host, status, want, body)
		}
		if status == 421 && !strings.Contains(body, "and those given with --allow-host") {
			t.Errorf("Host %s: %s", host, body)
		}
	}
}

// A connection to an address that is not loopback was exposed on purpose:
// any name is answered, unless AllowHosts lists them.
func TestHostCheckOnOtherAddressesOnlyWithAllowHosts(t *testing.T) {
	for _, c := range []struct {
		hosts []string
		want  int
	}{{nil, 200}, {[]string{"chat.test"}, 421}} {
		req := httptest.NewRequest(http.MethodPost, "/api/chat/stream", strings.NewReader(hi))
		req.Host = "lan-name.test:8080"
		req.Header.Set("Content-Type", jsonType)
		req.Header.Set("X-Tok-Scenario", "tokens=1,"+fast)
		ctx := context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 8080})
		w := httptest.NewRecorder()
		server.New(server.Config{AllowHosts: c.hosts}).ServeHTTP(w, req.WithContext(ctx))
		if w.Code != c.want {
			t.Errorf("AllowHosts %v: status %d, want %d: %s", c.hosts, w.Code, c.want, w.Body)
		}
	}
}

func TestRefusalsAreRecordedInStats(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	raw{"POST", "/v1/chat/completions", "text/plain", "", []string{"Authorization", "Bearer k"}}.send(t, ts.URL)
	rec := last(t, ts.URL)
	var e struct{ Error struct{ Type string } }
	if rec.End != server.EndRejected || rec.Status != 415 || rec.Dialect != "openai" || !strings.Contains(rec.Error, "application/json") {
		t.Errorf("record %+v", rec)
	}
	_, _, body := raw{"POST", "/v1/chat/completions", "text/plain", "", []string{"Authorization", "Bearer k"}}.send(t, ts.URL)
	if json.Unmarshal([]byte(body), &e) != nil || e.Error.Type != "invalid_request_error" {
		t.Errorf("OpenAI's error shape: %s", body)
	}
}
