package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// recorder is an Opener that answers "ok" at once and keeps what each
// request carried.
type recorder struct {
	mu   sync.Mutex
	reqs [][]client.Message
}

func (r *recorder) open(_ context.Context, msgs []client.Message) (*client.Stream, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, msgs)
	r.mu.Unlock()
	sent := false
	return client.FromEvents("", func() (client.Event, error) {
		if sent {
			return client.Event{Kind: client.KindDone}, nil
		}
		sent = true
		return client.Event{Kind: client.KindText, Text: "ok"}, nil
	}, nil), nil
}

func (r *recorder) last() []client.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		return nil
	}
	return r.reqs[len(r.reqs)-1]
}

// send types q, sends it and runs the answer to its end.
func send(t *testing.T, m Model, q string) Model {
	t.Helper()
	m, cmd := press(typeText(m, q), "enter")
	if m.live() == nil {
		t.Fatalf("enter did not send %q", q)
	}
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	for m.live() != nil {
		m = update(m, waitForEvent(m.streamID, m.events)())
	}
	return m
}

func roles(msgs []client.Message) string {
	var r []string
	for _, m := range msgs {
		r = append(r, m.Role)
	}
	return strings.Join(r, ",")
}

func TestCtrlNStartsANewConversationAndKeepsTheOldOneSaved(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	var rec recorder
	cfg := testConfig(t, rec.open)
	cfg.History, cfg.Save = st, true
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, m, "the first conversation")
	m = send(t, m, "its second question")
	if got := roles(rec.last()); got != "user,assistant,user" {
		t.Fatalf("the second request's roles = %s", got)
	}
	old := m.convID
	m = typeText(m, "a draft")
	m, _ = press(m, "ctrl+n")
	s := screen(m)
	wantOnScreen(t, s, "Ask a question below", "a new conversation", "tok history show "+old[:8], "┃ a draft")
	if strings.Contains(s, "the first conversation") || m.convID != "" {
		t.Fatalf("after Ctrl+N the transcript still shows the old conversation, or its id %q stays:\n%s", m.convID, s)
	}
	m.input.Reset()
	m = send(t, m, "a fresh start")
	if got := rec.last(); roles(got) != "user" || got[0].Content != "a fresh start" {
		t.Errorf("the request after Ctrl+N carried %+v; want the one question", got)
	}
	if m.convID == "" || m.convID == old {
		t.Errorf("the new conversation's id = %q, the old one's %q: want a new one", m.convID, old)
	}
	list, _ := reopen(t, st).List(t.Context(), 0)
	var titles []string
	for _, c := range list {
		titles = append(titles, c.Title)
	}
	if len(list) != 4 || list[0].Title != "a fresh start" || list[1].Title != "the first conversation" || list[1].Turns != 2 {
		t.Errorf("history = %q; want the new conversation, then the old one with its two turns", titles)
	}
	out := m.Transcript()
	for _, want := range []string{"the first conversation", "its second question", "a new conversation (ctrl+n)", "a fresh start"} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript printed on exit lacks %q:\n%s", want, out)
		}
	}
}

func TestCtrlNWhileAnAnswerStreamsSaysToStopItFirst(t *testing.T) {
	t.Parallel()
	m := feed(ask(t, newTestModel(t, 80, 24, nil), "streaming"), text("partial"))
	m, cmd := press(m, "ctrl+n")
	if cmd != nil || m.live() == nil || len(m.turns) != 1 {
		t.Fatalf("Ctrl+N mid-answer changed the chat: live %v, %d turns", m.live() != nil, len(m.turns))
	}
	wantOnScreen(t, screen(m), "stop the answer (esc) first", "partial")
	m, _ = press(m, "esc")
	m, _ = press(m, "ctrl+n")
	if len(m.turns) != 0 {
		t.Errorf("Ctrl+N after the stop left %d turns", len(m.turns))
	}
}

func TestCtrlNOnANewConversationSaysSo(t *testing.T) {
	t.Parallel()
	m, _ := press(newTestModel(t, 80, 24, nil), "ctrl+n")
	wantOnScreen(t, screen(m), "this conversation is new already")
	if len(m.earlier) != 0 {
		t.Errorf("Ctrl+N on an empty chat set %d conversations aside", len(m.earlier))
	}
}
