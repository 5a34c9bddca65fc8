package tui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
)

// savedTurns are turns of every shape a saved conversation has.
func savedTurns() []history.Turn {
	long := strings.Repeat("A paragraph of the answer, long enough to wrap at any width.\n\n- a list\n- of items\n\n```go\nx := 1\n```\n\n", 30)
	return []history.Turn{
		{Seq: 1, Prompt: "plain", Answer: "Just **text**.", Ending: history.EndComplete},
		{Seq: 2, Prompt: "long", Answer: long, Thinking: "let me think", Ending: history.EndComplete},
		{Seq: 3, Prompt: "tools", Answer: "Looking. Found it.", Ending: history.EndComplete, Tools: []history.ToolCall{
			{Name: "search", Arguments: `{"q":"x"}`, Result: "found", State: "done", Offset: 9},
			{Name: "open", Arguments: `{}`, State: "called", Offset: 18}}},
		{Seq: 4, Prompt: "stopped", Answer: "half an", Ending: history.EndStopped},
		{Seq: 5, Prompt: "cut", Answer: "broken", Ending: history.EndCutOff, Error: "the stream was cut off"},
		{Seq: 6, Prompt: "limit", Answer: "too long", Ending: history.EndLength},
		{Seq: 7, Prompt: "retried", Answer: "", Ending: history.EndError, Error: "HTTP 500", Retried: true},
		{Seq: 8, Prompt: "crashed", Answer: "partial", Ending: history.EndStreaming},
	}
}

func TestBlocksDrawAsTheWholeTurn(t *testing.T) {
	t.Parallel()
	for _, width := range []int{40, 100} {
		m := newTestModel(t, width, 30, nil)
		for _, h := range savedTurns() {
			whole := m.paint.lines(turnFrom(h), "")
			var got []string
			for _, b := range turnFrom(h).finishedBlocks() {
				got = append(got, m.paint.draw(b)...)
			}
			if g, w := eye(got), eye(whole); g != w {
				t.Errorf("turn %q at width %d: the blocks draw\n%s\nthe turn draws\n%s", h.Prompt, width, g, w)
			}
		}
	}
}

func TestAConversationLoadedFromTheHistoryIsContinued(t *testing.T) {
	t.Parallel()
	c := &history.Conversation{ID: "c1", Title: "saved", Turns: savedTurns()}
	got := Messages(c)
	var roles []string
	for _, msg := range got {
		roles = append(roles, msg.Role)
	}
	// Turn 3's calls go back as calls with their results (the one no one
	// ran gets client.NotRun), so the request is valid for every API.
	want := "user,assistant,user,assistant,user,assistant,tool,assistant,tool,user,assistant,user,assistant,user,assistant,user,assistant"
	if strings.Join(roles, ",") != want {
		t.Fatalf("Messages = %d messages (%v); want %s, the retried turn left out", len(got), roles, want)
	}
	if c := got[5]; c.Content != "Looking. " || len(c.ToolCalls) != 1 || c.ToolCalls[0].Name != "search" || c.ToolCalls[0].Args != `{"q":"x"}` {
		t.Errorf("tool turn = %+v; want the text before the call, and the call", c)
	}
	if r := got[6].ToolResults; len(r) != 1 || r[0].Content != "found" || r[0].IsError || r[0].ID != got[5].ToolCalls[0].ID {
		t.Errorf("tool result = %+v; want search's result, for its call", r)
	}
	if r := got[8].ToolResults; len(r) != 1 || r[0].Content != client.NotRun || !r[0].IsError {
		t.Errorf("the call no one ran got %+v; want client.NotRun", r)
	}
	if got[10].Content != "half an" {
		t.Errorf("stopped = %q", got[10].Content)
	}
}

// eye is lines as the eye sees them: glamour colours a blank line, or
// not, depending on what it renders with it.
func eye(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(xansi.Strip(l), " ")
	}
	return strings.Join(out, "\n")
}

