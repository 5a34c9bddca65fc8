package tui

import (
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/history"
)

// answered asks q and lets the answer finish.
func answered(t *testing.T, m Model, q string) Model {
	t.Helper()
	return feed(ask(t, m, q), text("an answer to "+q), done())
}

func TestUpRecallsThePromptsSentNewestFirstAndDownGivesTheDraftBack(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, 80, 24, nil)
	m = answered(t, m, "first")
	m = answered(t, m, "second")
	m = typeText(m, "a draft")
	steps := []struct{ key, want string }{
		{"up", "second"},
		{"up", "first"},
		{"up", "first"}, // the oldest: Up stays
		{"down", "second"},
		{"down", "a draft"},
		{"down", "a draft"}, // not walking: Down is the input's
	}
	for i, s := range steps {
		m, _ = press(m, s.key)
		if got := m.input.Value(); got != s.want {
			t.Fatalf("step %d (%s): input = %q, want %q", i, s.key, got, s.want)
		}
	}
	wantOnScreen(t, screen(m), "┃ a draft")
}

func TestUpWalksAMultiLineDraftBeforeItRecalls(t *testing.T) {
	t.Parallel()
	m := answered(t, newTestModel(t, 80, 24, nil), "before")
	m = typeText(m, "line one")
	m, _ = press(m, "ctrl+j")
	m = typeText(m, "line two")
	m, _ = press(m, "up") // to line one, inside the draft
	if got := m.input.Value(); got != "line one\nline two" || m.input.Line() != 0 {
		t.Fatalf("Up on the second line: input %q on line %d; want the draft, on line 0", got, m.input.Line())
	}
	m, _ = press(m, "up")
	if got := m.input.Value(); got != "before" {
		t.Fatalf("Up on the first line: input %q, want before", got)
	}
	m, _ = press(m, "down")
	if got := m.input.Value(); got != "line one\nline two" {
		t.Errorf("Down past the newest: input %q, want the multi-line draft", got)
	}
}

func TestARecalledPromptSentAgainMovesToTheFront(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, 80, 24, nil)
	for _, q := range []string{"a", "b", "c"} {
		m = answered(t, m, q)
	}
	m, _ = press(m, "up")
	m, _ = press(m, "up") // b
	m = answered(t, m, "")
	if want := []string{"b", "c", "a"}; !slices.Equal(m.recall.entries, want) {
		t.Errorf("entries = %q, want %q", m.recall.entries, want)
	}
}

func TestCtrlCClearsARecalledPromptAndEndsTheWalk(t *testing.T) {
	t.Parallel()
	m := answered(t, newTestModel(t, 80, 24, nil), "old question")
	m = typeText(m, "draft")
	m, _ = press(m, "up")
	m, quit := ctrlC(t, m)
	if quit || m.input.Value() != "" || m.recall.walking() {
		t.Fatalf("Ctrl+C: quit %v, input %q, walking %v; want the input cleared, the walk ended", quit, m.input.Value(), m.recall.walking())
	}
	m, _ = press(m, "down")
	if got := m.input.Value(); got != "" {
		t.Errorf("Down after Ctrl+C brought back %q; the draft was cleared with it", got)
	}
	m, _ = press(m, "up")
	if got := m.input.Value(); got != "old question" {
		t.Errorf("Up after Ctrl+C = %q, want the newest prompt again", got)
	}
}

func TestTheHistorysPromptsComeBehindThisProcesss(t *testing.T) {
	t.Parallel()
	m := answered(t, newTestModel(t, 80, 24, nil), "asked here")
	m, _ = press(m, "up") // walking when the history arrives
	m = update(m, promptsMsg{prompts: []string{"asked here", "saved one", "saved two"}})
	if want := []string{"asked here", "saved one", "saved two"}; !slices.Equal(m.recall.entries, want) {
		t.Fatalf("entries = %q, want %q", m.recall.entries, want)
	}
	m, _ = press(m, "up")
	if got := m.input.Value(); got != "saved one" {
		t.Errorf("Up = %q, want saved one", got)
	}
}

func TestTheRecallIsBounded(t *testing.T) {
	t.Parallel()
	r := newRecall()
	saved := make([]string, recallMax+10)
	for i := range saved {
		saved[i] = string(rune('a'+i%26)) + string(rune(i))
	}
	r.merge(saved)
	r.add("new")
	r.add(string(make([]byte, history.PromptMax+1)))
	if len(r.entries) != recallMax || r.entries[0] != "new" {
		t.Errorf("%d entries, the first %q; want %d, the newest first, the long one left out", len(r.entries), r.entries[0], recallMax)
	}
}

// runNow runs cmd and its batch to their ends, for commands that end
// without a timer (Init's, here: no tools).
func runNow(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	batch, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	var out []tea.Msg
	for _, c := range batch {
		out = append(out, runNow(c)...)
	}
	return out
}

// promptsOf runs the chat's Init with st and returns the prompts it
// read.
func promptsOf(t *testing.T, st *history.Store, save bool) []string {
	t.Helper()
	cfg := testConfig(t, nil)
	cfg.History, cfg.Save = st, save
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, msg := range runNow(m.Init()) {
		m = update(m, msg)
	}
	return m.recall.entries
}

func TestTheChatRecallsTheSavedPromptsOfEarlierRuns(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	if got, want := promptsOf(t, st, true), []string{"about rivers", "about volcanoes"}; !slices.Equal(got, want) {
		t.Errorf("a chat that saves recalls %q, want %q", got, want)
	}
	if got := promptsOf(t, st, false); len(got) != 0 {
		t.Errorf("a chat with --no-save recalls %q, want none of the history's", got)
	}
}

// TestANewProcessRecallsTheLastOnesPrompts is the acceptance line: two
// prompts sent in one chat, Up recalls them in a new one on the same
// history.
func TestANewProcessRecallsTheLastOnesPrompts(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	var rec recorder
	cfg := testConfig(t, rec.open)
	cfg.History, cfg.Save = st, true
	m := update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, send(t, m, "one"), "two")
	cfg.History = reopen(t, st)
	m = update(New(cfg), tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, msg := range runNow(m.Init()) {
		m = update(m, msg)
	}
	for _, want := range []string{"two", "one", "about rivers"} {
		m, _ = press(m, "up")
		if got := m.input.Value(); got != want {
			t.Fatalf("Up in the new chat = %q, want %q", got, want)
		}
	}
}

func TestUpOnAWrappedLineMovesUpItsRowsFirst(t *testing.T) {
	t.Parallel()
	m := answered(t, newTestModel(t, 30, 24, nil), "before")
	long := "a question long enough to wrap in a narrow input box"
	m = typeText(m, long)
	if m.input.LineInfo().Height < 2 {
		t.Fatalf("the line did not wrap: %+v", m.input.LineInfo())
	}
	for i := 0; m.input.LineInfo().RowOffset > 0; i++ {
		if i == 10 {
			t.Fatal("Up does not move up the wrapped rows")
		}
		m, _ = press(m, "up")
		if got := m.input.Value(); got != long {
			t.Fatalf("Up on a wrapped row recalled %q", got)
		}
	}
	m, _ = press(m, "up")
	if got := m.input.Value(); got != "before" {
		t.Errorf("Up on the first row = %q, want before", got)
	}
}
