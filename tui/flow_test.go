package tui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
	"go.uber.org/goleak"
)

// startServer runs tok's reference server in process.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(server.New(server.Config{}))
	t.Cleanup(srv.Close)
	return srv
}

// serverOpener streams from the server's tok endpoint with a scenario.
func serverOpener(srv *httptest.Server, scenario string) Opener {
	u := srv.URL + "/api/chat/stream?scenario=" + url.QueryEscape(scenario)
	return func(ctx context.Context, msgs []client.Message) (*client.Stream, error) {
		req, err := client.NewChatRequest(ctx, u, client.ChatRequest{Messages: msgs}, nil)
		if err != nil {
			return nil, err
		}
		return client.New(client.Config{}).Stream(ctx, req)
	}
}

// stats reads the server's records of its requests.
func stats(t *testing.T, srv *httptest.Server) []server.Record {
	t.Helper()
	resp, err := http.Get(srv.URL + "/_stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recs []server.Record
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// loop runs a Model as a Program does, without a terminal: commands run
// in goroutines and their messages come back to Update, while the test
// reads the model between messages.
type loop struct {
	m    Model
	msgs chan tea.Msg
}

func newLoop(m Model) *loop { return &loop{m: m, msgs: make(chan tea.Msg, 4096)} }

func (l *loop) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil, tea.QuitMsg:
		case tea.BatchMsg:
			for _, c := range msg {
				l.run(c)
			}
		default:
			l.msgs <- msg
		}
	}()
}

func (l *loop) send(msg tea.Msg) {
	next, cmd := l.m.Update(msg)
	l.m = next.(Model)
	l.run(cmd)
}

// until handles messages until cond holds, for at most 10 s.
func (l *loop) until(t *testing.T, what string, cond func(Model) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond(l.m) {
		select {
		case msg := <-l.msgs:
			l.send(msg)
		case <-deadline:
			t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen(l.m))
		}
	}
}

func TestStopKeyAbortsTheRequestAtTheServer(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := startServer(t)
	l := newLoop(newTestModel(t, 100, 30, serverOpener(srv, "tokens=400,interval=20,first=0")))
	l.m = typeText(l.m, "count to four hundred")
	l.send(keyMsg("enter"))
	l.until(t, "a few tokens", func(m Model) bool { return m.live() != nil && m.live().tokens >= 5 })

	pressed := time.Now()
	l.send(keyMsg("esc"))
	partial := l.m.turns[0].answer()

	var rec server.Record
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if recs := stats(t, srv); len(recs) == 1 && recs[0].End != server.EndRunning {
			rec = recs[0]
			break
		}
	}
	if rec.End != server.EndClientDisconnect {
		t.Fatalf("the request ended %q, want %q", rec.End, server.EndClientDisconnect)
	}
	if rec.TokensAfterDisconnect > 1 {
		t.Errorf("%d tokens generated after the disconnect, want ≤ 1", rec.TokensAfterDisconnect)
	}
	ended := rec.Started.Add(time.Duration(rec.EndedMS * float64(time.Millisecond)))
	if d := ended.Sub(pressed); d > 100*time.Millisecond {
		t.Errorf("the server saw the disconnect %v after the key, want ≤ 100ms", d)
	}
	t.Logf("stopped after %d of %d tokens; the server saw it %v after the key", rec.TokensSent, rec.TokensPlanned, ended.Sub(pressed))
	if strings.TrimSpace(partial) == "" || l.m.turns[0].state != stateStopped || !strings.Contains(screen(l.m), "■ stopped") {
		t.Errorf("partial answer %q, state %v", partial, l.m.turns[0].state)
	}
	if msgs := conversation(l.m.turns); len(msgs) != 2 || msgs[1].Content != partial {
		t.Errorf("conversation after stop = %+v", msgs)
	}
	// The stopped stream's pump and waiter end; the blink timer dies at
	// its next tick.
	l.drain(blinkEvery + 100*time.Millisecond)
	srv.Close()
	goleak.VerifyNone(t, before, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}

// drain handles messages for d.
func (l *loop) drain(d time.Duration) {
	end := time.After(d)
	for {
		select {
		case msg := <-l.msgs:
			l.send(msg)
		case <-end:
			return
		}
	}
}

// TestChatFlowAgainstTheServer runs the chat as a Program: ask, stop
// mid-answer, ask again, stop, quit. The renderer draws only the cells
// that change, so a phrase reaches the output in pieces; the test waits
// on the server's records and on whole new lines ("■ stopped"), and reads
// the final screen from the model.
func TestChatFlowAgainstTheServer(t *testing.T) {
	srv := startServer(t)
	m := New(testConfig(t, serverOpener(srv, "tokens=300,interval=10,first=0")))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	wait := func(what string, cond func(out string) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return cond(xansi.Strip(string(b))) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	streamed := func(n int) func(string) bool {
		return func(string) bool { recs := stats(t, srv); return len(recs) == n && recs[n-1].TokensSent >= 20 }
	}
	tm.Type("first question")
	tm.Send(keyMsg("enter"))
	wait("the first answer", streamed(1))
	tm.Send(keyMsg("esc"))
	wait("the stop", func(out string) bool { return strings.Contains(out, "■ stopped") })
	tm.Type("second question")
	tm.Send(keyMsg("enter"))
	wait("the second answer", streamed(2))
	tm.Send(keyMsg("esc"))
	wait("the second stop", func(string) bool { return stats(t, srv)[1].End == server.EndClientDisconnect })
	tm.Send(keyMsg("ctrl+c"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if len(final.turns) != 2 || final.turns[1].question != "second question" {
		t.Fatalf("turns = %d", len(final.turns))
	}
	for i, turn := range final.turns {
		if turn.state != stateStopped || !strings.Contains(turn.answer(), "demo answer") {
			t.Errorf("turn %d: state %v, answer %q", i, turn.state, turn.answer())
		}
	}
	s := screen(final)
	if !strings.Contains(s, "❯ second question") || strings.Count(s, "■ stopped") < 1 || !strings.Contains(s, "stopped ·") {
		t.Errorf("final screen:\n%s", s)
	}
	if recs := stats(t, srv); recs[0].End != server.EndClientDisconnect {
		t.Errorf("first request ended %q", recs[0].End)
	}
}
