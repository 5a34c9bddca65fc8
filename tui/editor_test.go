package tui

import (
	"errors"
	"io"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/tools"
)

// fakePrograms stand in for the editor and the pager: the editor
// returns saved (or fails with err) and records the text it was given;
// the pager records what it showed. Exec runs a lent program at once,
// without a terminal, as tea.Exec would once it had suspended the chat.
type fakePrograms struct {
	saved string
	err   error

	edited []string // the texts the editor was given
	paged  []string // the texts the pager showed
	execs  int
}

func (f *fakePrograms) programs() Programs {
	return Programs{
		Edit: func(text string, _ io.Reader, _, _ io.Writer) (string, error) {
			f.edited = append(f.edited, text)
			return f.saved, f.err
		},
		Page: func(text string, _, _ io.Writer) error {
			f.paged = append(f.paged, text)
			return f.err
		},
		run: func(c tea.ExecCommand, fn tea.ExecCallback) tea.Cmd {
			return func() tea.Msg {
				f.execs++
				return fn(c.Run())
			}
		},
	}
}

// newProgramModel is a chat with the fake programs.
func newProgramModel(t *testing.T, f *fakePrograms) Model {
	t.Helper()
	cfg := testConfig(t, nil)
	cfg.Programs = f.programs()
	m := New(cfg)
	return update(m, tea.WindowSizeMsg{Width: 100, Height: 30})
}

// pressAll presses keys in turn and runs what the last one started, if
// anything: a lent program's message is delivered, as the program would.
func pressAll(m Model, keys ...string) Model {
	var cmd tea.Cmd
	for _, k := range keys {
		m, cmd = press(m, k)
	}
	if cmd != nil {
		m = update(m, cmd())
	}
	return m
}

func TestEditorKeysMakeTheDraft(t *testing.T) {
	t.Parallel()
	for _, keys := range [][]string{{"ctrl+g"}, {"ctrl+x", "ctrl+e"}} {
		t.Run(strings.Join(keys, " "), func(t *testing.T) {
			t.Parallel()
			f := &fakePrograms{saved: "from the editor\nsecond line\n"}
			m := typeText(newProgramModel(t, f), "my draft")
			m = pressAll(m, keys...)
			if len(f.edited) != 1 || f.edited[0] != "my draft" {
				t.Fatalf("the editor was given %q, want the draft once", f.edited)
			}
			if got := m.input.Value(); got != "from the editor\nsecond line" {
				t.Errorf("draft = %q, want the editor's text without its final newline", got)
			}
			if len(m.turns) != 0 {
				t.Fatalf("the editor's text was sent before Enter")
			}
			wantOnScreen(t, screen(m), "the draft is the editor's (2 lines) · enter sends", "┃ second line")
			m, _ = press(m, "enter")
			if len(m.turns) != 1 || m.turns[0].question != "from the editor\nsecond line" {
				t.Errorf("enter sent %v, want the editor's text", m.turns)
			}
		})
	}
}

func TestEditorLeavesTheDraft(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, saved string
		err         error
		want        string // the notice
	}{
		{"fails", "ignored", errors.New("vi exited with status 1"), "the editor failed (vi exited with status 1): the draft is as it was"},
		{"empty", "", nil, "the editor's file was empty: the draft is as it was"},
		{"blank", " \n\n", nil, "the editor's file was empty: the draft is as it was"},
		{"unchanged", "my draft\n", nil, "the draft is unchanged"},
		{"unchanged, CRLF", "my draft\r\n", nil, "the draft is unchanged"},
		{"too long", strings.Repeat("x\n", 10_001), nil, "the editor's text is too long for the input: the draft is as it was"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakePrograms{saved: tt.saved, err: tt.err}
			m := pressAll(typeText(newProgramModel(t, f), "my draft"), "ctrl+g")
			if f.execs != 1 {
				t.Fatalf("the editor ran %d times, want 1", f.execs)
			}
			if got := m.input.Value(); got != "my draft" {
				t.Errorf("draft = %q, want it as it was", got)
			}
			if m.notice != tt.want {
				t.Errorf("notice = %q, want %q", m.notice, tt.want)
			}
		})
	}
}

