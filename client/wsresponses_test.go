package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

// responsesServer answers response.create messages as the Responses
// API's WebSocket mode does: response.created with an id, a delta,
// response.completed. A connection knows only the responses made on it;
// a previous_response_id it does not know gets the not-found error, as
// with store=false. forget makes it forget them all (a restarted cache).
func responsesServer(got chan<- map[string]any, forget func() bool) func(p *peer) {
	return func(p *peer) {
		known := map[string]bool{}
		for i := 1; ; i++ {
			m, ok := p.next()
			if !ok {
				return
			}
			got <- m
			if forget != nil && forget() {
				clear(known)
			}
			if prev, _ := m["previous_response_id"].(string); prev != "" && !known[prev] {
				p.send(map[string]any{"type": "error", "status": 400, "error": map[string]any{
					"type": "invalid_request_error", "code": "previous_response_not_found", "message": "Previous response not found."}})
				continue
			}
			id := "resp_" + itoa(p.n) + "_" + itoa(i)
			known[id] = true
			p.send(map[string]any{"type": "response.created", "response": map[string]any{"id": id, "model": "m"}})
			p.send(map[string]any{"type": "response.output_text.delta", "delta": "answer " + id})
			p.send(map[string]any{"type": "response.completed", "response": map[string]any{"id": id, "status": "completed"}})
		}
	}
}

func responsesEndpoint(srv *wsServer) client.Endpoint {
	return client.Endpoint{Provider: client.OpenAI, API: client.APIResponses, Transport: client.TransportWS,
		BaseURL: srv.URL + "/v1", Key: "sk-test-key-0123456789", Model: "m"}
}

func askResponses(t *testing.T, c *client.Client, e client.Endpoint, msgs ...string) wsAnswer {
	t.Helper()
	var conv []client.Message
	for i, m := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		conv = append(conv, client.Message{Role: role, Content: m})
	}
	s, err := c.Chat(context.Background(), e, conv)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	return readWS(s)
}

// TestResponsesWebSocketChainsTurns: the second turn carries the first
// response's id and only the new input, on the same connection.
func TestResponsesWebSocketChainsTurns(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	srv := newWSServer(t, responsesServer(got, nil))
	c := newWSClient(t, client.Config{})
	e := responsesEndpoint(srv)
	a := askResponses(t, c, e, "one")
	if a.err != nil || a.text != "answer resp_1_1" || a.dialect != client.DialectOpenAIResponses {
		t.Fatalf("first answer %q %s, %v", a.text, a.dialect, a.err)
	}
	if b := askResponses(t, c, e, "one", a.text, "two"); b.err != nil || b.text != "answer resp_1_2" {
		t.Fatalf("second answer %q, %v", b.text, b.err)
	}
	first, second := <-got, <-got
	if first["type"] != "response.create" || first["previous_response_id"] != nil || len(first["input"].([]any)) != 1 || first["stream"] != nil {
		t.Errorf("first create = %v", first)
	}
	in, _ := second["input"].([]any)
	if second["previous_response_id"] != "resp_1_1" || len(in) != 1 || in[0].(map[string]any)["content"] != "two" {
		t.Errorf("second create = %v, want previous_response_id resp_1_1 and only the new input", second)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if h := srv.conns[0].req.Header.Get("Authorization"); h != "Bearer sk-test-key-0123456789" {
		t.Errorf("upgrade Authorization = %q", h)
	}
}

// TestResponsesWebSocketRetriesWithoutAnUnknownParent: a not-found error
// is answered on a new connection with the whole input and no parent.
func TestResponsesWebSocketRetriesWithoutAnUnknownParent(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	turns := 0
	srv := newWSServer(t, responsesServer(got, func() bool { turns++; return turns == 2 }))
	c := newWSClient(t, client.Config{})
	e := responsesEndpoint(srv)
	a := askResponses(t, c, e, "one")
	b := askResponses(t, c, e, "one", a.text, "two")
	if b.err != nil || b.text != "answer resp_2_1" || strings.Join(b.kinds, " ") != "start text done" {
		t.Fatalf("second answer %q %v, %v; want the new connection's, and no error event", b.text, b.kinds, b.err)
	}
	<-got
	if m := <-got; m["previous_response_id"] != "resp_1_1" {
		t.Errorf("the chained create = %v", m)
	}
	m := <-got
	if in, _ := m["input"].([]any); m["previous_response_id"] != nil || len(in) != 3 {
		t.Errorf("the create after not-found = %v, want the 3 messages and no parent", m)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestResponsesWebSocketStopClosesTheSocket: the mode's only interrupt
// is the close; the next turn starts a new chain on a new connection.
func TestResponsesWebSocketStopClosesTheSocket(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 16)
	srv := newWSServer(t, func(p *peer) {
		m, ok := p.next()
		if !ok {
			return
		}
		got <- m
		p.send(map[string]any{"type": "response.created", "response": map[string]any{"id": "r1"}})
		for i := 0; ; i++ {
			if !p.send(map[string]any{"type": "response.output_text.delta", "delta": "x"}) {
				return
			}
			select {
			case <-p.gone:
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	c := newWSClient(t, client.Config{})
	s, err := c.Chat(context.Background(), responsesEndpoint(srv), []client.Message{{Role: "user", Content: "one"}})
	if err != nil {
		t.Fatal(err)
	}
	a, stop := readUntilInterrupt(s, 2, time.Second)
	if stop == nil || stop.How != client.StopClosed || a.text != "xx" {
		t.Fatalf("got %q, %v; want xx and stopped (connection closed)", a.text, a.err)
	}
}
