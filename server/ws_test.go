package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/tokcli/tok/server"
)

// wsMsg is a server message of the seed's protocol.
type wsMsg struct {
	Type        string `json:"type"`
	Content     string `json:"content"`
	Interrupted bool   `json:"interrupted"`
	Message     string `json:"message"`
}

// noLeaks checks, once the test's servers and connections have closed,
// that no goroutine is left.
func noLeaks(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

// dialWS opens a WebSocket to path with the scenario and header pairs.
func dialWS(t *testing.T, ts *httptest.Server, path, scenario string, header ...string) *websocket.Conn {
	t.Helper()
	c, err := tryDialWS(ts, path, scenario, header...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func tryDialWS(ts *httptest.Server, path, scenario string, header ...string) (*websocket.Conn, error) {
	h := http.Header{}
	if scenario != "" {
		h.Set("X-Tok-Scenario", scenario)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+path, &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		return c, nil
	}
	if resp != nil {
		return nil, &statusError{resp.StatusCode, err}
	}
	return nil, err
}

type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }

func sendWS(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// recvWS reads a message into v, and fails the test on a read error.
func recvWS(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := tryRecvWS(c, v); err != nil {
		t.Fatal(err)
	}
}

func tryRecvWS(c *websocket.Conn, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// turnWS reads a seed-protocol answer to its stream_end or error.
func turnWS(t *testing.T, c *websocket.Conn) (text string, end wsMsg) {
	t.Helper()
	for {
		var m wsMsg
		recvWS(t, c, &m)
		if m.Type != "token" {
			return text, m
		}
		text += m.Content
	}
}

// tokensWS reads n token messages.
func tokensWS(t *testing.T, c *websocket.Conn, n int) {
	t.Helper()
	for range n {
		var m wsMsg
		if recvWS(t, c, &m); m.Type != "token" {
			t.Fatalf("got %+v, want a token", m)
		}
	}
}

func TestWSChatAnswersAndKeepsTheConversation(t *testing.T) {
	noLeaks(t)
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", "tokens=6,"+fast)
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	text, end := turnWS(t, c)
	if text != demoText(6) || end != (wsMsg{Type: "stream_end"}) {
		t.Fatalf("text %q, end %+v", text, end)
	}
	sendWS(t, c, `{"type":"message","content":"and then?"}`)
	if _, end := turnWS(t, c); end.Type != "stream_end" || end.Interrupted {
		t.Fatalf("second turn ended %+v", end)
	}
	recs := stats(t, ts.URL)
	first, second := recs[len(recs)-2], recs[len(recs)-1]
	if first.End != server.EndComplete || first.TokensSent != 6 || first.Dialect != "ws" || first.Status != 101 ||
		first.WS == nil || first.WS.Turn != 1 || first.WS.Reused || !slices.Equal(first.WS.Roles, []string{"user"}) {
		t.Errorf("first turn %+v %+v", first, first.WS)
	}
	if second.WS == nil || second.WS.Connection != first.WS.Connection || second.WS.Turn != 2 || !second.WS.Reused ||
		!slices.Equal(second.WS.Roles, []string{"user", "assistant", "user"}) || second.WS.InterruptedAt != nil {
		t.Errorf("second turn %+v", second.WS)
	}
}

func TestWSInterruptIsAcknowledgedAndTheConnectionCarriesTheNextTurn(t *testing.T) {
	noLeaks(t)
	_, ts := startServer(t, server.Config{})
	// The interrupt comes in the pause after a token: the answer stops
	// then, not when the pause is over.
	c := dialWS(t, ts, "/api/chat/ws", "tokens=60,first=0,interval=200")
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	tokensWS(t, c, 2)
	sent := time.Now()
	sendWS(t, c, `{"type":"interrupt"}`)
	if _, end := turnWS(t, c); end != (wsMsg{Type: "stream_end", Interrupted: true}) {
		t.Fatalf("the interrupt was answered %+v", end)
	}
	rec := last(t, ts.URL)
	if rec.End != server.EndInterrupted || rec.TokensSent >= 60 || rec.WS.InterruptedAt == nil || !rec.WS.InterruptAcked {
		t.Fatalf("record %+v %+v", rec, rec.WS)
	}
	seen := rec.WS.InterruptedAt.Sub(sent)
	stopped := rec.Started.Add(time.Duration(rec.EndedMS * float64(time.Millisecond))).Sub(*rec.WS.InterruptedAt)
	if seen > 50*time.Millisecond || stopped > 50*time.Millisecond || rec.WS.TokensAfterInterrupt > 1 {
		t.Errorf("the server saw the interrupt %v after it was sent, ended the answer %v after that and wrote %d tokens after it; "+
			"want within 50ms, 50ms and at most 1", seen, stopped, rec.WS.TokensAfterInterrupt)
	}

	sendWS(t, c, `{"type":"message","content":"again"}`)
	tokensWS(t, c, 1)
	sendWS(t, c, `{"type":"interrupt"}`)
	if _, end := turnWS(t, c); !end.Interrupted {
		t.Fatalf("the second interrupt was answered %+v", end)
	}
	next := last(t, ts.URL)
	if next.WS.Connection != rec.WS.Connection || !next.WS.Reused || !slices.Equal(next.WS.Roles, []string{"user", "assistant", "user"}) {
		t.Errorf("next turn %+v", next.WS)
	}
}

func TestWSNoAckStreamsTheAnswerToItsEnd(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", "tokens=30,first=0,interval=5,no-ack")
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	tokensWS(t, c, 3)
	sendWS(t, c, `{"type":"interrupt"}`)
	text, end := turnWS(t, c)
	if end != (wsMsg{Type: "stream_end"}) || !strings.HasSuffix(demoText(30), text) || len(text) == 0 {
		t.Fatalf("ended %+v after %q", end, text)
	}
	rec := last(t, ts.URL)
	if rec.End != server.EndComplete || rec.TokensSent != 30 || rec.WS.InterruptedAt == nil || rec.WS.InterruptAcked ||
		rec.WS.TokensAfterInterrupt < 20 {
		t.Errorf("record %+v %+v", rec, rec.WS)
	}
}

func TestWSLateTokensFollowTheAcknowledgement(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", "tokens=12,first=0,interval=10,late=5")
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	tokensWS(t, c, 3)
	sendWS(t, c, `{"type":"interrupt"}`)
	if _, end := turnWS(t, c); !end.Interrupted {
		t.Fatalf("ended %+v", end)
	}
	tokensWS(t, c, 5)
	// The next turn's tokens follow at once: a sixth late one would make 13.
	sendWS(t, c, `{"type":"message","content":"again"}`)
	n := 0
	for {
		var m wsMsg
		if recvWS(t, c, &m); m.Type != "token" {
			break
		}
		n++
	}
	recs := stats(t, ts.URL)
	first := recs[len(recs)-2]
	if n != 12 || first.End != server.EndInterrupted || first.WS.TokensAfterInterrupt < 5 || first.WS.TokensAfterInterrupt > 6 {
		t.Errorf("the next turn had %d tokens, want 12; the first %+v %+v", n, first, first.WS)
	}
}

func TestWSFaultKnobs(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	t.Run("drop-after closes the socket without a close frame", func(t *testing.T) {
		c := dialWS(t, ts, "/api/chat/ws", "tokens=10,drop-after=4,"+fast)
		sendWS(t, c, `{"type":"message","content":"hi"}`)
		tokensWS(t, c, 4)
		var m wsMsg
		err := tryRecvWS(c, &m)
		if err == nil || websocket.CloseStatus(err) != -1 {
			t.Fatalf("after 4 tokens: %+v, err %v; want the connection cut", m, err)
		}
		if rec := last(t, ts.URL); rec.End != server.EndDropped || rec.TokensSent != 4 {
			t.Errorf("record %+v", rec)
		}
	})
	t.Run("error-after sends an error message and keeps the connection", func(t *testing.T) {
		c := dialWS(t, ts, "/api/chat/ws?scenario=tokens=10,error-after=3,interval=0,first=0", "")
		sendWS(t, c, `{"type":"message","content":"hi"}`)
		text, end := turnWS(t, c)
		if text != demoText(3) || end.Type != "error" || !strings.Contains(end.Message, "error-after") {
			t.Fatalf("text %q, end %+v", text, end)
		}
		sendWS(t, c, `{"type":"message","content":"again"}`)
		if _, end := turnWS(t, c); end.Type != "error" {
			t.Errorf("second turn ended %+v", end)
		}
	})
	t.Run("an interrupt ends a stall", func(t *testing.T) {
		c := dialWS(t, ts, "/api/chat/ws", "tokens=10,stall-after=2,"+fast)
		sendWS(t, c, `{"type":"message","content":"hi"}`)
		tokensWS(t, c, 2)
		sendWS(t, c, `{"type":"interrupt"}`)
		if _, end := turnWS(t, c); !end.Interrupted {
			t.Fatalf("ended %+v", end)
		}
		if rec := last(t, ts.URL); rec.End != server.EndInterrupted || rec.TokensSent != 2 || rec.WS.TokensAfterInterrupt != 0 {
			t.Errorf("record %+v %+v", rec, rec.WS)
		}
	})
	t.Run("X-Rig-Scenario is read too", func(t *testing.T) {
		c := dialWS(t, ts, "/api/chat/ws", "", "X-Rig-Scenario", "tokens=2,"+fast)
		sendWS(t, c, `{"type":"message","content":"hi"}`)
		if text, _ := turnWS(t, c); text != demoText(2) {
			t.Errorf("text %q", text)
		}
	})
}

func TestWSChatMessages(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", "tokens=2,"+fast)
	for _, tt := range []struct{ send, want string }{
		{`{"type":"message","content":`, "must be"},
		{`{"type":"hello"}`, `not type "hello"`},
		{`{"type":"message"}`, "needs content"},
		{`{"type":"message","content":5}`, "content: must be a string"},
		{`{"type":"message","messages":[{"role":"robot","content":"x"}]}`, "role"},
	} {
		sendWS(t, c, tt.send)
		var m wsMsg
		if recvWS(t, c, &m); m.Type != "error" || !strings.Contains(m.Message, tt.want) {
			t.Errorf("%s was answered %+v, want an error saying %q", tt.send, m, tt.want)
		}
	}
	// A client that reconnected sends the whole conversation, ending with
	// its new message or not: the message is not doubled.
	for _, send := range []string{
		`{"type":"message","content":"third","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"third"}]}`,
		`{"type":"message","content":"third","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`,
	} {
		sendWS(t, c, send)
		if _, end := turnWS(t, c); end.Type != "stream_end" {
			t.Fatalf("%s ended %+v", send, end)
		}
		if rec := last(t, ts.URL); !slices.Equal(rec.WS.Roles, []string{"user", "assistant", "user"}) {
			t.Errorf("%s: roles %q", send, rec.WS.Roles)
		}
	}
}

func TestWSMessageOverTheLimitClosesTheConnection(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", fast)
	c.SetReadLimit(-1)
	big := `{"type":"message","content":"` + strings.Repeat("x", 1<<20) + `"}`
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Write(ctx, websocket.MessageText, []byte(big)) // may fail once the server has closed
	var m wsMsg
	if err := tryRecvWS(c, &m); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("got %+v, err %v; want a close with status 1009", m, err)
	}
}

func TestWSUpgradeRefusals(t *testing.T) {
	_, ts := startServer(t, server.Config{CORS: []string{"http://app.test"}})
	for _, tt := range []struct {
		name, path, scenario string
		header               []string
		status               int
	}{
		{"a bad scenario", "/api/chat/ws", "bogus", nil, 400},
		{"a scripted status", "/api/chat/ws", "status=503", nil, 503},
		{"a page from another origin", "/api/chat/ws", "", []string{"Origin", "http://evil.test"}, 403},
		{"the Responses mode without a key", "/v1/responses", "", nil, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryDialWS(ts, tt.path, tt.scenario, tt.header...)
			if se, ok := err.(*statusError); !ok || se.status != tt.status {
				t.Errorf("err %v, want status %d", err, tt.status)
			}
		})
	}
	t.Run("a page from an allowed origin", func(t *testing.T) {
		c := dialWS(t, ts, "/api/chat/ws", "tokens=1,"+fast, "Origin", "http://app.test")
		sendWS(t, c, `{"type":"message","content":"hi"}`)
		if _, end := turnWS(t, c); end.Type != "stream_end" {
			t.Errorf("ended %+v", end)
		}
	})
	t.Run("a plain GET", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/api/chat/ws")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired {
			t.Errorf("status %d, want 426", resp.StatusCode)
		}
	})
}