func TestEditorWaitsForTheApprovalPrompt(t *testing.T) {
	t.Parallel()
	f := &fakePrograms{saved: "from the editor"}
	m := typeText(newProgramModel(t, f), "my draft")
	m.approval.prompt = &tools.Prompt{Call: client.ToolCall{Name: "get_weather"}}
	for _, keys := range [][]string{{"ctrl+g"}, {"ctrl+x", "ctrl+e"}, {"ctrl+o"}} {
		m = pressAll(m, keys...)
	}
	if f.execs != 0 {
		t.Errorf("a program ran %d times while a tool call waited for an answer", f.execs)
	}
	if got := m.input.Value(); got != "my draft" {
		t.Errorf("draft = %q, want it as it was", got)
	}
}

func TestEditorWaitsForThePicker(t *testing.T) {
	t.Parallel()
	f := &fakePrograms{saved: "from the editor"}
	cfg := testConfig(t, nil)
	cfg.Programs, cfg.History = f.programs(), testStore(t)
	m := update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30})
	m = feed(ask(t, m, "q"), text("answer"), done())
	m, cmd := press(m, "ctrl+s")
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	if !m.pick.open {
		t.Fatal("ctrl+s did not open the picker")
	}
	for _, keys := range [][]string{{"ctrl+g"}, {"ctrl+x", "ctrl+e"}, {"ctrl+o"}} {
		m = pressAll(m, keys...)
	}
	if f.execs != 0 {
		t.Errorf("a program ran %d times while the picker was open", f.execs)
	}
}

func TestEditorWhileStreaming(t *testing.T) {
	t.Parallel()
	f := &fakePrograms{saved: "next question"}
	m := feed(ask(t, newProgramModel(t, f), "q"), text("partial"))
	m = pressAll(m, "ctrl+g")
	if m.live() == nil {
		t.Fatal("the editor stopped the answer")
	}
	if got := m.input.Value(); got != "next question" {
		t.Errorf("draft = %q, want the editor's text", got)
	}
}

func TestCtrlXThenAnotherKey(t *testing.T) {
	t.Parallel()
	f := &fakePrograms{saved: "from the editor"}
	m := pressAll(newProgramModel(t, f), "ctrl+x")
	if !strings.Contains(screen(m), "ctrl+x …") {
		t.Errorf("ctrl+x shows no hint:\n%s", screen(m))
	}
	m = pressAll(m, "a", "ctrl+e") // a is typed; the prefix is gone
	if f.execs != 0 {
		t.Errorf("ctrl+e after another key opened the editor")
	}
	if got := m.input.Value(); got != "a" {
		t.Errorf("draft = %q, want the key after ctrl+x typed", got)
	}
}

func TestPagerShowsTheLastAnswer(t *testing.T) {
	t.Parallel()
	f := &fakePrograms{}
	m := pressAll(newProgramModel(t, f), "ctrl+o")
	if len(f.paged) != 0 || m.notice != "no answer yet" {
		t.Errorf("ctrl+o with no answer: paged %q, notice %q", f.paged, m.notice)
	}
	m = feed(ask(t, m, "q"), text("# Title\n\nthe **answer** \x1b]0;pwned\x07\x1b[31mred"), done())
	m = pressAll(m, "ctrl+o")
	if len(f.paged) != 1 {
		t.Fatalf("the pager ran %d times, want 1", len(f.paged))
	}
	if got, want := f.paged[0], "# Title\n\nthe **answer** red"; got != want {
		t.Errorf("paged %q, want the markdown, sanitised: %q", got, want)
	}
	f.err = errors.New("less exited with status 2")
	m = pressAll(m, "ctrl+o")
	if want := "the pager failed: less exited with status 2"; m.notice != want {
		t.Errorf("notice = %q, want %q", m.notice, want)
	}
}

