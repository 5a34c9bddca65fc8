package tui

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// crashModel is a chat that panics at place when asked "crash", with
// one question answered before.
func crashModel(t *testing.T, place string) Model {
	t.Helper()
	cfg := testConfig(t, nil)
	cfg.Crash = place
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	return feed(ask(t, m, "first question"), text("the first answer"), done())
}

func TestRunEndsAPanicAsAQuitAndKeepsTheChat(t *testing.T) {
	for _, place := range []string{"update", "draw", "view", "cmd", "stream"} {
		t.Run(place, func(t *testing.T) {
			in, typed := io.Pipe()
			defer typed.Close()
			go io.WriteString(typed, "crash\r")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			final, err := Run(crashModel(t, place), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(io.Discard),
				tea.WithoutSignals(), tea.WithWindowSize(80, 24))
			var pe *PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("Run = %v, want a *PanicError", err)
			}
			if want := "a crash test in "; !strings.Contains(pe.Error(), want) {
				t.Errorf("error %q, want it to say %q", pe, want)
			}
			if !strings.Contains(final.Transcript(), "the first answer") {
				t.Errorf("the transcript lost the conversation:\n%s", final.Transcript())
			}
		})
	}
}

func TestAPanicSaysWhereInOneLine(t *testing.T) {
	g := guard{m: crashModel(t, "update"), box: &crashBox{}}
	g.m = typeText(g.m, "crash")
	next, cmd := g.Update(keyMsg("enter"))
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("a panic in Update did not quit")
	}
	err := g.box.err
	if err == nil || !strings.HasPrefix(err.Where, "tui.Model.send (actions.go:") {
		t.Fatalf("panic %+v, want it placed in Model.send", err)
	}
	if next.(guard).m.input.Value() != "crash" {
		t.Error("the chat after the panic is not the one before it")
	}
	hostile := &PanicError{Value: "boom\x1b[2J\n\u009b2Jtok: forged"}
	if s := hostile.Error(); rawControl(s) != "" || strings.Contains(s, "\n") {
		t.Errorf("the panic's line is %q", s)
	}
}

func TestAPanicInViewQuits(t *testing.T) {
	quit := make(chan struct{})
	g := guard{m: crashModel(t, "view"), box: &crashBox{quit: func() { close(quit) }}}
	g.m.turns = append(g.m.turns, &turn{question: "crash"})
	if v := g.View(); v.Content != "" {
		t.Errorf("the view after a panic = %q, want it empty", v.Content)
	}
	<-quit // the test times out if View did not quit
	if g.box.err == nil || !strings.HasPrefix(g.box.err.Where, "tui.Model.View (") {
		t.Errorf("panic %+v, want it placed in Model.View", g.box.err)
	}
	if _, cmd := g.Update(keyMsg("x")); cmd == nil || cmd() != tea.Quit() {
		t.Error("an update after the panic does not quit")
	}
}

func TestAPanicInACommandOfABatchIsACrashMsg(t *testing.T) {
	ok := func() tea.Msg { return "fine" }
	boom := func() tea.Msg { panic("boom") }
	batch := guardCmd(tea.Batch(ok, tea.Sequence(ok, boom)))().(tea.BatchMsg)
	if got := batch[0](); got != "fine" {
		t.Errorf("a command's message = %v", got)
	}
	seq := reflect.ValueOf(batch[1]()) // Bubble Tea's unexported sequenceMsg
	var msgs []tea.Msg
	for i := range seq.Len() {
		msgs = append(msgs, seq.Index(i).Interface().(tea.Cmd)())
	}
	if crash, isCrash := msgs[1].(crashMsg); len(msgs) != 2 || msgs[0] != "fine" || !isCrash || crash.err.Value != "boom" {
		t.Errorf("sequence's messages = %v", msgs)
	}
}

func TestAPanicInTheStreamsReaderIsACrashMsg(t *testing.T) {
	ch := make(chan item)
	s, _ := crashOpener(context.Background(), nil)
	go pump(context.Background(), s, ch, nil)
	msg := waitForEvent(1, ch)()
	if crash, ok := msg.(crashMsg); !ok || !strings.Contains(crash.err.Error(), "reader") {
		t.Errorf("msg = %#v, want the reader's panic", msg)
	}
	if _, open := <-ch; open {
		t.Error("the pump did not close its channel")
	}
}

func TestATranscriptThatCannotBeDrawnIsPlainText(t *testing.T) {
	m := crashModel(t, "draw")
	m.turns = append(m.turns, &turn{question: "crash", state: stateDone})
	m.turns[1].parts = []*part{{kind: partText}}
	m.turns[1].parts[0].text.WriteString("an \x1b[2Janswer")
	got := m.Transcript()
	for _, want := range []string{"❯ first question", "the first answer", "❯ crash", "an answer"} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if err := rawControl(got); err != "" {
		t.Errorf("the plain transcript holds %s: %q", err, got)
	}
}