func TestWSShutdownClosesConnections(t *testing.T) {
	noLeaks(t)
	srv, ts := startServer(t, server.Config{})
	idle := dialWS(t, ts, "/api/chat/ws", fast)
	busy := dialWS(t, ts, "/api/chat/ws", "tokens=100,first=0,interval=20")
	sendWS(t, busy, `{"type":"message","content":"hi"}`)
	tokensWS(t, busy, 1)
	srv.Shutdown()
	if _, end := turnWS(t, busy); end.Type != "error" || !strings.Contains(end.Message, "shutting down") {
		t.Errorf("the answer ended %+v", end)
	}
	for _, c := range []*websocket.Conn{idle, busy} {
		var m wsMsg
		if err := tryRecvWS(c, &m); websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Errorf("got %+v, err %v; want a close with status 1001", m, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Wait(ctx); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func TestWSHangingUpStopsGeneration(t *testing.T) {
	noLeaks(t)
	_, ts := startServer(t, server.Config{})
	c, err := tryDialWS(ts, "/api/chat/ws", "tokens=200,first=0,interval=5")
	if err != nil {
		t.Fatal(err)
	}
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	tokensWS(t, c, 3)
	c.CloseNow()
	rec := last(t, ts.URL)
	if rec.End != server.EndClientDisconnect || rec.TokensAfterDisconnect > 1 || rec.TokensSent >= 200 || rec.WS.InterruptedAt != nil {
		t.Errorf("record %+v %+v", rec, rec.WS)
	}
}

func TestWSMessagesWhileAnAnswerStreams(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	c := dialWS(t, ts, "/api/chat/ws", "tokens=20,first=0,interval=10")
	sendWS(t, c, `{"type":"message","content":"hi"}`)
	tokensWS(t, c, 1)
	sendWS(t, c, `{"type":"message","content":"next"}`)  // waits for the end
	sendWS(t, c, `{"type":"message","content":"third"}`) // is refused
	var refused bool
	ends := 0
	for ends < 2 {
		var m wsMsg
		recvWS(t, c, &m)
		switch m.Type {
		case "error":
			refused = refused || strings.Contains(m.Message, "still streaming")
		case "stream_end":
			ends++
		}
	}
	if rec := last(t, ts.URL); !refused || rec.WS.Turn != 2 || !slices.Equal(rec.WS.Roles, []string{"user", "assistant", "user"}) {
		t.Errorf("refused %v, last turn %+v", refused, rec.WS)
	}
}
