package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// gatewayRunner runs get_weather for the gateway; with block, a call waits
// until its request is cancelled, and says so on cancelled.
type gatewayRunner struct {
	block     bool
	running   chan struct{}
	cancelled chan struct{}
}

func (g *gatewayRunner) Tools(context.Context) []client.ToolSpec {
	return []client.ToolSpec{{Name: "get_weather", Description: "weather"}}
}

func (g *gatewayRunner) RunTools(ctx context.Context, calls []client.ToolCall, emit func(client.Event)) []client.ToolResult {
	var out []client.ToolResult
	for _, c := range calls {
		emit(client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{ID: c.ID, Name: c.Name, Args: c.Args}})
		r := client.ToolResult{ID: c.ID, Name: c.Name, Content: "Paris: 18 °C"}
		if g.block {
			close(g.running)
			<-ctx.Done()
			close(g.cancelled)
			r.Content, r.IsError = "stopped", true
		}
		emit(client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: c.ID, Name: c.Name, Result: r.Content,
			IsError: r.IsError, Duration: 3 * time.Millisecond}})
		out = append(out, r)
	}
	return out
}

func startToolGateway(t *testing.T, u *upstream, run client.ToolRunner) string {
	t.Helper()
	c := client.New(client.Config{IdleTimeout: 10 * time.Second})
	_, ts := startServer(t, server.Config{Upstream: &server.Upstream{Endpoint: u.endpoint(client.OpenAI, client.APIChat), Client: c, Tools: run}})
	return ts.URL
}

func TestAGatewayWithToolsRunsThemAndStreamsToolFramesThenTheContinuation(t *testing.T) {
	u := startUpstream(t, "tokens=8,tool,"+fast)
	gw := startToolGateway(t, u, &gatewayRunner{})
	resp, err := http.Post(gw+"/api/chat/stream", "application/json", strings.NewReader(hi))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := string(body)
	order := []string{`"type":"tool_start","name":"get_weather","id":`, `"type":"tool_executing","name":"get_weather"`,
		`"arguments":{"city":"Paris","unit":"celsius"}`, `"type":"tool_result","name":"get_weather"`, `"result":"Paris: 18 °C"`,
		`"durationMs":3`, `"type":"token"`, `"type":"done"`}
	at := 0
	for _, w := range order {
		i := strings.Index(s[at:], w)
		if i < 0 {
			t.Fatalf("the stream lacks %s after byte %d:\n%s", w, at, s)
		}
		at += i
	}
	reqs := u.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1], `"role":"tool"`) || !strings.Contains(reqs[1], "Paris: 18 °C") {
		t.Errorf("upstream requests %d, the second %s; want the result sent back", len(reqs), reqs[len(reqs)-1])
	}
	// tok's own client reads the frames as the events of a tool tok ran.
	r := askTok(t, gw, hi)
	if r.err != nil || len(r.tools) != 1 || r.text() == "" {
		t.Errorf("through tok's client: %+v", r)
	}
}

func TestAClientLeavingMidToolCancelsTheTool(t *testing.T) {
	u := startUpstream(t, "tokens=8,tool,"+fast)
	run := &gatewayRunner{block: true, running: make(chan struct{}), cancelled: make(chan struct{})}
	gw := startToolGateway(t, u, run)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := post(t, ctx, gw+"/api/chat/stream", "", hi)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range s.Events() {
		}
	}()
	<-run.running
	cancel()
	<-run.cancelled // the tool saw the client leave
	if n := len(u.requests()); n != 1 {
		t.Errorf("the upstream got %d requests, want 1 (no continuation for no one)", n)
	}
}
