package client

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestStreamDecodesOurTranscripts(t *testing.T) {
	tests := []struct {
		file, text, end string
		dialect         Dialect
		kinds           string // the event kinds, in order, beyond text
	}{
		{"tok-basic.sse", "Hello, **world** 日本語 🚀\n", "complete", DialectTok, "start usage done"},
		{"tok-tools-crlf.sse", "Checking the weather. It is 18°C in Paris.", "complete", DialectTok, "start tool_start tool_executing tool_result usage done"},
		{"tok-error.sse", "Partial", "error", DialectTok, "start error"},
		{"tok-cut-off.sse", "cut off", "truncated", DialectTok, ""},
		{"openai-usage.sse", "Hi", "complete", DialectOpenAIChat, "start usage done"},
		{"sse-text.sse", "hello plain\nlines", "complete", DialectText, "done"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("../testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			s := NewStream(bytes.NewReader(b))
			got := collect(s)
			if got.text != tt.text || got.end != tt.end || s.Dialect() != tt.dialect {
				t.Errorf("got %q, %s, %s; want %q, %s, %s (err %v)", got.text, got.end, s.Dialect(), tt.text, tt.end, tt.dialect, got.err)
			}
			var kinds []byte
			for _, ev := range got.events {
				if ev.Kind != KindText {
					kinds = append(append(kinds, ' '), ev.Kind.String()...)
				}
			}
			if k := string(bytes.TrimSpace(kinds)); k != tt.kinds {
				t.Errorf("kinds = %q, want %q", k, tt.kinds)
			}
		})
	}
}

func TestToolResultKeepsTheServersJSON(t *testing.T) {
	b, _ := os.ReadFile("../testdata/tok-tools-crlf.sse")
	for _, ev := range collect(NewStream(bytes.NewReader(b))).events {
		if ev.Kind == KindToolResult && ev.Tool.Result != `{"city":"Paris","temp":18}` {
			t.Errorf("result = %q", ev.Tool.Result)
		}
	}
}

func TestPlainTextBodyStreamsAsText(t *testing.T) {
	tests := []struct{ name, body, text string }{
		{"prose", "The answer is 42.\nThat is all.", "The answer is 42.\nThat is all."},
		{"starts like a field name", "dat is not SSE", "dat is not SSE"},
		{"one letter and colon", "a: not the data stream", "a: not the data stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStream(bytes.NewBufferString(tt.body))
			got := collect(s)
			if got.text != tt.text || got.end != "complete" {
				t.Errorf("text %q end %s, want %q complete", got.text, got.end, tt.text)
			}
		})
	}
}

// TestAnEmptyAnswerIsAnError: a body, well formed or not, that brings no
// text, reasoning or tool call is not an answer, so a caller that checks
// only the error cannot take it for one.
func TestAnEmptyAnswerIsAnError(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty body", ""},
		{"blank lines", "\n\n\n"},
		{"tok: done with nothing before it", "data: {\"type\":\"start\"}\n\ndata: {\"type\":\"done\"}\n\ndata: [DONE]\n\n"},
		{"openai: a role chunk and a finish", `data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n" +
			`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n"},
		{"anthropic: no content block", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n" +
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(NewStream(bytes.NewBufferString(tt.body)))
			if !errors.Is(got.err, ErrEmptyAnswer) {
				t.Errorf("err = %v, want ErrEmptyAnswer (end %s)", got.err, got.end)
			}
			var co *CutOffError
			if errors.As(got.err, &co) {
				t.Errorf("err = %v: an empty answer is not a cut-off", got.err)
			}
		})
	}
	// SSE that ends before a terminal event is cut off, empty or not.
	got := collect(NewStream(bytes.NewBufferString(": ping\n\n: ping\n\n")))
	if got.end != "truncated" {
		t.Errorf("heartbeats only: end %s (err %v), want a cut-off", got.end, got.err)
	}
}

// TestAnUnterminatedLastFrameKeepsItsText: a body that ends on a whole
// frame without its blank line keeps that frame's text with its finish;
// one cut inside its JSON loses both, so the stream is cut off.
func TestAnUnterminatedLastFrameKeepsItsText(t *testing.T) {
	const head = `data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}` + "\n\n"
	tests := []struct{ name, body, text, end string }{
		{"whole, with the finish", head + `data: {"choices":[{"index":0,"delta":{"content":" world."},"finish_reason":"stop"}]}`, "Hello world.", "complete"},
		{"cut inside the JSON", head + `data: {"choices":[{"index":0,"delta":{"content":" world."},"finish_re`, "Hello", "truncated"},
		{"tok token, no done", `data: {"type":"token","content":"Hello"}` + "\n\n" + `data: {"type":"token","content":" world"}`, "Hello world", "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(NewStream(bytes.NewBufferString(tt.body)))
			if got.text != tt.text || got.end != tt.end {
				t.Errorf("text %q end %s, want %q %s (err %v)", got.text, got.end, tt.text, tt.end, got.err)
			}
		})
	}
}

// TestAnEmptyFirstFrameDoesNotDecideTheDialect: keep-alive frames with
// empty data before the first JSON frame leave the dialect open.
func TestAnEmptyFirstFrameDoesNotDecideTheDialect(t *testing.T) {
	body := "data:\n\ndata: \n\n" + `data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}` + "\n\n" +
		`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n"
	s := NewStream(bytes.NewBufferString(body))
	got := collect(s)
	if got.text != "Hi" || got.end != "complete" || s.Dialect() != DialectOpenAIChat {
		t.Errorf("text %q end %s dialect %s, want Hi complete openai-chat (err %v)", got.text, got.end, s.Dialect(), got.err)
	}
}

func TestErrorMessagesWithJSONInsideAreReadOut(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"upstream overloaded", "upstream overloaded"},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "overloaded_error: Overloaded"},
		{`429 {"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"r1"}`, "rate_limit_error: 429 slow down"},
		{"not {json", "not {json"},
	}
	for _, tt := range tests {
		if got := serverError(tt.msg, "").Error(); got != tt.want {
			t.Errorf("serverError(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

func TestVercelFinishCarriesUsageInMessageMetadata(t *testing.T) {
	body := "data: {\"type\":\"start\"}\n\ndata: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"hi\"}\n\n" +
		"data: {\"type\":\"finish\",\"finishReason\":\"stop\",\"messageMetadata\":{\"usage\":{\"inputTokens\":3,\"outputTokens\":1}}}\n\ndata: [DONE]\n\n"
	got := collect(NewStream(bytes.NewBufferString(body)))
	var u Usage
	for _, ev := range got.events {
		if ev.Kind == KindUsage {
			u = ev.Usage
		}
	}
	if u != (Usage{InputTokens: 3, OutputTokens: 1}) || got.end != "complete" {
		t.Errorf("usage %+v, end %s", u, got.end)
	}
}

// TestAnErrorEventIsTheStreamsError: a caller that checks only the
// error sees the failure; the event still comes first, for the picture.
func TestAnErrorEventIsTheStreamsError(t *testing.T) {
	b, err := os.ReadFile("../testdata/tok-error.sse")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	var last error
	for ev, err := range NewStream(bytes.NewReader(b)).Events() {
		if err != nil {
			last = err
			continue
		}
		kinds = append(kinds, ev.Kind)
	}
	var se *ServerError
	if !errors.As(last, &se) || se.Message != "upstream overloaded" {
		t.Errorf("err = %v (%T), want the server's *ServerError", last, last)
	}
	if n := len(kinds); n == 0 || kinds[n-1] != KindError {
		t.Errorf("kinds = %v, want the error event last", kinds)
	}
}
