package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tokcli/tok/client"
)

// wsAnswer is what a stream delivered: its text, the events' kinds, and
// the error that ended it.
type wsAnswer struct {
	text    string
	kinds   []string
	dialect client.Dialect
	err     error
}

func readWS(s *client.Stream) wsAnswer {
	var a wsAnswer
	var b strings.Builder
	for ev, err := range s.Events() {
		if err != nil {
			a.err = err
			break
		}
		a.kinds = append(a.kinds, ev.Kind.String())
		if ev.Kind == client.KindText {
			b.WriteString(ev.Text)
		}
		a.dialect = s.Dialect()
	}
	a.text = b.String()
	return a
}

func newWSClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	c := client.New(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

func askWS(t *testing.T, c *client.Client, url string, msgs ...string) *client.Stream {
	t.Helper()
	var conv []client.Message
	for i, m := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		conv = append(conv, client.Message{Role: role, Content: m})
	}
	s, err := c.Chat(context.Background(), client.Endpoint{URL: url}, conv)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	return s
}

func TestWebSocketDetectsTheDialectFromTheMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		messages []string
		close    bool // the server closes normally after them
		dialect  client.Dialect
		text     string
		kinds    string
		err      string
	}{
		{"the chat protocol", []string{`{"type":"token","content":"Hello, "}`, `{"type":"token","content":"world."}`,
			`{"type":"stream_end","interrupted":false}`}, false, client.DialectWSChat, "Hello, world.", "start text text done", ""},
		{"tok's objects", []string{`{"type":"start","messageId":"m1"}`, `{"type":"token","content":"Hi"}`,
			`{"type":"done","usage":{"inputTokens":1,"outputTokens":1}}`}, false, client.DialectTok, "Hi", "start text usage done", ""},
		{"an error message", []string{`{"type":"token","content":"Hi"}`, `{"type":"error","message":"upstream failed"}`},
			false, client.DialectWSChat, "Hi", "start text error", "upstream failed"},
		{"Responses events", []string{`{"type":"response.created","response":{"id":"r1","model":"m"}}`,
			`{"type":"response.output_text.delta","delta":"Yo"}`, `{"type":"response.completed","response":{"status":"completed"}}`},
			false, client.DialectOpenAIResponses, "Yo", "start text done", ""},
		{"plain text ends at a normal close", []string{"plain ", "text"}, true, client.DialectText, "plain text", "text text done", ""},
		{"the chat protocol cut by a normal close", []string{`{"type":"token","content":"Hi"}`}, true, client.DialectWSChat, "Hi",
			"start text", "cut off after 1 tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newWSServer(t, func(p *peer) {
				if _, ok := p.next(); !ok {
					return
				}
				for _, m := range tt.messages {
					p.sendRaw(m)
				}
				if tt.close {
					p.c.Close(1000, "")
					return
				}
				p.next() // until the client goes
			})
			c := newWSClient(t, client.Config{})
			a := readWS(askWS(t, c, srv.url("/ws"), "hi"))
			if a.text != tt.text || strings.Join(a.kinds, " ") != tt.kinds || a.dialect != tt.dialect {
				t.Errorf("got %q %q %s, want %q %q %s", a.text, strings.Join(a.kinds, " "), a.dialect, tt.text, tt.kinds, tt.dialect)
			}
			if tt.err == "" && a.err != nil || tt.err != "" && (a.err == nil || !strings.Contains(a.err.Error(), tt.err)) {
				t.Errorf("err = %v, want %q", a.err, tt.err)
			}
		})
	}
}

