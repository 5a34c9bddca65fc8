package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
)

func TestEnterSendsAndEventsStreamIntoTheTranscript(t *testing.T) {
	m := ask(t, newTestModel(t, 80, 24, nil), "what is SSE?")
	if got := m.input.Value(); got != "" {
		t.Errorf("input after send = %q, want it cleared", got)
	}
	m = feed(m, text("Server-Sent "), text("Events are **one-way**"))
	s := screen(m)
	wantOnScreen(t, s, "❯ what is SSE?", "Server-Sent Events are one-way", "streaming", "esc stop")
	if strings.Contains(s, "**") {
		t.Errorf("raw markdown on screen:\n%s", s)
	}
}

func TestABurstOfEventsRendersOnce(t *testing.T) {
	m := atTick(ask(t, newTestModel(t, 80, 24, nil), "q"))
	next, cmd := m.Update(streamMsg{id: m.streamID, events: []client.Event{text("a")}})
	m = next.(Model)
	if cmd == nil {
		t.Fatal("events did not ask for a frame")
	}
	next, _ = m.Update(streamMsg{id: m.streamID, events: []client.Event{text("b")}})
	m = next.(Model)
	if strings.Contains(screen(m), "ab") {
		t.Error("events were rendered before the frame")
	}
	m = update(m, frameMsg{})
	if !strings.Contains(screen(m), "ab") {
		t.Errorf("the frame did not render both events:\n%s", screen(m))
	}
}

func TestCursorBlinksOnlyWhileStreaming(t *testing.T) {
	m := ask(t, newTestModel(t, 80, 24, nil), "q")
	m = feed(m, text("Hello"))
	if !strings.Contains(screen(m), "Hello ▍") {
		t.Fatalf("no cursor after the text:\n%s", screen(m))
	}
	next, cmd := m.Update(blinkMsg{id: m.streamID})
	m = next.(Model)
	if cmd == nil || strings.Contains(screen(m), "▍") {
		t.Fatalf("blink did not hide the cursor and re-arm (cmd %v)", cmd != nil)
	}
	m = feed(m, done())
	if _, cmd := m.Update(blinkMsg{id: m.streamID}); cmd != nil {
		t.Error("the blink timer runs on after the answer ended")
	}
	if strings.Contains(screen(m), "▍") {
		t.Errorf("cursor left after the end:\n%s", screen(m))
	}
}

func TestStopKeepsThePartialAnswerAndDropsLateEvents(t *testing.T) {
	for _, k := range []string{"esc", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			var ctx context.Context
			open := func(c context.Context, _ []client.Message) (*client.Stream, error) {
				ctx = c
				return nil, errors.New("unused")
			}
			m, cmd := press(typeText(newTestModel(t, 80, 24, open), "q"), "enter")
			runUntilOpen(cmd)
			old := m.streamID
			m = feed(m, text("partial answer"))
			m = typeText(m, "draft")
			m, cmd = press(m, k)
			if k == "esc" && cmd != nil {
				t.Errorf("%s while streaming returned a command (quit?)", k)
			}
			if k == "ctrl+c" && m.armed == 0 { // a quit does not arm
				t.Errorf("%s while streaming did not wait for a second one to quit", k)
			}
			if got := m.input.Value(); got != "draft" {
				t.Errorf("after %s the draft is %q, want it kept", k, got)
			}
			m.input.Reset()
			if ctx.Err() == nil {
				t.Error("the request's context was not cancelled")
			}
			m = update(m, streamMsg{id: old, events: []client.Event{text(" late")}})
			m = update(m, frameMsg{})
			s := screen(m)
			if !strings.Contains(s, "partial answer") || !strings.Contains(s, "■ stopped") || strings.Contains(s, "late") {
				t.Errorf("after stop:\n%s", s)
			}
			if got := conversation(m.turns); len(got) != 2 || got[1].Content != "partial answer" {
				t.Errorf("conversation = %+v, want the partial answer kept", got)
			}
			m = ask(t, m, "next") // the next question goes at once
		})
	}
}

// runUntilOpen runs the opening command of a send, so Open is called.
func runUntilOpen(cmd tea.Cmd) {
	for _, c := range cmd().(tea.BatchMsg) {
		if c == nil {
			continue
		}
		if _, ok := c().(streamMsg); ok {
			return
		}
	}
}