// testStore is a history with two conversations in it.
func testStore(t *testing.T) *history.Store {
	t.Helper()
	st, err := history.Open(t.Context(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, q := range []string{"about volcanoes", "about rivers"} {
		r, err := st.Begin(t.Context(), history.Ask{Conversation: history.Conversation{Title: q}, Prompt: q})
		if err != nil {
			t.Fatal(err)
		}
		r.Add(client.Event{Kind: client.KindText, Text: "The answer " + q + "."})
		r.End(history.Outcome{})
	}
	return st
}

// reopen closes st, which waits for the answers being saved, and opens
// its file again.
func reopen(t *testing.T, st *history.Store) *history.Store {
	t.Helper()
	st.Close()
	again, err := history.Open(t.Context(), st.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	return again
}

// run runs a command and its batch, returning the messages of those
// that return at once (the chat's timers are left out).
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg, tick := tickOf(cmd)
	if tick {
		return nil
	}
	batch, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	var out []tea.Msg
	for _, c := range batch {
		out = append(out, run(c)...)
	}
	return out
}

// tickOf runs cmd, and reports it as a timer when it has not returned
// in a while.
func tickOf(cmd tea.Cmd) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		return msg, false
	case <-time.After(200 * time.Millisecond):
		return nil, true
	}
}

func TestCtrlSPicksAConversationAndTheNextQuestionContinuesIt(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	var mu sync.Mutex
	var sent []client.Message
	cfg := testConfig(t, func(_ context.Context, msgs []client.Message) (*client.Stream, error) {
		mu.Lock()
		sent = msgs
		mu.Unlock()
		i := 0
		return client.FromEvents("", func() (client.Event, error) {
			i++
			if i == 1 {
				return client.Event{Kind: client.KindText, Text: "a follow-up answer"}, nil
			}
			return client.Event{Kind: client.KindDone}, nil
		}, nil), nil
	})
	cfg.History, cfg.Save = st, true
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	m, cmd := press(m, "ctrl+s")
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	wantOnScreen(t, screen(m), "Conversations", "about volcanoes", "about rivers")
	m, _ = press(m, "down") // the older one: volcanoes
	m, cmd = press(m, "enter")
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	wantOnScreen(t, screen(m), "about volcanoes", "The answer about volcanoes.", "continuing")
	m, cmd = press(typeText(m, "and lava?"), "enter")
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	for m.live() != nil {
		m = update(m, waitForEvent(m.streamID, m.events)())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 3 || sent[0].Content != "about volcanoes" || sent[1].Content != "The answer about volcanoes." || sent[2].Content != "and lava?" {
		t.Fatalf("the request carried %+v; want the picked conversation, then the question", sent)
	}
	list, _ := reopen(t, st).List(t.Context(), 0)
	if len(list) != 2 || list[0].Title != "about volcanoes" || list[0].Turns != 2 {
		t.Errorf("history = %+v; want the picked conversation continued, used last", list)
	}
}

func TestTheChatSavesAStoppedAnswerWithItsText(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	sent := false
	s := client.FromEvents("", func() (client.Event, error) {
		if !sent {
			sent = true
			return client.Event{Kind: client.KindText, Text: "partial"}, nil
		}
		<-ctx.Done()
		return client.Event{}, ctx.Err()
	}, nil)
	sv := &saving{store: st, ask: history.Ask{Prompt: "stop me"}, describe: func(err error) string { return err.Error() }}
	if err := sv.begin(ctx); err != nil {
		t.Fatal(err)
	}
	ch := make(chan item)
	go pump(ctx, s, ch, sv)
	if it := <-ch; it.ev.Text != "partial" {
		t.Fatalf("first item %+v", it)
	}
	cancel() // the stop key
	for range ch {
	}
	c, err := reopen(t, st).Load(t.Context(), sv.rec.ConversationID())
	if err != nil || c.Turns[0].Answer != "partial" || c.Turns[0].Ending != history.EndStopped {
		t.Errorf("saved %+v, %v; want the partial text, stopped", c, err)
	}
}
