package client_test

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

// wsServer is a WebSocket server for tests: each connection runs serve,
// which reads what the client sends and answers as the test scripts it.
// It records the connections and every message received.
type wsServer struct {
	*httptest.Server
	mu    sync.Mutex
	conns []*peer
	wg    sync.WaitGroup
}

// peer is the server's end of one connection.
type peer struct {
	c    *websocket.Conn
	n    int // which connection, from 1
	req  *http.Request
	in   chan map[string]any // what the client sent, decoded
	gone chan struct{}       // the client closed, or the connection broke
	srv  *wsServer
}

func newWSServer(t *testing.T, serve func(p *peer)) *wsServer {
	t.Helper()
	return newWSServerOpts(t, nil, serve)
}

// newWSServerOpts is newWSServer with the server's accept options.
func newWSServerOpts(t *testing.T, opts *websocket.AcceptOptions, serve func(p *peer)) *wsServer {
	t.Helper()
	s := &wsServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		s.wg.Add(1)
		defer s.wg.Done()
		p := &peer{c: c, req: r, in: make(chan map[string]any, 64), gone: make(chan struct{}), srv: s}
		s.mu.Lock()
		s.conns = append(s.conns, p)
		p.n = len(s.conns)
		s.mu.Unlock()
		go p.read()
		serve(p)
		c.CloseNow()
		<-p.gone
	}))
	t.Cleanup(func() {
		s.Server.Close()
		s.mu.Lock()
		for _, p := range s.conns {
			p.c.CloseNow()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// url is the server's address as a ws:// URL.
func (s *wsServer) url(path string) string { return "ws" + strings.TrimPrefix(s.URL, "http") + path }

func (s *wsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (p *peer) read() {
	defer close(p.gone)
	for {
		_, b, err := p.c.Read(context.Background())
		if err != nil {
			return
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		p.in <- m
	}
}

// next waits for the client's next message; false when it went away
// (or took longer than a test should).
func (p *peer) next() (map[string]any, bool) {
	select {
	case m := <-p.in:
		return m, true
	case <-p.gone:
		return nil, false
	case <-time.After(10 * time.Second):
		return nil, false
	}
}

// poll returns a message the client sent meanwhile, if any.
func (p *peer) poll() (map[string]any, bool) {
	select {
	case m := <-p.in:
		return m, true
	default:
		return nil, false
	}
}

func (p *peer) send(v any) bool {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.c.Write(ctx, websocket.MessageText, b) == nil
}

func (p *peer) sendRaw(s string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.c.Write(ctx, websocket.MessageText, []byte(s)) == nil
}

// chatKnobs script the chat protocol's server, as tok serve's knobs do.
type chatKnobs struct {
	tokens    int
	interval  time.Duration
	noAck     bool // ignore interrupts and keep streaming
	late      int  // tokens sent after the acknowledgement
	dropAfter int  // close the TCP connection after this many tokens
}

// chatServer is a server of the chat protocol: for each message, tokens
// "t0 ", "t1 " … then stream_end; an interrupt is acknowledged before
// the next token. It records each message received in got.
func chatServer(k chatKnobs, got chan<- map[string]any) func(p *peer) {
	if k.tokens == 0 {
		k.tokens = 5
	}
	return func(p *peer) {
		for {
			m, ok := p.next()
			if !ok {
				return
			}
			if got != nil {
				got <- m
			}
			if m["type"] != "message" {
				continue
			}
			if !k.stream(p, got) {
				return
			}
		}
	}
}

// stream streams one answer; false when the connection is to end.
func (k chatKnobs) stream(p *peer, got chan<- map[string]any) bool {
	for i := 0; i < k.tokens; i++ {
		if k.dropAfter > 0 && i == k.dropAfter {
			return false
		}
		if m, ok := p.poll(); ok && m["type"] == "interrupt" && !k.noAck {
			if got != nil {
				got <- m
			}
			p.send(map[string]any{"type": "stream_end", "interrupted": true})
			for j := 0; j < k.late; j++ {
				p.send(map[string]any{"type": "token", "content": "late "})
			}
			return true
		}
		if !p.send(map[string]any{"type": "token", "content": "t" + itoa(i) + " "}) {
			return false
		}
		if k.interval > 0 {
			time.Sleep(k.interval)
		}
	}
	return p.send(map[string]any{"type": "stream_end", "interrupted": false})
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