func TestProgramKeysInTheHelp(t *testing.T) {
	t.Parallel()
	m := newProgramModel(t, &fakePrograms{})
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "ctrl+g editor") || strings.Contains(h, "ctrl+o") {
		t.Errorf("help with no answer = %q, want ctrl+g and no ctrl+o", h)
	}
	m = feed(ask(t, m, "q"), text("answer"), done())
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "ctrl+o pager") {
		t.Errorf("help after an answer = %q, want ctrl+o", h)
	}
	if h := xansi.Strip(newTestModel(t, 100, 30, nil).helpView()); strings.Contains(h, "ctrl+g") {
		t.Errorf("help with no editor = %q, want no ctrl+g", h)
	}
}

// TestInputKeepsItsEmacsKeys: the keys the chat also uses reach the
// input when it has a use for them.
func TestInputKeepsItsEmacsKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		keys []string // after typing "hello world"
		want string
	}{
		{[]string{"ctrl+a", "X"}, "Xhello world"},
		{[]string{"ctrl+a", "ctrl+e", "X"}, "hello worldX"},
		{[]string{"ctrl+a", "ctrl+f", "ctrl+k"}, "h"},
		{[]string{"ctrl+u"}, ""},
		{[]string{"ctrl+b", "ctrl+b", "ctrl+u"}, "ld"},
		{[]string{"ctrl+w"}, "hello "},
		{[]string{"ctrl+t"}, "hello wordl"},
		{[]string{"ctrl+a", "ctrl+d"}, "ello world"},
		{[]string{"ctrl+x", "ctrl+a", "X"}, "Xhello world"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, " "), func(t *testing.T) {
			t.Parallel()
			m := typeText(newProgramModel(t, &fakePrograms{}), "hello world")
			for _, k := range tt.keys {
				m, _ = press(m, k)
			}
			if got := m.input.Value(); got != tt.want {
				t.Errorf("input = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCtrlUScrollsOnAnEmptyInput: with nothing typed, Ctrl+U scrolls the
// transcript up half a page, as it did before the input had it.
func TestCtrlUScrollsOnAnEmptyInput(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, 80, 20, nil)
	m = feed(ask(t, m, "q"), text(strings.Repeat("line\n\n", 60)), done())
	if !m.scroll.follow {
		t.Fatal("not at the bottom after the answer")
	}
	top := m.scroll.top*1000 + m.scroll.line
	m, _ = press(m, "ctrl+u")
	if m.scroll.follow || m.scroll.top*1000+m.scroll.line >= top {
		t.Errorf("ctrl+u on an empty input did not scroll up (follow %v)", m.scroll.follow)
	}
	m = typeText(update(m, tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl}), "draft")
	top = m.scroll.top*1000 + m.scroll.line
	m, _ = press(m, "ctrl+u")
	if m.input.Value() != "" || m.scroll.top*1000+m.scroll.line != top {
		t.Errorf("ctrl+u with a draft: input %q, scrolled %v", m.input.Value(), m.scroll.top*1000+m.scroll.line != top)
	}
}

// TestCtrlTTogglesToolResults: Ctrl+T shows folded tool results whole
// (and folds them again); with none to show it is the input's.
func TestCtrlTTogglesToolResults(t *testing.T) {
	t.Parallel()
	m := typeText(newTestModel(t, 100, 30, nil), "ab")
	m, _ = press(m, "ctrl+t")
	if m.paint.expand || m.input.Value() != "ba" {
		t.Errorf("ctrl+t with no tool results: expand %v, input %q, want the input's transpose", m.paint.expand, m.input.Value())
	}
	m = ask(t, newTestModel(t, 100, 30, nil), "q")
	result := "one\ntwo\nthree\nfour\nfive"
	m = feed(m, client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "ls"}},
		client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: "t1", Name: "ls", Result: result}}, done())
	if !m.hasFolded() {
		t.Fatalf("no folded tool result:\n%s", screen(m))
	}
	wantOnScreen(t, xansi.Strip(m.helpView()), "ctrl+t tool results")
	m, _ = press(m, "ctrl+t")
	if !m.paint.expand || !strings.Contains(screen(m), "five") {
		t.Errorf("ctrl+t did not show the result whole:\n%s", screen(m))
	}
	if m, _ = press(m, "ctrl+t"); m.paint.expand {
		t.Errorf("a second ctrl+t did not fold it again")
	}
}