func TestCtrlCQuitsWhenIdleAndCtrlDOnEmptyInput(t *testing.T) {
	m := newTestModel(t, 80, 24, nil)
	if _, cmd := press(m, "ctrl+c"); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+c when idle does not quit")
	}
	if _, cmd := press(m, "ctrl+d"); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+d on an empty input does not quit")
	}
	m = typeText(m, "ab")
	if m, cmd := press(m, "ctrl+d"); cmd != nil && cmd() == tea.Quit() || m.input.Value() != "ab" {
		t.Errorf("ctrl+d with text quit or deleted (input %q)", m.input.Value())
	}
}

func TestNewlineKeysAndPasteKeepTheText(t *testing.T) {
	m := newTestModel(t, 80, 24, nil)
	m = typeText(m, "one")
	m, _ = press(m, "alt+enter")
	m = typeText(m, "two")
	m, _ = press(m, "ctrl+j")
	paste := "line 1\nline 2\n\tindented {json: true}\nline 4"
	m = update(m, tea.PasteMsg{Content: paste})
	want := "one\ntwo\n" + strings.ReplaceAll(paste, "\t", "    ")
	if got := m.input.Value(); got != want {
		t.Errorf("input = %q, want %q", got, want)
	}
	if m.live() != nil {
		t.Error("a newline key sent the question")
	}
	if m.input.Height() < 4 {
		t.Errorf("input height = %d, want it grown to its lines", m.input.Height())
	}
}

func TestScrollingUpStopsFollowingAndEndResumes(t *testing.T) {
	m := ask(t, newTestModel(t, 60, 15, nil), "long")
	for i := range 30 {
		m = feed(m, text(fmt.Sprintf("paragraph %d\n\n", i)))
	}
	if !strings.Contains(screen(m), "paragraph 29") {
		t.Fatalf("not following the bottom:\n%s", screen(m))
	}
	m, _ = press(m, "pgup")
	if m.scroll.follow {
		t.Fatal("pgup did not stop following")
	}
	m = feed(m, text("paragraph 30\n\n"))
	s := screen(m)
	if strings.Contains(s, "paragraph 30") || !strings.Contains(s, "↓ new text") {
		t.Errorf("scrolled up, new text should not show but the marker should:\n%s", s)
	}
	m = typeText(m, "typing")
	if m.scroll.follow || !strings.Contains(screen(m), "↓ new text") {
		t.Error("typing moved the transcript")
	}
	m, _ = press(m, "end")
	if !m.scroll.follow || !strings.Contains(screen(m), "paragraph 30") || strings.Contains(screen(m), "↓ new text") {
		t.Errorf("end did not resume following:\n%s", screen(m))
	}
	m, _ = press(m, "end") // following: End is the input's again
	if !m.scroll.follow || m.input.Value() != "typing" {
		t.Error("end while following was not left to the input")
	}
}

