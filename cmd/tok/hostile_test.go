package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileTexts is what a hostile server sends to take over a terminal:
// every kind of escape sequence, C1 controls raw and UTF-8 encoded, and a
// line break followed by a line that pretends to be tok's.
var hostileTexts = []string{
	"\x1b[2J\x1b[Hcleared",
	"\x1b]0;pwned\x07title",
	"\x1b]52;c;ZXZpbA==\x07clip",
	"\x1bPq#0;2\x1b\\dcs",
	"\x1b_Gf=100;AAAA\x1b\\apc",
	"\u009b2Jc1",
	"\u009d0;pwned\u009cosc8",
	"raw\x9b2J\x9d0;t\x07",
	"first\ntok: forged line\r\nthird",
}

// checkSafe fails when out holds anything a terminal reads as a control:
// ESC, C0 other than newline and tab, DEL, C1 (encoded or as raw bytes).
func checkSafe(t *testing.T, where, out string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			t.Errorf("%s: raw byte %#x at %d in %q", where, out[i], i, out)
			return
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			t.Errorf("%s: control %U at %d in %q", where, r, i, out)
			return
		}
		i += size
	}
}

// checkOneErrorLine fails unless stderr is exactly one line per tok: line
// it should hold, so a server cannot forge a line of its own.
func checkOneErrorLine(t *testing.T, where, stderr string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, "tok: ") && !strings.HasPrefix(line, "⚙ ") &&
			!strings.HasPrefix(line, "> ") && !strings.HasPrefix(line, "< ") && !strings.HasPrefix(line, "* ") {
			t.Errorf("%s: stderr has a line tok did not write: %q", where, line)
		}
	}
	if strings.Count(stderr, "forged") > 0 && strings.Contains(stderr, "\ntok: forged") {
		t.Errorf("%s: the forged line stands on its own: %q", where, stderr)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestHostileServerTextNeverReachesTheTerminal feeds every path that shows
// server text the same hostile set.
func TestHostileServerTextNeverReachesTheTerminal(t *testing.T) {
	paths := []struct {
		name    string
		handler func(h string) http.HandlerFunc
		args    []string
	}{
		{"an error event", func(h string) http.HandlerFunc {
			return sseHandler("data: {\"type\":\"token\",\"content\":\"partial\"}\n\ndata: {\"type\":\"error\",\"message\":" + jsonString(h) + "}\n\n")
		}, nil},
		{"a JSON error body", func(h string) http.HandlerFunc {
			return statusHandler(400, "application/json", `{"error":{"message":`+jsonString(h)+`,"type":`+jsonString(h)+`}}`)
		}, nil},
		{"an HTML error page", func(h string) http.HandlerFunc {
			return statusHandler(502, "text/html", "<html><title>"+h+"</title></html>")
		}, nil},
		{"a retry's reason", func(h string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After-Ms", "1")
				statusHandler(503, "application/json", `{"error":{"message":`+jsonString(h)+`}}`)(w, r)
			}
		}, []string{"--retries", "1"}},
		{"a tool call", func(h string) http.HandlerFunc {
			return sseHandler("data: {\"type\":\"tool_start\",\"name\":" + jsonString(h) + ",\"id\":\"1\"}\n\n" +
				"data: {\"type\":\"tool_executing\",\"name\":" + jsonString(h) + "}\n\n" +
				"data: {\"type\":\"tool_result\",\"name\":" + jsonString(h) + ",\"result\":" + jsonString(h) + "}\n\n" +
				"data: {\"type\":\"token\",\"content\":" + jsonString(h) + "}\n\ndata: {\"type\":\"done\"}\n\n")
		}, nil},
		{"--events", func(h string) http.HandlerFunc {
			return sseHandler("data: {\"type\":\"token\",\"content\":" + jsonString(h) + "}\n\ndata: {\"type\":\"error\",\"message\":" + jsonString(h) + "}\n\n")
		}, []string{"--events"}},
		{"a JSON document instead of a stream", func(h string) http.HandlerFunc {
			return statusHandler(200, "application/json", `{"message":`+jsonString(h)+`}`)
		}, nil},
		{"the model's text", func(h string) http.HandlerFunc {
			return sseHandler("data: {\"type\":\"token\",\"content\":" + jsonString(h) + "}\n\ndata: {\"type\":\"done\"}\n\n")
		}, nil},
	}
	for _, p := range paths {
		for i, h := range hostileTexts {
			t.Run(fmt.Sprintf("%s/%d", p.name, i), func(t *testing.T) {
				srv := serveRaw(t, p.handler(h))
				r := runTok(t, "", append(append([]string{"--url", srv.URL}, p.args...), "hi")...)
				checkSafe(t, "stdout", r.stdout)
				checkSafe(t, "stderr", r.stderr)
				checkOneErrorLine(t, "stderr", r.stderr)
			})
		}
	}
}

func sseHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, body)
	}
}

func statusHandler(code int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

// TestHostileHeaderValuesAreSanitisedInVerboseOutput: -v shows response
// headers, which net/http passes on with C1 bytes and UTF-8 C1 in them.
func TestHostileHeaderValuesAreSanitisedInVerboseOutput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				req.Body.Close()
				body := "data: {\"type\":\"token\",\"content\":\"ok\"}\n\ndata: {\"type\":\"done\"}\n\n"
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Raw: a\x9b2Jb\x9d0;t\r\nX-Utf8: a\u009b2Jb\u009d0;t\u009c\r\nX-Bidi: \u202eevil\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
			}()
		}
	}()
	r := runTok(t, "", "-v", "--url", "http://"+ln.Addr().String(), "hi")
	if r.code != 0 || !strings.Contains(r.stderr, "< X-Utf8:") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	checkSafe(t, "stderr", r.stderr)
	if strings.Contains(r.stderr, "\u202e") {
		t.Errorf("stderr keeps a bidi override: %q", r.stderr)
	}
}
