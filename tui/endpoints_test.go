package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/history"
)

// switchConfig is a chat on endpoint "a" of the config file's a and b;
// Switch answers b with rec's Opener, and anything else with an error.
func switchConfig(t *testing.T, first, rec *recorder) Config {
	cfg := testConfig(t, first.open)
	cfg.Endpoint = "endpoint A"
	cfg.Endpoints = []EndpointChoice{{Name: "a", Detail: "anthropic · model-a"}, {Name: "b", Detail: "openai · model-b at http://b"}}
	cfg.EndpointName = "a"
	cfg.Switch = func(_ context.Context, name string) (Target, error) {
		if name != "b" {
			return Target{}, errors.New("no key for " + name)
		}
		return Target{Label: "endpoint B", Open: rec.open, Describe: func(err error) string { return "B: " + err.Error() },
			NewConversation: func(title string) history.Conversation {
				return history.Conversation{Title: title, Endpoint: history.Endpoint{Label: "endpoint B"}}
			}}, nil
	}
	return cfg
}

func TestCtrlLPicksTheEndpointTheNextQuestionGoesTo(t *testing.T) {
	t.Parallel()
	var a, b recorder
	m := update(New(switchConfig(t, &a, &b)), tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, m, "to a")
	m, _ = press(m, "ctrl+l")
	wantOnScreen(t, screen(m), "Endpoints", "1 a", "2 b", "openai · model-b at http://b", "in use", "enter ask it next")
	m, _ = press(m, "down")
	m, cmd := press(m, "enter")
	for _, msg := range run(cmd) {
		m = update(m, msg)
	}
	s := screen(m)
	wantOnScreen(t, s, "the next question goes to b", "to a")
	if header := strings.SplitN(s, "\n", 2)[0]; !strings.Contains(header, "endpoint B") {
		t.Errorf("header = %q, want endpoint B", header)
	}
	m = send(t, m, "to b")
	if len(a.reqs) != 1 || len(b.reqs) != 1 {
		t.Fatalf("requests: %d to a, %d to b; want one each", len(a.reqs), len(b.reqs))
	}
	if got := roles(b.last()); got != "user,assistant,user" {
		t.Errorf("b's request roles = %s; want the conversation so far, then the question", got)
	}
	if m.cfg.Describe(errors.New("x")) != "B: x" || m.cfg.NewConversation("t").Endpoint.Label != "endpoint B" {
		t.Error("the errors or the history still describe endpoint a")
	}
}

func TestCtrlLSaysWhyItCannotSwitch(t *testing.T) {
	t.Parallel()
	var a, b recorder
	tests := []struct {
		name  string
		cfg   func(Config) Config
		keys  []string
		wants string
	}{
		{"no endpoints", func(c Config) Config {
			c.Endpoints, c.NoEndpoints = nil, "no endpoints in the config file: add one"
			return c
		}, []string{"ctrl+l"}, "no endpoints in the config file: add one"},
		{"the endpoint fails", func(c Config) Config {
			c.EndpointName = "b"
			return c
		}, []string{"ctrl+l", "1"}, "cannot switch to a: no key for a"},
		{"the one in use", func(c Config) Config { return c }, []string{"ctrl+l", "enter"}, "the next question goes to a already"},
		{"esc closes", func(c Config) Config { return c }, []string{"ctrl+l", "esc"}, "ctrl+l endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := update(New(tt.cfg(switchConfig(t, &a, &b))), tea.WindowSizeMsg{Width: 120, Height: 24})
			for _, k := range tt.keys {
				var cmd tea.Cmd
				m, cmd = press(m, k)
				for _, msg := range run(cmd) {
					m = update(m, msg)
				}
			}
			wantOnScreen(t, screen(m), tt.wants)
			if m.cfg.Endpoint != "endpoint A" || m.eps.open {
				t.Errorf("the chat is on %q (list open %v); want endpoint A, the list closed", m.cfg.Endpoint, m.eps.open)
			}
		})
	}
}

func TestCtrlLWhileAnAnswerStreamsSaysToStopItFirst(t *testing.T) {
	t.Parallel()
	var a, b recorder
	m := update(New(switchConfig(t, &a, &b)), tea.WindowSizeMsg{Width: 80, Height: 24})
	m = feed(ask(t, m, "streaming"), text("partial"))
	m, _ = press(m, "ctrl+l")
	if m.eps.open {
		t.Fatal("the list opened while an answer streams")
	}
	wantOnScreen(t, screen(m), "stop the answer (esc) to pick another endpoint")
}
