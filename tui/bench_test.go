package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
)

// longConversation is a saved conversation of about size bytes: turns
// whose answers are some 20,000 tokens (80 KB) of mixed markdown each.
func longConversation(size int) *history.Conversation {
	c := &history.Conversation{ID: "bench", Title: "long"}
	for seq := 1; size > 0; seq++ {
		var b strings.Builder
		for i := 0; b.Len() < 80_000; i++ {
			fmt.Fprintf(&b, "## Part %d.%d\n\nThe *quick* brown fox jumps over the `lazy` dog, again and again, "+
				"until the paragraph wraps over several lines at any width a terminal has. [A link](http://x.test/%d).\n\n", seq, i, i)
			fmt.Fprintf(&b, "- first point, with **bold** words\n- second point\n  - nested\n\n")
			fmt.Fprintf(&b, "```go\nfunc f%d(x int) int {\n\treturn x * %d\n}\n```\n\n| col | value |\n|-----|-------|\n| a | %d |\n\n", i, i, i)
		}
		c.Turns = append(c.Turns, history.Turn{Seq: seq, Prompt: fmt.Sprintf("question %d", seq), Answer: b.String(),
			Ending: history.EndComplete, Started: time.Unix(0, 0)})
		size -= b.Len()
	}
	return c
}

// BenchmarkOpenLongConversation is the time from loading a saved 1 MB
// conversation into the chat to its first frame: the last screen.
func BenchmarkOpenLongConversation(b *testing.B) {
	conv := longConversation(1 << 20)
	cfg := testConfig(b, nil)
	for b.Loop() {
		m := New(cfg)
		m = update(m, tea.WindowSizeMsg{Width: 100, Height: 30})
		m = update(m, loadedMsg{conv: conv})
		if !strings.Contains(m.View().Content, "value") {
			b.Fatal("the last screen is not drawn")
		}
	}
}

// BenchmarkResizeLongConversation is the cost of a resize of a chat that
// holds a 1 MB conversation, to the next frame.
func BenchmarkResizeLongConversation(b *testing.B) {
	m := New(testConfig(b, nil))
	m = update(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	m = update(m, loadedMsg{conv: longConversation(1 << 20)})
	widths := []int{80, 100}
	i := 0
	for b.Loop() {
		i++
		m = update(m, tea.WindowSizeMsg{Width: widths[i%2], Height: 30})
		_ = m.View()
	}
}

// chatOfFive is a chat that streamed five answers of some 20,000 tokens
// (80 KB of mixed markdown) each, at 100×30.
func chatOfFive(b *testing.B) Model {
	m := newTestModel(b, 100, 30, nil)
	conv := longConversation(5 * 80_000)
	for _, h := range conv.Turns[:5] {
		m = ask(b, m, h.Prompt)
		words := strings.SplitAfter(h.Answer, " ")
		for len(words) > 0 {
			n := min(len(words), 400)
			evs := make([]client.Event, 0, n)
			for _, w := range words[:n] {
				evs = append(evs, text(w))
			}
			m, words = feed(m, evs...), words[n:]
		}
		m = feed(m, done())
	}
	return m
}

// BenchmarkResizeFiveAnswers is the cost of a resize of a chat that
// streamed five 20,000-token answers, to the next frame: issue 23 asks
// for at most 50 ms.
func BenchmarkResizeFiveAnswers(b *testing.B) {
	m := chatOfFive(b)
	widths := []int{80, 100}
	i := 0
	for b.Loop() {
		i++
		m = update(m, tea.WindowSizeMsg{Width: widths[i%2], Height: 30})
		_ = m.View()
	}
}

// BenchmarkStreamFrame is one frame of a long streaming answer at
// 100×30: a few tokens arrive, the frame draws them, Bubble Tea asks
// for the View. Its cost and allocations stay flat as the answer grows
// (issue 23: a frame costs what changed).
func BenchmarkStreamFrame(b *testing.B) {
	markdown := strings.SplitAfter(longConversation(80_000).Turns[0].Answer, " ")
	var plain []string // as bench/tui.py streams
	for i := range 4000 {
		plain = append(plain, map[bool]string{true: "\n\n"}[i > 0 && i%20 == 0]+fmt.Sprintf("w%05d ", i))
	}
	for _, c := range []struct {
		name  string
		words []string
		size  int
	}{{"plain/answer=1000", plain, 1_000}, {"plain/answer=20000", plain, 20_000},
		{"markdown/answer=1000", markdown, 1_000}, {"markdown/answer=20000", markdown, 20_000}} {
		b.Run(c.name, func(b *testing.B) {
			m := ask(b, newTestModel(b, 100, 30, nil), "q")
			words, size := c.words, c.size
			i := 0
			next := func() client.Event { i++; return text(words[i%len(words)]) }
			for range size / 100 {
				evs := make([]client.Event, 100)
				for j := range evs {
					evs[j] = next()
				}
				m = feed(m, evs...)
			}
			b.ReportAllocs()
			for b.Loop() {
				m = update(m, streamMsg{id: m.streamID, events: []client.Event{next(), next(), next()}})
				m = update(m, frameMsg{})
				_ = m.View()
			}
		})
	}
}
