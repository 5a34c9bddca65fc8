package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
)

// ctrlC presses Ctrl+C and reports whether it quit. One that did not
// quit arms the next anew and returns the timer that disarms it, which
// is not run.
func ctrlC(t *testing.T, m Model) (Model, bool) {
	t.Helper()
	next, cmd := press(m, "ctrl+c")
	if next.armed != 0 && next.armed != m.armed {
		return next, false
	}
	return next, cmd != nil && cmd() == tea.Quit()
}

func TestCtrlCClearsTheDraftOrStopsTheAnswerAndASecondQuits(t *testing.T) {
	tests := []struct {
		name string
		// steps: "type:…" types, "ask" sends "q" and leaves it streaming,
		// "disarm" delivers the timer of the last Ctrl+C, "^C" presses
		// Ctrl+C and wants no quit, "^C quit" wants a quit.
		steps     []string
		wantDraft string
	}{
		{"an empty draft quits at once", []string{"^C quit"}, ""},
		{"a draft is cleared, then the second quits", []string{"type:hello", "^C", "^C quit"}, ""},
		{"typing between disarms", []string{"type:hello", "^C", "type:again", "^C", "^C quit"}, ""},
		{"an answer stops and the draft stays; the second quits", []string{"ask", "type:next", "^C", "^C quit"}, "next"},
		{"the window closes", []string{"ask", "type:next", "^C", "disarm", "^C", "^C quit"}, ""},
		{"an older window's end leaves a newer one", []string{"type:a", "^C", "ask", "type:next", "^C", "disarm:1", "^C quit"}, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, 100, 24, nil)
			var quit bool
			for _, step := range tt.steps {
				if quit {
					t.Fatalf("quit before %q", step)
				}
				switch {
				case step == "ask":
					m = feed(ask(t, m, "q"), text("partial"))
				case strings.HasPrefix(step, "type:"):
					m = typeText(m, strings.TrimPrefix(step, "type:"))
				case step == "disarm":
					m = update(m, disarmMsg{m.armed})
				case step == "disarm:1":
					m = update(m, disarmMsg{1})
				case step == "^C":
					draft := m.input.Value()
					if m, quit = ctrlC(t, m); quit {
						t.Fatalf("Ctrl+C quit with the draft %q", draft)
					}
					wantOnScreen(t, screen(m), quitHint, "ctrl+c quit")
				case step == "^C quit":
					if m, quit = ctrlC(t, m); !quit {
						t.Fatalf("Ctrl+C did not quit:\n%s", screen(m))
					}
				}
			}
			if m.live() != nil {
				t.Error("the answer is still streaming")
			}
			if got := m.input.Value(); got != tt.wantDraft {
				t.Errorf("draft = %q, want %q", got, tt.wantDraft)
			}
		})
	}
}

func TestTheHintGoesWithItsWindow(t *testing.T) {
	m := typeText(newTestModel(t, 100, 24, nil), "hello")
	if h := xansi.Strip(m.helpView()); !strings.Contains(h, "ctrl+c clear") {
		t.Errorf("help with a draft = %q, want ctrl+c clear", h)
	}
	m, _ = ctrlC(t, m)
	m = update(m, disarmMsg{m.armed})
	if s := screen(m); strings.Contains(s, quitHint) || !strings.Contains(s, "ctrl+c quit") {
		t.Errorf("after the window the hint stays, or help does not say quit:\n%s", s)
	}
	m = typeText(m, "x")
	if m, _ = ctrlC(t, m); !strings.Contains(screen(m), quitHint) {
		t.Errorf("a new first Ctrl+C shows no hint:\n%s", screen(m))
	}
	m = typeText(m, "y")
	if s := screen(m); strings.Contains(s, quitHint) || !strings.Contains(s, "ctrl+c clear") {
		t.Errorf("typing left the hint, or help does not say clear:\n%s", s)
	}
}