// TestWebSocketKeepsOneConnectionAcrossTurns: the second turn goes out
// on the first's connection with only the new question.
func TestWebSocketKeepsOneConnectionAcrossTurns(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	srv := newWSServer(t, chatServer(chatKnobs{tokens: 3}, got))
	c := newWSClient(t, client.Config{})
	if a := readWS(askWS(t, c, srv.url("/ws"), "one")); a.err != nil || a.text != "t0 t1 t2 " {
		t.Fatalf("first wsAnswer %q, %v", a.text, a.err)
	}
	if a := readWS(askWS(t, c, srv.url("/ws"), "one", "t0 t1 t2 ", "two")); a.err != nil {
		t.Fatalf("second wsAnswer: %v", a.err)
	}
	first, second := <-got, <-got
	if first["content"] != "one" || first["messages"] != nil {
		t.Errorf("first message = %v, want content one and no messages", first)
	}
	if second["content"] != "two" || second["messages"] != nil {
		t.Errorf("second message = %v, want content two alone", second)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestWebSocketInterruptIsAcknowledged: the interrupt goes out, the
// stream ends interrupted with nothing after it, and the next turn uses
// the same connection.
func TestWebSocketInterruptIsAcknowledged(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	srv := newWSServer(t, chatServer(chatKnobs{tokens: 1000, interval: time.Millisecond}, got))
	c := newWSClient(t, client.Config{})
	s := askWS(t, c, srv.url("/ws"), "one")
	a, stop := readUntilInterrupt(s, 3, time.Second)
	if stop == nil || stop.How != client.StopInterrupted || stop.Ack < stop.At {
		t.Fatalf("the stream ended with %v, want stopped (interrupted)", a.err)
	}
	if strings.Count(a.text, "t") != 3 {
		t.Errorf("text %q: want the 3 tokens before the interrupt and none after", a.text)
	}
	if !errors.Is(a.err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false", a.err)
	}
	if b := readWS(askWS(t, c, srv.url("/ws"), "one", a.text, "two")); b.err != nil {
		t.Fatalf("next turn: %v", b.err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d connections, want 1: the interrupt must not close the socket", n)
	}
	<-got
	if m := <-got; m["type"] != "interrupt" {
		t.Errorf("the server got %v, want the interrupt", m)
	}
	if m := <-got; m["content"] != "two" || m["messages"] != nil {
		t.Errorf("next turn's message = %v, want the question alone", m)
	}
}

// readUntilInterrupt reads n text events, interrupts, and reads on.
func readUntilInterrupt(s *client.Stream, n int, wait time.Duration) (wsAnswer, *client.StopError) {
	var a wsAnswer
	var b strings.Builder
	texts := 0
	for ev, err := range s.Events() {
		if err != nil {
			a.err = err
			break
		}
		if ev.Kind == client.KindText {
			b.WriteString(ev.Text)
			if texts++; texts == n {
				s.Interrupt(wait)
			}
		}
	}
	a.text = b.String()
	var stop *client.StopError
	errors.As(a.err, &stop)
	return a, stop
}

// TestWebSocketInterruptWithoutAckClosesTheSocket: a server that keeps
// streaming gets its socket closed after the wait, and the next turn
// dials again and sends the whole conversation.
func TestWebSocketInterruptWithoutAckClosesTheSocket(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 2000)
	srv := newWSServer(t, chatServer(chatKnobs{tokens: 200, interval: time.Millisecond, noAck: true}, got))
	c := newWSClient(t, client.Config{})
	a, stop := readUntilInterrupt(askWS(t, c, srv.url("/ws"), "one"), 2, 50*time.Millisecond)
	if stop == nil || stop.How != client.StopClosed {
		t.Fatalf("the stream ended with %v, want stopped (connection closed)", a.err)
	}
	if strings.Count(a.text, "t") != 2 {
		t.Errorf("text %q: want the 2 tokens before the interrupt", a.text)
	}
	if b := readWS(askWS(t, c, srv.url("/ws"), "one", a.text, "two")); b.err != nil {
		t.Fatalf("next turn: %v", b.err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d connections, want 2: the next turn must dial again", n)
	}
	var last map[string]any
	for m := range drain(got) {
		if m["type"] == "message" {
			last = m
		}
	}
	msgs, _ := last["messages"].([]any)
	if last["content"] != "two" || len(msgs) != 3 {
		t.Errorf("the new connection's first message = %v, want content two and the 3 messages", last)
	}
}

// drain yields what is in ch now.
func drain(ch chan map[string]any) func(func(map[string]any) bool) {
	return func(yield func(map[string]any) bool) {
		for {
			select {
			case m := <-ch:
				if !yield(m) {
					return
				}
			default:
				return
			}
		}
	}
}

// TestWebSocketDropsLateTokens: tokens a server sends after the interrupt,
// before and after its acknowledgement, are never yielded, not even at
// the next turn.
func TestWebSocketDropsLateTokens(t *testing.T) {
	t.Parallel()
	srv := newWSServer(t, chatServer(chatKnobs{tokens: 1000, interval: time.Millisecond, late: 5}, nil))
	c := newWSClient(t, client.Config{})
	a, stop := readUntilInterrupt(askWS(t, c, srv.url("/ws"), "one"), 2, time.Second)
	if stop == nil || stop.How != client.StopInterrupted || strings.Contains(a.text, "late") {
		t.Fatalf("got %q, %v", a.text, a.err)
	}
	b := readWS(askWS(t, c, srv.url("/ws"), "one", a.text, "two"))
	if b.err != nil || strings.Contains(b.text, "late") || !strings.HasPrefix(b.text, "t0 ") {
		t.Errorf("next wsAnswer %q, %v: want one of its own, without late tokens", b.text, b.err)
	}
}

// TestWebSocketDropMidAnswerIsACutOff: the text is kept, the stream ends
// cut off, and the next turn dials again with the conversation.
func TestWebSocketDropMidAnswerIsACutOff(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	srv := newWSServer(t, chatServer(chatKnobs{tokens: 10, dropAfter: 3}, got))
	c := newWSClient(t, client.Config{})
	a := readWS(askWS(t, c, srv.url("/ws"), "one"))
	var co *client.CutOffError
	if !errors.As(a.err, &co) || co.Tokens != 3 || a.text != "t0 t1 t2 " {
		t.Fatalf("got %q, %v; want the 3 tokens and a cut-off", a.text, a.err)
	}
	b := readWS(askWS(t, c, srv.url("/ws"), "one", a.text, "two"))
	if b.text != "t0 t1 t2 " {
		t.Errorf("next wsAnswer %q, %v", b.text, b.err)
	}
	<-got
	m := <-got
	if msgs, _ := m["messages"].([]any); m["content"] != "two" || len(msgs) != 3 {
		t.Errorf("after the drop the first message = %v, want the whole conversation", m)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestWebSocketIdleTimeoutCountsPongs: a server silent for longer than
// the idle timeout keeps the answer alive while it answers pings, and
// ends it as idle when it does not.
func TestWebSocketIdleTimeoutCountsPongs(t *testing.T) {
	t.Parallel()
	silence := func(p *peer) {
		if _, ok := p.next(); !ok {
			return
		}
		p.send(map[string]any{"type": "token", "content": "a"})
		select {
		case <-p.gone:
			return
		case <-time.After(700 * time.Millisecond): // silent, but for the pongs
		}
		p.send(map[string]any{"type": "token", "content": "b"})
		p.send(map[string]any{"type": "stream_end", "interrupted": false})
		p.next()
	}
	cfg := client.Config{IdleTimeout: 300 * time.Millisecond, PingInterval: 20 * time.Millisecond}
	t.Run("pongs keep it alive", func(t *testing.T) {
		t.Parallel()
		srv := newWSServer(t, silence)
		if a := readWS(askWS(t, newWSClient(t, cfg), srv.url("/ws"), "q")); a.err != nil || a.text != "ab" {
			t.Errorf("got %q, %v; want the whole answer", a.text, a.err)
		}
	})
	t.Run("no pongs, no life", func(t *testing.T) {
		t.Parallel()
		deaf := &websocket.AcceptOptions{OnPingReceived: func(context.Context, []byte) bool { return false }}
		srv := newWSServerOpts(t, deaf, silence)
		a := readWS(askWS(t, newWSClient(t, cfg), srv.url("/ws"), "q"))
		if !errors.Is(a.err, client.ErrIdleTimeout) || a.text != "a" {
			t.Errorf("got %q, %v; want the idle timeout after a", a.text, a.err)
		}
	})
}
