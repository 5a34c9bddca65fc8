package tui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/coder/websocket"
	"github.com/tokcli/tok/client"
)

// chatSocket serves the chat protocol over WebSocket: for each message,
// a token every 5 ms until done or interrupted; it acknowledges an
// interrupt unless noAck. It counts connections and keeps each message.
type chatSocket struct {
	*httptest.Server
	mu    sync.Mutex
	conns int
	got   []map[string]any
}

func newChatSocket(t *testing.T, noAck bool) *chatSocket {
	t.Helper()
	s := &chatSocket{}
	var wg sync.WaitGroup
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer c.CloseNow()
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.serve(c, noAck)
	}))
	t.Cleanup(func() {
		s.Server.CloseClientConnections()
		s.Server.Close()
		wg.Wait()
	})
	return s
}

func (s *chatSocket) serve(c *websocket.Conn, noAck bool) {
	in := make(chan map[string]any, 16)
	go func() {
		defer close(in)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			s.mu.Lock()
			s.got = append(s.got, m)
			s.mu.Unlock()
			in <- m
		}
	}()
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		return c.Write(context.Background(), websocket.MessageText, b) == nil
	}
	for m := range in {
		if m["type"] != "message" {
			continue
		}
	answer:
		for i := 0; i < 400; i++ {
			select {
			case m, ok := <-in:
				if !ok {
					return
				}
				if m["type"] == "interrupt" && !noAck {
					send(map[string]any{"type": "stream_end", "interrupted": true})
					break answer
				}
			case <-time.After(5 * time.Millisecond):
			}
			if !send(map[string]any{"type": "token", "content": "word "}) {
				return
			}
		}
	}
}

func (s *chatSocket) opener(t *testing.T) Opener {
	c := client.New(client.Config{})
	t.Cleanup(func() { c.Close() })
	ep := client.Endpoint{URL: "ws" + strings.TrimPrefix(s.URL, "http") + "/ws"}
	return func(ctx context.Context, msgs []client.Message) (*client.Stream, error) {
		return c.Chat(ctx, ep, msgs)
	}
}

// TestStopKeyInterruptsAWebSocketAnswer: Esc sends the interrupt; the
// answer stays, marked stopped (interrupted), and the next question goes
// out on the same socket.
func TestStopKeyInterruptsAWebSocketAnswer(t *testing.T) {
	srv := newChatSocket(t, false)
	cfg := testConfig(t, srv.opener(t))
	cfg.InterruptWait = 2 * time.Second
	l := newLoop(update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30}))
	l.m = typeText(l.m, "first")
	l.send(keyMsg("enter"))
	l.until(t, "a few tokens", func(m Model) bool { return m.live() != nil && m.live().tokens >= 3 })
	l.send(keyMsg("esc"))
	partial := l.m.turns[0].answer()
	l.until(t, "the acknowledgement", func(m Model) bool { return m.turns[0].stopHow != "" })
	s := screen(l.m)
	wantOnScreen(t, s, "■ stopped (interrupted)", "stopped (interrupted)")
	if got := l.m.turns[0].answer(); got != partial || strings.TrimSpace(got) == "" {
		t.Errorf("answer after the stop %q, want the partial %q: nothing shown after the key", got, partial)
	}
	l.m = typeText(l.m, "second")
	l.send(keyMsg("enter"))
	l.until(t, "the second answer", func(m Model) bool { return m.live() != nil && m.live().tokens >= 2 })
	l.send(keyMsg("esc"))
	l.until(t, "the second stop", func(m Model) bool { return m.turns[1].stopHow != "" })
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.conns != 1 {
		t.Errorf("%d connections, want 1: the interrupt keeps the socket", srv.conns)
	}
	if n := len(srv.got); n < 3 || srv.got[2]["content"] != "second" || srv.got[2]["messages"] != nil {
		t.Errorf("the server got %v; want the second question alone after the interrupt", srv.got)
	}
}

// TestStopKeyClosesASocketThatDoesNotAcknowledge: no acknowledgement
// within the wait closes the socket, and the status says so.
func TestStopKeyClosesASocketThatDoesNotAcknowledge(t *testing.T) {
	srv := newChatSocket(t, true)
	cfg := testConfig(t, srv.opener(t))
	cfg.InterruptWait = 50 * time.Millisecond
	l := newLoop(update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30}))
	l.m = typeText(l.m, "first")
	l.send(keyMsg("enter"))
	l.until(t, "a few tokens", func(m Model) bool { return m.live() != nil && m.live().tokens >= 3 })
	l.send(keyMsg("esc"))
	l.until(t, "the close", func(m Model) bool { return m.turns[0].stopHow != "" })
	wantOnScreen(t, screen(l.m), "■ stopped (connection closed)", "stopped (connection closed)")
}
