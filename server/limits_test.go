package server_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

func TestScenarioAndSessionBounds(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	cases := []struct {
		name, scenario, body, want string
	}{
		{"a scenario over 1024 bytes", "tokens=2," + strings.Repeat("x", 1100), hi, "the scenario is 1109 bytes long; at most 1024"},
		{"too many tokens", "tokens=100001", hi, "scenario knob tokens is at most 100000, not 100001"},
		{"too much buffer", "buffer=1048577", hi, "scenario knob buffer is at most 1048576 bytes, not 1048577"},
		{"a long session id", fast, `{"messages":[{"role":"user","content":"hi"}],"sessionId":"` + strings.Repeat("s", 300) + `"}`,
			"sessionId is 300 bytes long; at most 256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := post(t, t.Context(), ts.URL+"/api/chat/stream", c.scenario, c.body)
			var he *client.HTTPError
			if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(he.Message, c.want) {
				t.Errorf("err = %v, want a 400 saying %q", err, c.want)
			}
		})
	}
}

func TestStatsRecordsAreClipped(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	long := strings.Repeat("tokens=1,", 110) + fast // 1000 bytes, and valid
	bigRole := `{"messages":[{"role":"` + strings.Repeat("é", 50000) + `","content":"hi"}]}`
	post(t, t.Context(), ts.URL+"/api/chat/stream", long, bigRole)
	rec := last(t, ts.URL)
	for name, f := range map[string]string{"scenario": rec.Scenario, "error": rec.Error} {
		if len(f) > 512 || !strings.HasSuffix(f, "…") || !utf8.ValidString(f) {
			t.Errorf("%s: %d bytes, %q…", name, len(f), f[:min(len(f), 40)])
		}
	}
}

func TestHTTPServerBoundsHeadersNotStreams(t *testing.T) {
	srv := server.New(server.Config{})
	hs := srv.HTTPServer()
	if hs.MaxHeaderBytes != 64<<10 || hs.ReadHeaderTimeout <= 0 || hs.IdleTimeout <= 0 || hs.ReadTimeout != 0 || hs.WriteTimeout != 0 {
		t.Errorf("http.Server limits: headers %d in %s, idle %s, read %s, write %s",
			hs.MaxHeaderBytes, hs.ReadHeaderTimeout, hs.IdleTimeout, hs.ReadTimeout, hs.WriteTimeout)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = hs
	ts.Start()
	defer ts.Close()
	req := scenarioRequest(t, t.Context(), ts.URL+"/api/chat/stream", strings.Repeat("x", 1<<20), hi)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 1 MiB scenario header: status %d, want 431", resp.StatusCode)
	}
}

// A client that sends its headers, then trickles its body, is cut off
// when the body timeout has passed since the headers, however it trickles.
func TestSlowBodyIsCutOff(t *testing.T) {
	var logs logBuffer
	_, ts := startServer(t, server.Config{BodyTimeout: 100 * time.Millisecond, Log: logs.logger()})
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails the test, not the suite
	conn.Write([]byte("POST /api/chat/stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"))
	go func() { // a byte at a time, until the server hangs up
		for range time.Tick(20 * time.Millisecond) {
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body.String(), "the request body did not arrive within 100ms") {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if lines := logs.lines(); len(lines) != 1 || !strings.Contains(lines[0], "408") {
		t.Errorf("log %q, want one line", lines)
	}
}

// The body timeout is lifted once the body is read: a stream may run for
// longer.
func TestStreamOutlastsTheBodyTimeout(t *testing.T) {
	_, ts := startServer(t, server.Config{BodyTimeout: 20 * time.Millisecond})
	s, err := post(t, t.Context(), ts.URL+"/api/chat/stream", "tokens=5,first=0,interval=25", hi)
	if err != nil {
		t.Fatal(err)
	}
	if a := read(s); a.err != nil || a.text != demoText(5) {
		t.Errorf("a stream of 100 ms under a body timeout of 20 ms: text %q, err %v", a.text, a.err)
	}
}

// A client that stops reading is let go once a write cannot reach it.
func TestClientThatStopsReadingIsLetGo(t *testing.T) {
	_, ts := startServer(t, server.Config{WriteTimeout: 50 * time.Millisecond})
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	req := scenarioRequest(t, context.Background(), "http://"+ts.Listener.Addr().String()+"/v1/messages",
		"tokens=100000,first=0,interval=0", `{"model":"m","max_tokens":100000,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		"x-api-key", "k", "anthropic-version", "2023-06-01")
	req.Write(conn) // and read nothing
	rec := last(t, ts.URL)
	if rec.End != server.EndClientDisconnect || rec.TokensSent >= 100000 {
		t.Errorf("record %+v", rec)
	}
}
