package tui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// liveAnswer is an answer with every kind of part: reasoning, text with
// a list, a table and a code block, a tool call, then more text.
func liveAnswer() []client.Event {
	var evs []client.Event
	evs = append(evs, client.Event{Kind: client.KindThinking, Text: "let me think about it "})
	md := "# Title\n\nSome *text* here, long enough to wrap at forty columns or so.\n\n- one\n- two\n\n" +
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n```go\nfunc f() {}\n```\n\nA last paragraph"
	for _, w := range strings.SplitAfter(md, " ") {
		evs = append(evs, text(w))
	}
	evs = append(evs, client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "get_weather"}})
	for _, w := range strings.SplitAfter("Then **more** text after the tool.\n\nAnd the end", " ") {
		evs = append(evs, text(w))
	}
	return evs
}

// The live turn's three blocks join into the lines the whole turn draws,
// after every event, with the cursor in either phase.
func TestLiveBlocksJoinIntoTheTurn(t *testing.T) {
	t.Parallel()
	m := ask(t, newTestModel(t, 40, 20, nil), "q")
	tn := m.live()
	for i, ev := range liveAnswer() {
		m = feed(m, ev)
		for _, cursor := range []string{"▍", " ", ""} {
			head, body, end := m.paint.liveLines(tn, cursor)
			got, want := slices.Concat(head, body, end), m.paint.lines(tn, cursor)
			if !slices.Equal(got, want) {
				t.Fatalf("after event %d, cursor %q: head+body+end =\n%q\nwant\n%q", i, cursor, got, want)
			}
		}
	}
}

// A stream's events that wait for their frame leave the screen as it
// was; the frame draws them.
func TestEventsWithinAFrameWaitForIt(t *testing.T) {
	t.Parallel()
	m := ask(t, newTestModel(t, 60, 20, nil), "q")
	m = feed(m, text("first "))
	before := m.View().Content
	m = update(atTick(m), streamMsg{id: m.streamID, events: []client.Event{text("second")}})
	if got := m.View().Content; got != before {
		t.Fatalf("an event within a frame changed the screen:\n%s", got)
	}
	m = update(m, frameMsg{})
	wantOnScreen(t, screen(m), "first second")
}

// Copies of a chat share their view memo: two that went different ways
// each show their own screen. (They share their turns, as they always
// have: an answer's events change every copy's.)
func TestCopiesOfTheChatShowTheirOwnScreen(t *testing.T) {
	t.Parallel()
	m := feed(ask(t, newTestModel(t, 60, 20, nil), "q"), text("hello"))
	_ = m.View()
	a := update(m, tea.WindowSizeMsg{Width: 40, Height: 10})
	b := feed(m, done())
	for range 2 { // and again, from the memo
		if got := strings.Count(screen(a), "\n") + 1; got != 10 {
			t.Errorf("the resized copy's screen has %d lines, want 10", got)
		}
		if s := screen(b); strings.Count(s, "\n")+1 != 20 || !strings.Contains(s, "done") {
			t.Errorf("the other copy's screen is not its own:\n%s", s)
		}
	}
}

// Events held for their frame are drawn when it is due, with no more
// events to carry them: the held message comes back empty.
func TestHeldEventsAreDrawnWhenTheFrameIsDue(t *testing.T) {
	t.Parallel()
	m := ask(t, newTestModel(t, 60, 20, nil), "q")
	m = atTick(m)
	next, cmd := m.Update(streamMsg{id: m.streamID, events: []client.Event{text("held")}})
	m = next.(Model)
	if cmd == nil || strings.Contains(screen(m), "held") {
		t.Fatalf("the events were drawn before their frame, or no frame was asked for")
	}
	msg := cmd() // returns at the frame's time, a tick of the renderer at most
	if sm, ok := msg.(streamMsg); !ok || len(sm.events) != 0 || sm.done {
		t.Fatalf("the frame's message = %#v, want an empty streamMsg", msg)
	}
	wantOnScreen(t, screen(update(m, msg)), "held ▍")
}