func TestMouseWheelScrolls(t *testing.T) {
	m := ask(t, newTestModel(t, 60, 15, nil), "long")
	for i := range 30 {
		m = feed(m, text(fmt.Sprintf("line %d\n\n", i)))
	}
	m = update(m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m.scroll.follow {
		t.Error("wheel up did not stop following")
	}
	for range 20 {
		m = update(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	}
	if !m.scroll.follow {
		t.Error("wheel down to the bottom did not follow again")
	}
}

func TestErrorShowsUnderThePartialAnswerAndRetryResends(t *testing.T) {
	var asked [][]client.Message
	open := func(_ context.Context, msgs []client.Message) (*client.Stream, error) {
		asked = append(asked, msgs)
		return nil, errors.New("unused")
	}
	m, cmd := press(typeText(newTestModel(t, 80, 24, open), "first"), "enter")
	runUntilOpen(cmd)
	m = feed(m, text("half an answer"))
	m = update(m, streamMsg{id: m.streamID, done: true, err: errors.New("the connection closed mid-response")})
	s := screen(m)
	if !strings.Contains(s, "half an answer") || !strings.Contains(s, "✗ the connection closed mid-response") || !strings.Contains(s, "ctrl+r retry") {
		t.Fatalf("error view:\n%s", s)
	}
	m, cmd = press(m, "ctrl+r")
	if cmd == nil || m.live() == nil {
		t.Fatal("ctrl+r did not ask again")
	}
	runUntilOpen(cmd)
	if len(asked) != 2 || len(asked[1]) != 1 || asked[1][0].Content != "first" {
		t.Errorf("retry sent %+v, want the question alone", asked[len(asked)-1])
	}
}

func TestServerErrorEventFailsTheAnswer(t *testing.T) {
	m := ask(t, newTestModel(t, 80, 24, nil), "q")
	m = feed(m, text("some"), client.Event{Kind: client.KindError, Err: &client.ServerError{Message: "overloaded"}})
	if !strings.Contains(screen(m), "✗ overloaded") || m.live() != nil {
		t.Errorf("error event:\n%s", screen(m))
	}
}

func TestEachRequestCarriesTheConversation(t *testing.T) {
	var asked []client.Message
	open := func(_ context.Context, msgs []client.Message) (*client.Stream, error) {
		asked = msgs
		return nil, errors.New("unused")
	}
	m := newTestModel(t, 80, 24, open)
	m, cmd := press(typeText(m, "one"), "enter")
	runUntilOpen(cmd)
	m = feed(m, text("first answer"), done())
	m, cmd = press(typeText(m, "two"), "enter")
	runUntilOpen(cmd)
	want := []client.Message{{Role: "user", Content: "one"}, {Role: "assistant", Content: "first answer"}, {Role: "user", Content: "two"}}
	if fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("second request carried %+v, want %+v", asked, want)
	}
}

func TestToolCallsThinkingAndStatus(t *testing.T) {
	m := ask(t, newTestModel(t, 80, 24, nil), "weather?")
	m = feed(m, client.Event{Kind: client.KindThinking, Text: "The user wants the weather. ", At: 100e6})
	if !strings.Contains(screen(m), "✻ thinking…") || !strings.Contains(screen(m), "The user wants the weather.") {
		t.Fatalf("thinking not shown while it streams:\n%s", screen(m))
	}
	m = feed(m,
		client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "get_weather"}},
		client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: `{"city":"Paris"}`})
	if !strings.Contains(screen(m), `⚙ get_weather {"city":"Paris"}`) {
		t.Fatalf("tool call:\n%s", screen(m))
	}
	m = feed(m, client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{Name: "get_weather"}})
	if !strings.Contains(screen(m), "⚙ get_weather {\"city\":\"Paris\"}\n    running…") {
		t.Fatalf("tool running:\n%s", screen(m))
	}
	m = feed(m, client.Event{Kind: client.KindToolResult, Tool: client.Tool{Name: "get_weather", Result: `{"temp": 18}`}},
		client.Event{Kind: client.KindText, Text: "It is ", At: 300e6}, client.Event{Kind: client.KindText, Text: "18 °C.", At: 400e6},
		client.Event{Kind: client.KindUsage, Usage: client.Usage{OutputTokens: 12}})
	s := screen(m)
	wantOnScreen(t, s, "⚙ get_weather {\"city\":\"Paris\"}\n    → {\"temp\": 18}", "✻ thought · 5 words", "It is 18 °C.", "12 tokens", "first token 300ms", "10 tok/s")
	if strings.Contains(s, "The user wants") {
		t.Errorf("thinking not folded once the answer started:\n%s", s)
	}
}

func TestResizeRerendersAtTheNewWidth(t *testing.T) {
	m := ask(t, newTestModel(t, 100, 24, nil), "q")
	m = feed(m, text(strings.Repeat("word ", 40)), done())
	if w := maxWidth(screen(m)); w > 100 {
		t.Fatalf("a line is %d wide at 100 columns", w)
	}
	m = update(m, tea.WindowSizeMsg{Width: 40, Height: 24})
	if w := maxWidth(screen(m)); w > 40 {
		t.Errorf("after resize to 40, a line is %d wide:\n%s", w, screen(m))
	}
	if !strings.Contains(screen(m), "word word") {
		t.Errorf("answer lost on resize:\n%s", screen(m))
	}
}

func TestCopyConfirms(t *testing.T) {
	m := newTestModel(t, 80, 24, nil)
	if m, _ := press(m, "ctrl+y"); !strings.Contains(screen(m), "no answer to copy yet") {
		t.Errorf("copy with no answer:\n%s", screen(m))
	}
	m = feed(ask(t, m, "q"), text("the **answer**"), done())
	m, cmd := press(m, "ctrl+y")
	if cmd == nil {
		t.Fatal("copy returned no command")
	}
	m = update(m, copiedMsg{chars: 14, err: errors.New("no xclip")})
	if !strings.Contains(screen(m), "copied the answer (14 characters) through the terminal (OSC 52)") {
		t.Errorf("copy notice:\n%s", screen(m))
	}
	if got := m.lastAnswer(); got != "the **answer**" {
		t.Errorf("copied %q, want the markdown", got)
	}
}

