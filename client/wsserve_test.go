package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// wsRecord is the part of tok serve's /_stats record of a WebSocket
// turn this test reads (decoded here, not as server.Record, so the test
// builds whatever fields the server's record has).
type wsRecord struct {
	Started time.Time `json:"started"`
	End     string    `json:"end"`
	WS      *struct {
		Connection           int        `json:"connection"`
		Reused               bool       `json:"reused"`
		Roles                []string   `json:"roles"`
		InterruptedAt        *time.Time `json:"interrupted_at"`
		TokensAfterInterrupt int        `json:"tokens_after_interrupt"`
	} `json:"ws"`
}

// TestInterruptAgainstTokServe: against tok serve in process, the stop
// key's interrupt is acknowledged, the next turn goes out on the same
// connection, the server saw the interrupt within 50 ms of the key and
// generated at most one token after it. (goleak checks the package.) It
// skips where tok serve has no WebSocket endpoint.
func TestInterruptAgainstTokServe(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	c := client.New(client.Config{})
	defer c.Close()
	ep := client.Endpoint{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/chat/ws?scenario=tokens=60,interval=10,first=0"}
	s, err := c.Chat(context.Background(), ep, []client.Message{{Role: "user", Content: "one"}})
	var he *client.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		t.Skip("this tok serve has no /api/chat/ws")
	}
	if err != nil {
		t.Fatal(err)
	}
	var key time.Time // the stop key
	var text strings.Builder
	var end error
	for ev, err := range s.Events() {
		if end = err; err != nil {
			break
		}
		text.WriteString(ev.Text)
		if ev.Kind == client.KindText && key.IsZero() && text.Len() > 20 {
			key = time.Now()
			s.Interrupt(200 * time.Millisecond)
		}
	}
	var stop *client.StopError
	if !errors.As(end, &stop) || stop.How != client.StopInterrupted {
		t.Fatalf("the first turn ended %v, want stopped (interrupted)", end)
	}
	a := wsAnswer{text: text.String()}
	b := readWS(askWS(t, c, ep.URL, "one", a.text, "two"))
	if b.err != nil || b.text == "" {
		t.Fatalf("the second turn: %q, %v", b.text, b.err)
	}
	recs := wsStats(t, srv.URL)
	if len(recs) != 2 || recs[0].WS == nil || recs[1].WS == nil {
		t.Fatalf("stats %+v, want two WebSocket turns", recs)
	}
	first, second := recs[0].WS, recs[1].WS
	if second.Connection != first.Connection || !second.Reused || strings.Join(second.Roles, ",") != "user,assistant,user" {
		t.Errorf("second turn on connection %d (reused %v, roles %v), want the first's, %d", second.Connection, second.Reused, second.Roles, first.Connection)
	}
	if first.InterruptedAt == nil {
		t.Fatal("the server saw no interrupt")
	}
	if d := first.InterruptedAt.Sub(key); d > 50*time.Millisecond || d < 0 {
		t.Errorf("the server saw the interrupt %v after the key, want within 50ms", d)
	}
	t.Logf("the server saw the interrupt %v after the key; %d tokens after it", first.InterruptedAt.Sub(key), first.TokensAfterInterrupt)
	if first.TokensAfterInterrupt > 1 {
		t.Errorf("%d tokens generated after the interrupt, want at most 1", first.TokensAfterInterrupt)
	}
}

func wsStats(t *testing.T, base string) []wsRecord {
	t.Helper()
	resp, err := http.Get(base + "/_stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recs []wsRecord
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		t.Fatal(err)
	}
	return recs
}
