package tui

import (
	"errors"
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/tokcli/tok/client"
)

// answer is a reference answer: a heading, a list, code, CJK and emoji.
var answer = []string{
	"## Streaming\n\n", "Server-Sent Events send **one-way** updates:\n\n",
	"- frames end with a blank line\n", "- `data:` lines carry the text\n\n",
	"```go\nfor ev := range s.Events() {\n\tfmt.Print(ev.Text)\n}\n```\n\n",
	"日本語も、emoji 🚀 も", " そのまま表示されます。",
}

func streamed(m Model, n int) Model {
	for i, a := range answer[:n] {
		m = feed(m, client.Event{Kind: client.KindText, Text: a, At: durationMS(200 + 50*i)})
	}
	return m
}

func TestViewGolden(t *testing.T) {
	states := []struct {
		name string
		make func(Model) Model
	}{
		{"empty", func(m Model) Model { return m }},
		{"streaming", func(m Model) Model { return streamed(ask(t, m, "How does SSE work?"), len(answer)) }},
		{"stopped", func(m Model) Model {
			m, _ = press(streamed(ask(t, m, "How does SSE work?"), 3), "esc")
			return m
		}},
		{"error", func(m Model) Model {
			m = streamed(ask(t, m, "How does SSE work?"), 2)
			return update(m, streamMsg{id: m.streamID, done: true, err: errors.New("the connection closed mid-response after 2 tokens")})
		}},
		{"tool", func(m Model) Model {
			m = feed(ask(t, m, "Weather in Paris?"),
				client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "get_weather"}},
				client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: `{"city":"Paris"}`},
				client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{Name: "get_weather"}},
				client.Event{Kind: client.KindToolResult, Tool: client.Tool{Name: "get_weather", Result: `{"temp_c":18,"sky":"clear"}`}},
				client.Event{Kind: client.KindText, Text: "It is 18 °C and clear in Paris.", At: durationMS(900)})
			return feed(m, done())
		}},
		{"tool-not-run", func(m Model) Model {
			m = feed(ask(t, m, "Weather in Paris?"), client.Event{Kind: client.KindText, Text: "Let me check.", At: durationMS(300)})
			m = feed(m, toolCall("get_weather", `{"city":"Paris"}`)...)
			return feed(m, client.Event{Kind: client.KindDone, StopReason: "tool_use"})
		}},
		{"cut", func(m Model) Model {
			m = streamed(ask(t, m, "How does SSE work?"), 3)
			return feed(m, client.Event{Kind: client.KindDone, StopReason: "max_tokens"})
		}},
	}
	for _, size := range [][2]int{{40, 15}, {80, 24}, {120, 40}} {
		for _, st := range states {
			t.Run(fmt.Sprintf("%s-%dx%d", st.name, size[0], size[1]), func(t *testing.T) {
				m := st.make(newTestModel(t, size[0], size[1], nil))
				golden.RequireEqual(t, []byte(screen(m)))
			})
		}
	}
}
