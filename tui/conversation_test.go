package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

func toolCall(name, args string) []client.Event {
	return []client.Event{
		{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: name}},
		{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: args},
	}
}

func TestTheNextRequestAlternatesRolesWhateverTheAnswerWas(t *testing.T) {
	tests := []struct {
		name  string
		end   func(m Model) Model // ends the first answer
		want  string              // in the first answer's message
		roles string              // of the whole conversation, when not user assistant user
		tool  string              // the call the first answer's message carries
	}{
		{"a tool call", func(m Model) Model {
			m = feed(m, text("Let me check."))
			m = feed(m, toolCall("get_weather", `{"city":"Paris"}`)...)
			return feed(m, client.Event{Kind: client.KindDone, StopReason: "tool_use"})
		}, "Let me check.", "user assistant tool user", `get_weather {"city":"Paris"} -> ` + client.NotRun},
		{"a tool call and no text", func(m Model) Model {
			return feed(m, append(toolCall("get_weather", `{"city":"Paris"}`), done())...)
		}, "", "user assistant tool user", `get_weather {"city":"Paris"} -> ` + client.NotRun},
		{"a tool the server ran", func(m Model) Model {
			return feed(m, client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{Name: "search"}},
				client.Event{Kind: client.KindToolResult, Tool: client.Tool{Name: "search", Result: `{"hits":2}`}},
				text("Two hits."), done())
		}, "", "user assistant tool assistant user", `search  -> {"hits":2}`},
		{"stopped before any text", func(m Model) Model {
			m, _ = press(m, "esc")
			return m
		}, "[no answer: the user stopped it before it began]", "", ""},
		{"failed before any text", func(m Model) Model {
			return update(m, streamMsg{id: m.streamID, done: true, err: errors.New("429")})
		}, "[no answer: the request failed]", "", ""},
		{"an empty answer", func(m Model) Model { return feed(m, text("  \n"), done()) }, "[no answer]", "", ""},
		{"a partial answer", func(m Model) Model {
			return update(feed(m, text("half ")), streamMsg{id: m.streamID, done: true, err: errors.New("cut")})
		}, "half ", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []client.Message
			open := func(_ context.Context, msgs []client.Message) (*client.Stream, error) {
				asked = msgs
				return nil, errors.New("unused")
			}
			m, cmd := press(typeText(newTestModel(t, 80, 24, open), "one"), "enter")
			runUntilOpen(cmd)
			m = tt.end(m)
			_, cmd = press(typeText(m, "two"), "enter")
			runUntilOpen(cmd)
			var roles []string
			for _, msg := range asked {
				roles = append(roles, msg.Role)
			}
			wantRoles := tt.roles
			if wantRoles == "" {
				wantRoles = "user assistant user"
			}
			if got := strings.Join(roles, " "); got != wantRoles {
				t.Fatalf("roles = %s, want %s (%+v)", got, wantRoles, asked)
			}
			if asked[0].Content != "one" || asked[1].Content != tt.want || asked[len(asked)-1].Content != "two" {
				t.Errorf("messages = %+v, want the answer %q", asked, tt.want)
			}
			if tt.tool != "" {
				c, r := asked[1].ToolCalls, asked[2].ToolResults
				if len(c) != 1 || len(r) != 1 || c[0].Name+" "+c[0].Args+" -> "+r[0].Content != tt.tool || c[0].ID != r[0].ID {
					t.Errorf("the call and its result = %+v %+v, want %s", c, r, tt.tool)
				}
			}
		})
	}
}

func TestAToolCallSaysItWasNotRun(t *testing.T) {
	m := feed(asked(t), toolCall("get_weather", `{"city":"Paris"}`)...)
	const note = "not run"
	if strings.Contains(screen(m), note) {
		t.Errorf("the note shows while the call streams:\n%s", screen(m))
	}
	m = feed(m, client.Event{Kind: client.KindDone, StopReason: "tool_use"})
	wantOnScreen(t, screen(m), `⚙ get_weather {"city":"Paris"}`, note)
	if !strings.Contains(m.Transcript(), note) {
		t.Errorf("the transcript lacks the note:\n%s", m.Transcript())
	}
	ran := feed(asked(t), client.Event{Kind: client.KindToolResult, Tool: client.Tool{Name: "f", Result: "1"}}, done())
	if strings.Contains(screen(ran), note) {
		t.Errorf("a tool the server ran has the note:\n%s", screen(ran))
	}
}

func TestAnAnswerCutAtTheTokenLimitSaysSo(t *testing.T) {
	tests := []struct {
		reason string
		cut    bool
	}{
		{"max_tokens", true},        // Anthropic; Gemini's MAX_TOKENS, lowered
		{"length", true},            // OpenAI Chat, AI SDK
		{"max_output_tokens", true}, // Responses
		{"MAX_TOKENS", true},
		{"end_turn", false},
		{"stop", false},
		{"tool_use", false},
		{"content_filter", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			m := feed(asked(t), text("a "), text("b"), client.Event{Kind: client.KindUsage, Usage: client.Usage{OutputTokens: 2}},
				client.Event{Kind: client.KindDone, StopReason: tt.reason})
			s := screen(m)
			status := strings.Split(s, "\n")[len(strings.Split(s, "\n"))-2]
			if got := strings.Contains(status, "done · cut at max tokens · 2 tokens"); got != tt.cut {
				t.Errorf("status %q: cut shown = %v, want %v", status, got, tt.cut)
			}
			if got := strings.Contains(m.Transcript(), "cut at max tokens"); got != tt.cut {
				t.Errorf("transcript notes the cut = %v, want %v:\n%s", got, tt.cut, m.Transcript())
			}
			if !tt.cut && !strings.Contains(status, "done · 2 tokens") {
				t.Errorf("status %q, want done · 2 tokens", status)
			}
		})
	}
}
