package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/tools"
)

// weatherRunner is a runner that asks, with an in-memory MCP server whose
// get_weather answers "18 °C".
func weatherRunner(t *testing.T) *tools.Runner {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "w"}, nil)
	type in struct {
		City string `json:"city,omitempty"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "get_weather"}, func(context.Context, *mcp.CallToolRequest, in) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "18 °C"}}}, nil, nil
	})
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := tools.New(tools.Config{Ask: true, Servers: []tools.Server{{Name: "w", Transport: ct}}})
	t.Cleanup(func() { r.Close(); ss.Close() })
	return r
}

// askingChat is a chat whose live answer called get_weather, with the
// runner's question about it on screen; results has the runner's answer.
func askingChat(t *testing.T) (Model, chan []client.ToolResult) {
	t.Helper()
	r := weatherRunner(t)
	cfg := testConfig(t, nil)
	cfg.Tools = r
	m := update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30})
	m = ask(t, m, "weather?")
	m = feed(m, client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "c1", Name: "get_weather"}},
		client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "c1"}, Text: `{"city":"Paris"}`})
	results := make(chan []client.ToolResult, 1)
	go func() {
		results <- r.RunTools(context.Background(), []client.ToolCall{{ID: "c1", Name: "get_weather", Args: `{"city":"Paris"}`}},
			func(client.Event) {})
	}()
	m = update(m, waitForPrompt(r.Prompts())())
	return m, results
}

func TestTheApprovalPromptShowsUnderTheCallAndYRunsIt(t *testing.T) {
	m, results := askingChat(t)
	wantOnScreen(t, screen(m), "⚙ get_weather\n    {\n      \"city\": \"Paris\"\n    }\n    run get_weather?  y once · a for this chat · A always · n no")
	m, cmd := press(m, "y")
	cmd() // hands the answer over
	if got := <-results; got[0].Content != "18 °C" {
		t.Errorf("result = %+v, want the tool's", got[0])
	}
	if strings.Contains(screen(m), "run get_weather?") {
		t.Errorf("the question stays after the answer:\n%s", screen(m))
	}
}

func TestNWithAReasonDeniesTheCallAndKeepsTheDraft(t *testing.T) {
	m, results := askingChat(t)
	m.input.SetValue("my draft")
	m, _ = press(m, "n")
	if m.input.Value() != "" || !strings.Contains(screen(m), "denying: type a reason") {
		t.Fatalf("after n: input %q, screen:\n%s", m.input.Value(), screen(m))
	}
	m = typeText(m, "use the cache")
	m, cmd := press(m, "enter")
	cmd()
	if got := <-results; !got[0].IsError || got[0].Content != "the user denied this call: use the cache" {
		t.Errorf("result = %+v, want the denial with the reason", got[0])
	}
	if m.input.Value() != "my draft" || len(m.turns) != 1 {
		t.Errorf("input %q, %d turns: want the draft back and no question sent", m.input.Value(), len(m.turns))
	}
}

func TestStopDropsTheQuestionAndTheRunnerSeesIt(t *testing.T) {
	m, _ := askingChat(t)
	p := m.approval.prompt
	m, _ = press(m, "esc")
	if m.approval.prompt != nil || strings.Contains(screen(m), "run get_weather?") {
		t.Errorf("the question stays after stop:\n%s", screen(m))
	}
	p.Answer(tools.Answer{Decision: tools.Deny}) // unblocks the runner's goroutine
}

// The chat draws before the tool servers have started, and says which
// failed once they have.
func TestToolServersThatFailShowOnceStarted(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, 100, 20, nil)
	if strings.Contains(screen(m), "did not start") {
		t.Fatal("a failure shows before the servers started")
	}
	m = update(m, toolsReadyMsg{"mcp server broken did not start: EOF"})
	if got := screen(m); !strings.Contains(got, "⚙ mcp server broken did not start: EOF") {
		t.Errorf("screen lacks the failed server:\n%s", got)
	}
}
