package tui

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
)

// threeBlocks is an answer with three fenced code blocks: one in a list
// item (indented), one with a line wider than the window, one with ~~~.
var threeBlocks = strings.Join([]string{
	"Steps:",
	"",
	"1. Make it:",
	"   ```go",
	"   package main",
	"",
	"   func main() {}",
	"   ```",
	"2. Run it:",
	"",
	"```sh",
	"go run . --flag " + strings.Repeat("very-long-argument ", 8),
	"```",
	"",
	"~~~",
	"done",
	"~~~",
	"",
}, "\n")

// clipModel is a chat whose system clipboard is a list; the terminal's
// is read from the commands (clipboardOf).
func clipModel(t *testing.T, system *[]string) Model {
	t.Helper()
	cfg := testConfig(t, nil)
	cfg.Clipboard = func(s string) error {
		*system = append(*system, s)
		return errors.New("no system clipboard in tests")
	}
	return update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 30})
}

func altY(m Model) (Model, tea.Cmd) {
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Mod: tea.ModAlt})
	return next.(Model), cmd
}

// clipboardOf runs cmd and its batch, returning the text of its
// tea.SetClipboard, and the model after the copiedMsg it reports.
func clipboardOf(t *testing.T, m Model, cmd tea.Cmd) (string, Model) {
	t.Helper()
	if cmd == nil {
		t.Fatal("Alt+Y returned no command")
	}
	var clip string
	found := false
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case copiedMsg:
			m = update(m, msg)
		default:
			if v := reflect.ValueOf(msg); reflect.TypeOf(msg).Name() == "setClipboardMsg" && v.Kind() == reflect.String {
				clip, found = v.String(), true
			}
		}
	}
	run(cmd)
	if !found {
		t.Fatal("Alt+Y did not set the terminal's clipboard (OSC 52)")
	}
	return clip, m
}

func TestAltYCyclesTheLastAnswersCodeBlocks(t *testing.T) {
	t.Parallel()
	var system []string
	m := feed(ask(t, clipModel(t, &system), "q"), text(threeBlocks), done())
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "ctrl+y/alt+y copy/code") {
		t.Errorf("help line lacks Alt+Y with code on screen: %q", h)
	}
	want := []struct{ text, notice string }{
		{"done", "copied block 3/3 · 1 line · through the terminal (OSC 52)"},
		{"go run . --flag " + strings.Repeat("very-long-argument ", 8), "copied block 2/3 · sh · 1 line"},
		{"package main\n\nfunc main() {}", "copied block 1/3 · go · 3 lines"},
		{"done", "copied block 3/3 · 1 line"}, // after the first, the last again
	}
	for i, w := range want {
		var cmd tea.Cmd
		m, cmd = altY(m)
		var clip string
		clip, m = clipboardOf(t, m, cmd)
		if clip != w.text {
			t.Errorf("Alt+Y #%d copied %q, want %q", i+1, clip, w.text)
		}
		if s := screen(m); !strings.Contains(s, w.notice) {
			t.Errorf("Alt+Y #%d: status lacks %q:\n%s", i+1, w.notice, s)
		}
	}
	if len(system) != len(want) || system[1] != want[1].text {
		t.Errorf("system clipboard got %q, want the same texts as the terminal's", system)
	}
	// Any other key starts again at the last block.
	m, _ = altY(m)
	m = typeText(m, "x")
	m, cmd := altY(m)
	if clip, _ := clipboardOf(t, m, cmd); clip != "done" {
		t.Errorf("Alt+Y after another key copied %q, want the last block again", clip)
	}
}

func TestAltYWithoutCode(t *testing.T) {
	t.Parallel()
	var system []string
	m := clipModel(t, &system)
	if m, cmd := altY(m); cmd != nil || !strings.Contains(screen(m), "no code block in the last answer") {
		t.Errorf("Alt+Y with no answer: cmd %v, screen:\n%s", cmd != nil, screen(m))
	}
	m = feed(ask(t, m, "q"), text("Only *prose*, and `inline` code."), done())
	if h := xansi.Strip(m.helpView()); strings.Contains(h, "alt+y") {
		t.Errorf("help line offers Alt+Y with no code: %q", h)
	}
	m, cmd := altY(m)
	if cmd != nil || !strings.Contains(screen(m), "no code block in the last answer") {
		t.Errorf("Alt+Y on an answer without code: cmd %v, screen:\n%s", cmd != nil, screen(m))
	}
	if len(system) != 0 {
		t.Errorf("copied %q with no code block", system)
	}
}

func TestAltYTakesTheOpenBlockOfAStoppedAnswer(t *testing.T) {
	t.Parallel()
	var system []string
	m := ask(t, clipModel(t, &system), "q")
	m = feed(m, text("```sh\necho \x1b[31mpartial\n"), client.Event{Kind: client.KindError, Err: &client.ServerError{Message: "overloaded"}})
	m, cmd := altY(m)
	if clip, _ := clipboardOf(t, m, cmd); clip != "echo partial" {
		t.Errorf("copied %q, want the open block's text, sanitised", clip)
	}
}

func TestAltYFollowsANewAnswer(t *testing.T) {
	t.Parallel()
	var system []string
	m := feed(ask(t, clipModel(t, &system), "q"), text("```\na\n```\n\n```\nb\n```"), done())
	m, _ = altY(m)
	m = feed(ask(t, m, "again"), text("```\nc\n```\n\n```\nd\n```"), done())
	m, cmd := altY(m)
	if clip, _ := clipboardOf(t, m, cmd); clip != "d" {
		t.Errorf("Alt+Y on a new answer copied %q, want its last block", clip)
	}
}
