package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsChat is a WebSocket server of the chat protocol for tok's commands:
// for each message, tokens "w0 " … "w<n-1> " a millisecond apart, then
// stream_end; an interrupt is acknowledged before the next token. With
// drop set it closes the TCP connection after that many tokens. sent
// is closed once three tokens went out; interrupted receives the
// interrupt.
func wsChat(t *testing.T, tokens, drop int) (url string, sent, interrupted <-chan struct{}) {
	t.Helper()
	got, three := make(chan struct{}, 1), make(chan struct{})
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer c.CloseNow()
		in := make(chan string, 8)
		go func() {
			defer close(in)
			for {
				_, b, err := c.Read(context.Background())
				if err != nil {
					return
				}
				in <- string(b)
			}
		}()
		send := func(v any) bool {
			b, _ := json.Marshal(v)
			return c.Write(context.Background(), websocket.MessageText, b) == nil
		}
		if _, ok := <-in; !ok {
			return
		}
		for i := 0; i < tokens; i++ {
			if i == drop && drop > 0 {
				return
			}
			select {
			case m, ok := <-in:
				if ok && strings.Contains(m, "interrupt") {
					got <- struct{}{}
					send(map[string]any{"type": "stream_end", "interrupted": true})
					<-in // until the client goes
					return
				}
			case <-time.After(time.Millisecond):
			}
			if !send(map[string]any{"type": "token", "content": "w" + strings.Repeat("i", i%3) + " "}) {
				return
			}
			if i == 2 {
				close(three)
			}
		}
		send(map[string]any{"type": "stream_end", "interrupted": false})
		<-in
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws", three, got
}

func TestOneShotOverAWebSocket(t *testing.T) {
	t.Run("an answer prints its text and exits 0", func(t *testing.T) {
		url, _, _ := wsChat(t, 4, 0)
		r := runTok(t, "", "--url", url, "hi")
		if r.code != exitOK || r.stdout != "w wi wii w " || r.stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("a dropped socket is a cut-off: the text, one line, exit 1", func(t *testing.T) {
		url, _, _ := wsChat(t, 10, 3)
		r := runTok(t, "", "--url", url, "hi")
		if r.code != exitFailed || r.stdout != "w wi wii " || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "cut off after 3 tokens") {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("--events shows start to end", func(t *testing.T) {
		url, _, _ := wsChat(t, 2, 0)
		r := runTok(t, "", "--url", url, "--events", "hi")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != exitOK || len(lines) != 4 || !strings.Contains(lines[0], `"kind":"start","dialect":"ws-chat"`) || !strings.Contains(lines[3], `"kind":"done"`) {
			t.Errorf("exit %d, events:\n%s", r.code, r.stdout)
		}
	})
}

// TestCtrlCInterruptsAWebSocketAnswer: the signal sends the interrupt,
// the server acknowledges, tok says so and exits 130 with the text that
// arrived before it.
func TestCtrlCInterruptsAWebSocketAnswer(t *testing.T) {
	url, sent, interrupted := wsChat(t, 100000, 0)
	ios, out, errOut := testStreams("")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- execute(ctx, ios, []string{"--url", url, "hi"}) }()
	select {
	case <-sent:
	case <-time.After(5 * time.Second):
		t.Fatal("no tokens went out")
	}
	cancel() // Ctrl+C
	select {
	case <-interrupted:
	case <-time.After(5 * time.Second):
		t.Fatal("the server got no interrupt")
	}
	code := <-done
	if code != exitInterrupted || !strings.Contains(errOut.String(), "tok: stopped (interrupted); the answer above is what arrived") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if want := strings.Repeat("w wi wii ", 1000); !strings.HasPrefix(want, out.String()) {
		t.Errorf("stdout %q is not the answer's start", out.String())
	}
}
