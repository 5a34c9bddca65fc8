package server_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/tokcli/tok/server"
)

// responsesEvent is what the tests read of a Responses event.
type responsesEvent struct {
	Type     string `json:"type"`
	Delta    string `json:"delta"`
	Status   int    `json:"status"`
	Response struct {
		ID                 string  `json:"id"`
		PreviousResponseID *string `json:"previous_response_id"`
	} `json:"response"`
	Error struct {
		Type  string `json:"type"`
		Code  string `json:"code"`
		Param string `json:"param"`
	} `json:"error"`
}

func dialResponses(t *testing.T, scenario string) (*websocket.Conn, string) {
	t.Helper()
	_, ts := startServer(t, server.Config{})
	return dialWS(t, ts, "/v1/responses", scenario, "Authorization", "Bearer any"), ts.URL
}

// response reads a response's events to its end (or an error) and
// returns its id, its text and the last event.
func response(t *testing.T, c *websocket.Conn) (id, text string, last responsesEvent) {
	t.Helper()
	for {
		var ev responsesEvent
		recvWS(t, c, &ev)
		switch ev.Type {
		case "response.created":
			id = ev.Response.ID
		case "response.output_text.delta":
			text += ev.Delta
		case "response.completed", "response.incomplete", "response.failed", "error":
			return id, text, ev
		}
	}
}

func TestWSResponsesChainsTurnsWithPreviousResponseID(t *testing.T) {
	noLeaks(t)
	c, base := dialResponses(t, "tokens=5,"+fast)
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","input":"hi"}`)
	first, text, end := response(t, c)
	if !strings.HasPrefix(first, "resp_") || text != demoText(5) || end.Type != "response.completed" || end.Response.PreviousResponseID != nil {
		t.Fatalf("first response %q: text %q, end %+v", first, text, end)
	}
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","previous_response_id":"`+first+`",
		"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"and then?"}]}]}`)
	second, _, end := response(t, c)
	if second == first || !strings.HasPrefix(second, "resp_") || end.Type != "response.completed" ||
		end.Response.PreviousResponseID == nil || *end.Response.PreviousResponseID != first {
		t.Fatalf("second response %q after %q: end %+v", second, first, end)
	}
	recs := stats(t, base)
	a, b := recs[len(recs)-2], recs[len(recs)-1]
	if a.Dialect != "responses" || a.WS.ResponseID != first || a.WS.PreviousResponseID != "" || a.WS.InputItems != 1 {
		t.Errorf("first record %+v %+v", a, a.WS)
	}
	if b.WS.ResponseID != second || b.WS.PreviousResponseID != first || b.WS.InputItems != 1 || !b.WS.Reused ||
		!slices.Equal(b.WS.Roles, []string{"user", "assistant", "user"}) || b.End != server.EndComplete {
		t.Errorf("second record %+v %+v", b, b.WS)
	}
}

func TestWSResponsesUnknownPreviousIDIsAnErrorEvent(t *testing.T) {
	c, base := dialResponses(t, "tokens=2,"+fast)
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","previous_response_id":"resp_nope","input":"hi"}`)
	var ev responsesEvent
	recvWS(t, c, &ev)
	if ev.Type != "error" || ev.Status != 400 || ev.Error.Code != "previous_response_not_found" ||
		ev.Error.Type != "invalid_request_error" || ev.Error.Param != "previous_response_id" {
		t.Fatalf("got %+v", ev)
	}
	if rec := last(t, base); rec.End != server.EndRejected || rec.WS.PreviousResponseID != "resp_nope" {
		t.Errorf("record %+v %+v", rec, rec.WS)
	}
	// The client starts a new chain with its whole input, on the same connection.
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","input":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"hi"}]}`)
	first, _, end := response(t, c)
	if end.Type != "response.completed" {
		t.Fatalf("ended %+v", end)
	}
	if rec := last(t, base); rec.WS.InputItems != 3 || !slices.Equal(rec.WS.Roles, []string{"user", "assistant", "user"}) {
		t.Errorf("record %+v", rec.WS)
	}
	// Only the last response is kept: an older id is not found either.
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","previous_response_id":"`+first+`","input":"more"}`)
	response(t, c)
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","previous_response_id":"`+first+`","input":"more"}`)
	if _, _, end := response(t, c); end.Error.Code != "previous_response_not_found" {
		t.Errorf("an older id was answered %+v", end)
	}
}

func TestWSResponsesRefusesBadMessages(t *testing.T) {
	c, _ := dialResponses(t, fast)
	for _, tt := range []struct{ send, code string }{
		{`{"type":"response.cancel"}`, ""},
		{`{"type":"response.create","input":"hi"}`, ""},
		{`{"type":"response.create","model":"m","input":"hi","background":true}`, ""},
		{`not json`, ""},
	} {
		sendWS(t, c, tt.send)
		var ev responsesEvent
		if recvWS(t, c, &ev); ev.Type != "error" || ev.Status != 400 || ev.Error.Type != "invalid_request_error" {
			t.Errorf("%s was answered %+v", tt.send, ev)
		}
	}
}

func TestWSResponsesConnectionLifetime(t *testing.T) {
	c, _ := dialResponses(t, "tokens=3,max-conn=50,"+fast)
	sendWS(t, c, `{"type":"response.create","model":"tok-demo","input":"hi"}`)
	if _, _, end := response(t, c); end.Type != "response.completed" {
		t.Fatalf("ended %+v", end)
	}
	var ev responsesEvent
	recvWS(t, c, &ev)
	if ev.Type != "error" || ev.Error.Code != "websocket_connection_limit_reached" {
		t.Errorf("got %+v, want the connection limit's error", ev)
	}
	if err := tryRecvWS(c, &ev); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("err %v, want a close with status 1000", err)
	}
}

// TestWSResponsesSpeaksToTheOpenAISDK drives the WebSocket mode with
// openai-go's own client of it, which no one here wrote.
func TestWSResponsesSpeaksToTheOpenAISDK(t *testing.T) {
	c, base := newOpenAI(t)
	ctx := t.Context()
	conn, err := c.Responses.Connect(ctx, responses.ResponseConnectionOptions{}, option.WithHeader("X-Tok-Scenario", "tokens=5,"+fast))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	create := func(previous string, input string) (*responses.Response, error) {
		ev := responses.ResponsesClientEventResponseCreateParam{Model: "tok-demo",
			Input: responses.ResponsesClientEventResponseCreateInputUnionParam{OfString: openai.String(input)}}
		if previous != "" {
			ev.PreviousResponseID = openai.String(previous)
		}
		if err := conn.Create(ctx, ev); err != nil {
			t.Fatal(err)
		}
		return conn.FinalResponse(ctx)
	}
	first, err := create("", "hi")
	if err != nil || first.Status != "completed" || first.OutputText() != demoText(5) {
		t.Fatalf("first response %+v, err %v", first, err)
	}
	second, err := create(first.ID, "and then?")
	if err != nil || second.ID == first.ID || second.PreviousResponseID != first.ID {
		t.Fatalf("second response %+v, err %v", second, err)
	}
	_, err = create("resp_nope", "hi")
	var pe *responses.ResponseProtocolError
	if !errors.As(err, &pe) || pe.Event.AsResponsesServerEventResponseWsError().Error.Code != "previous_response_not_found" {
		t.Fatalf("err %v, want the protocol error previous_response_not_found", err)
	}
	if rec := last(t, base); rec.WS.Turn != 3 || rec.End != server.EndRejected {
		t.Errorf("record %+v %+v", rec, rec.WS)
	}
}
