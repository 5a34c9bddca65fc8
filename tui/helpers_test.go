package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// testConfig is a chat in the dark style (tests strip the colours);
// open answers requests.
func testConfig(t testing.TB, open Opener) Config {
	t.Helper()
	style, err := render.Style(render.Dark)
	if err != nil {
		t.Fatal(err)
	}
	if open == nil {
		open = func(context.Context, []client.Message) (*client.Stream, error) {
			return nil, errors.New("no server in this test")
		}
	}
	return Config{
		Open:     open,
		Endpoint: "test endpoint",
		Describe: func(err error) string { return err.Error() },
		Style:    func(bool) ansi.StyleConfig { return style },
		Dark:     true,
	}
}

// newTestModel is a chat of the given size.
func newTestModel(t testing.TB, w, h int, open Opener) Model {
	t.Helper()
	m := New(testConfig(t, open))
	return update(m, tea.WindowSizeMsg{Width: w, Height: h})
}

// update applies msg and drops the commands.
func update(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	return next.(Model)
}

// press applies one key, as the terminal sends it.
func press(m Model, k string) (Model, tea.Cmd) {
	next, cmd := m.Update(keyMsg(k))
	return next.(Model), cmd
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+end":
		return tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl}
	case "alt+enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt}
	}
	if c, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText types s into the input, key by key.
func typeText(m Model, s string) Model {
	for _, r := range s {
		m, _ = press(m, string(r))
	}
	return m
}

// ask types q and presses Enter; the stream is not opened: tests feed
// its events with feed.
func ask(t testing.TB, m Model, q string) Model {
	t.Helper()
	m, cmd := press(typeText(m, q), "enter")
	if cmd == nil || m.live() == nil {
		t.Fatalf("enter did not send %q", q)
	}
	return m
}

// atTick puts the renderer's tick at now, as Init does, so that events
// sent next wait for a frame some 15 ms on: with no Init the tick's phase
// is the clock's, and an event that comes within a millisecond of a
// tick is (rightly) drawn at once, which a test of the waiting would
// take for a failure about one run in sixteen.
func atTick(m Model) Model {
	m.memo.ticks = time.Now()
	return m
}

// feed delivers events of the current stream and renders a frame.
func feed(m Model, evs ...client.Event) Model {
	msg := streamMsg{id: m.streamID, events: evs}
	if n := len(evs); n > 0 && evs[n-1].Kind == client.KindError {
		// As a stream does: an error event, then its error.
		msg.done, msg.err = true, evs[n-1].Err
	}
	m = update(m, msg)
	return update(m, frameMsg{})
}

func text(s string) client.Event {
	return client.Event{Kind: client.KindText, Text: s, At: time.Second}
}

func durationMS(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

func done() client.Event { return client.Event{Kind: client.KindDone} }

// screen is the view without colours or trailing spaces.
func screen(m Model) string {
	lines := strings.Split(xansi.Strip(m.View().Content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// wantOnScreen reports each of wants that the screen s lacks.
func wantOnScreen(t testing.TB, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
}