func TestHelpShowsOnlyLiveKeys(t *testing.T) {
	m := newTestModel(t, 120, 24, nil)
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "enter send") || strings.Contains(h, "esc stop") || strings.Contains(h, "retry") {
		t.Errorf("idle help = %q", h)
	}
	m = ask(t, m, "q")
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "esc stop") || strings.Contains(h, "enter send") || strings.Contains(h, "quit") {
		t.Errorf("streaming help = %q", h)
	}
}

func TestTranscriptOnExitHoldsTheConversation(t *testing.T) {
	m := feed(ask(t, newTestModel(t, 80, 24, nil), "hello"), text("# Title\n\nSome *text*."), done())
	got := xansi.Strip(m.Transcript())
	for _, want := range []string{"❯ hello", "Title", "Some text."} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "▍") {
		t.Error("transcript has the cursor")
	}
}

func maxWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, len([]rune(l)))
	}
	return w
}

func TestBackgroundColourPicksTheStyle(t *testing.T) {
	var asked []bool
	cfg := testConfig(t, nil)
	style := cfg.Style
	cfg.Style = func(dark bool) ansi.StyleConfig { asked = append(asked, dark); return style(dark) }
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	m = update(m, tea.BackgroundColorMsg{Color: color.White})
	if m.dark || len(asked) == 0 || asked[len(asked)-1] {
		t.Errorf("a white background left the dark style (asked %v)", asked)
	}
	m = update(m, tea.BackgroundColorMsg{Color: color.Black})
	if !m.dark || !asked[len(asked)-1] {
		t.Errorf("a black background did not pick the dark style (asked %v)", asked)
	}
}

func TestARetryShowsInTheStatusUntilTextArrives(t *testing.T) {
	m := ask(t, newTestModel(t, 100, 24, nil), "q")
	m = feed(m, client.Event{Kind: client.KindRetry, Retry: client.Retry{Attempt: 1, Of: 2, Wait: durationMS(2000), Err: errors.New("429 Too Many Requests")}})
	wantOnScreen(t, screen(m), "retrying in 2s (1/2) · 429 Too Many Requests")
	m = feed(m, text("here"))
	if s := screen(m); strings.Contains(s, "retrying") || !strings.Contains(s, "streaming") {
		t.Errorf("after the first text the status still says retrying:\n%s", s)
	}
}

func TestAReconnectShowsInTheStatusAndTheAnswerCarriesOn(t *testing.T) {
	m := ask(t, newTestModel(t, 100, 24, nil), "q")
	m = feed(m, text("before the cut "))
	m = feed(m, client.Event{Kind: client.KindReconnect, Retry: client.Retry{Attempt: 2, Of: 3, Wait: durationMS(250), Err: errors.New("the connection closed mid-response")}})
	s := screen(m)
	wantOnScreen(t, s, "reconnecting… (2/3) · the connection closed mid-response")
	wantOnScreen(t, s, "before the cut")
	m = feed(m, text("and after"))
	if s := screen(m); strings.Contains(s, "reconnecting") || !strings.Contains(s, "streaming") || !strings.Contains(s, "before the cut and after") {
		t.Errorf("after new text the status still says reconnecting, or the answer lost its start:\n%s", s)
	}
}

func TestTheRateLeavesOutTheTimeSpentReconnecting(t *testing.T) {
	m := ask(t, newTestModel(t, 100, 24, nil), "q")
	at := func(s string, ms int) client.Event {
		return client.Event{Kind: client.KindText, Text: s, At: durationMS(ms)}
	}
	m = feed(m, at("a ", 1000), at("b ", 1100), at("c ", 1200))
	m = feed(m, client.Event{Kind: client.KindReconnect, Retry: client.Retry{Attempt: 1, Of: 3}})
	m = feed(m, at("d ", 5200), at("e", 5300))
	// 4 gaps of text in 0.3 s once the 4 s outage is left out, not 4 in 4.3 s.
	wantOnScreen(t, screen(m), "13 tok/s")
}
