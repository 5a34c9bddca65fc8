package tools_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/tools"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer is an MCP server in process with the tools the tests call.
type testServer struct {
	calls   atomic.Int32
	entered chan string   // each call of "gate" says it began
	release chan struct{} // and waits for this
	hung    chan struct{} // closed when a "hang" call saw its cancellation
}

func newTestServer() *testServer {
	return &testServer{entered: make(chan string, 8), release: make(chan struct{}), hung: make(chan struct{}, 8)}
}

type echoArgs struct {
	Text string `json:"text,omitempty"`
}

// transport starts the server on an in-memory pair and returns the
// client's end.
func (ts *testServer) transport(t *testing.T, names ...string) mcp.Transport {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "test"}, nil)
	if len(names) == 0 {
		names = []string{"echo", "gate", "hang", "fail"}
	}
	for _, name := range names {
		mcp.AddTool(s, &mcp.Tool{Name: name, Description: name + " things"}, ts.handler(name))
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	return ct
}

func (ts *testServer) handler(name string) mcp.ToolHandlerFor[echoArgs, any] {
	return func(ctx context.Context, _ *mcp.CallToolRequest, in echoArgs) (*mcp.CallToolResult, any, error) {
		ts.calls.Add(1)
		text := func(s string) *mcp.CallToolResult {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
		}
		switch name {
		case "gate":
			ts.entered <- in.Text
			select {
			case <-ts.release:
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		case "hang":
			ts.entered <- "hang"
			<-ctx.Done()
			ts.hung <- struct{}{}
			return nil, nil, ctx.Err()
		case "fail":
			return nil, nil, errors.New("it broke: " + in.Text)
		}
		return text(name + ": " + in.Text), nil, nil
	}
}

func newRunner(t *testing.T, cfg tools.Config) *tools.Runner {
	t.Helper()
	r := tools.New(cfg)
	t.Cleanup(func() { r.Close() })
	return r
}

// collect gathers what RunTools emits.
type collect struct {
	mu  sync.Mutex
	evs []client.Event
}

func (c *collect) emit(ev client.Event) {
	c.mu.Lock()
	c.evs = append(c.evs, ev)
	c.mu.Unlock()
}

func call(id, name, args string) client.ToolCall {
	return client.ToolCall{ID: id, Name: name, Args: args}
}

func TestCallsOfARoundRunTogetherAndReturnInCallOrder(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{YesAll: true, Servers: []tools.Server{{Name: "t", Transport: ts.transport(t)}}})
	done := make(chan []client.ToolResult)
	var c collect
	go func() {
		done <- r.RunTools(context.Background(), []client.ToolCall{
			call("1", "gate", `{"text":"first"}`), call("2", "echo", `{"text":"second"}`), call("3", "gate", `{"text":"third"}`),
		}, c.emit)
	}()
	// Both gates are inside their handler before either may leave: they
	// run at once, or this waits for ever (and the test's deadline).
	seen := map[string]bool{<-ts.entered: true, <-ts.entered: true}
	if !seen["first"] || !seen["third"] {
		t.Fatalf("the gates that entered: %v", seen)
	}
	close(ts.release)
	got := <-done
	want := []string{"gate: first", "echo: second", "gate: third"}
	for i, w := range want {
		if got[i].Content != w || got[i].ID != fmt.Sprint(i+1) || got[i].IsError {
			t.Errorf("result %d = %+v, want %q", i, got[i], w)
		}
	}
	var executing, results int
	for _, ev := range c.evs {
		switch ev.Kind {
		case client.KindToolExecuting:
			executing++
		case client.KindToolResult:
			results++
		}
	}
	if executing != 3 || results != 3 {
		t.Errorf("events: %d executing, %d results, want 3 of each", executing, results)
	}
}

func TestAHungCallTimesOutIntoAnErrorResultAndTheServerStays(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{YesAll: true, Servers: []tools.Server{{Name: "t", Transport: ts.transport(t), Timeout: 50 * time.Millisecond}}})
	got := r.RunTools(context.Background(), []client.ToolCall{call("1", "hang", `{}`), call("2", "echo", `{"text":"x"}`)}, func(client.Event) {})
	if !got[0].IsError || !strings.Contains(got[0].Content, "timed out after 50ms") {
		t.Errorf("the hung call = %+v, want a timeout", got[0])
	}
	if got[1].Content != "echo: x" {
		t.Errorf("the other call = %+v, want its result", got[1])
	}
	<-ts.hung // the server saw the cancellation
	if again := r.RunTools(context.Background(), []client.ToolCall{call("3", "echo", `{"text":"y"}`)}, func(client.Event) {}); again[0].Content != "echo: y" {
		t.Errorf("a call after the timeout = %+v, want the server still there", again[0])
	}
}

func TestMalformedArgumentsAndUnknownToolsAreErrorResultsTheModelReads(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{YesAll: true, Servers: []tools.Server{{Name: "t", Transport: ts.transport(t)}}})
	got := r.RunTools(context.Background(), []client.ToolCall{
		call("1", "echo", `{"text": "cut`), call("2", "echo", `[1,2]`), call("3", "nope", `{}`), call("4", "fail", `{"text":"bad"}`),
	}, func(client.Event) {})
	for i, want := range []string{"not a JSON object", "not a JSON object", `no tool named "nope"`, "it broke: bad"} {
		if !got[i].IsError || !strings.Contains(got[i].Content, want) {
			t.Errorf("result %d = %+v, want an error saying %q", i, got[i], want)
		}
	}
	if n := ts.calls.Load(); n != 1 {
		t.Errorf("the server got %d calls, want 1 (only the well-formed one)", n)
	}
}

func TestAServerThatFailsToStartIsNamedAndTheOthersServe(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{YesAll: true, Servers: []tools.Server{
		{Name: "broken", Command: []string{"/nonexistent/mcp-server"}},
		{Name: "good", Transport: ts.transport(t, "echo")},
	}})
	errs := r.Wait(context.Background())
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "mcp server broken did not start") {
		t.Fatalf("failures = %v, want one naming broken", errs)
	}
	specs := r.Tools(context.Background())
	if len(specs) != 1 || specs[0].Name != "echo" || !strings.Contains(string(specs[0].Schema), `"text"`) {
		t.Errorf("tools = %+v, want good's echo with its schema", specs)
	}
	st := r.Status()
	if st[0].State != tools.StateFailed || st[1].State != tools.StateReady || len(st[1].Tools) != 1 {
		t.Errorf("status = %+v", st)
	}
}

func TestToolsOfTheSameNameAreOfferedUnderTheirServers(t *testing.T) {
	r := newRunner(t, tools.Config{Servers: []tools.Server{
		{Name: "a", Transport: newTestServer().transport(t, "echo", "only_a")},
		{Name: "b.x", Transport: newTestServer().transport(t, "echo")},
	}})
	var names []string
	for _, s := range r.Tools(context.Background()) {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "a_echo only_a b_x_echo" {
		t.Errorf("names = %s, want a_echo only_a b_x_echo", got)
	}
}

func TestWithoutATerminalACallThatNeedsApprovalIsDeniedAtOnce(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{Yes: []string{"fail"}, Unasked: func(tool string) string { return "allow it with --yes " + tool },
		Servers: []tools.Server{{Name: "t", Transport: ts.transport(t), Allow: []string{"gate"}}}})
	got := r.RunTools(context.Background(), []client.ToolCall{call("1", "echo", `{"text":"x"}`), call("2", "fail", `{"text":"y"}`)}, func(client.Event) {})
	if !got[0].IsError || got[0].Content != "allow it with --yes echo" {
		t.Errorf("the unallowed call = %+v, want the denial", got[0])
	}
	if !strings.Contains(got[1].Content, "it broke") {
		t.Errorf("the allowed call = %+v, want it run", got[1])
	}
	if st := r.Status()[0].Tools; !st[1].Allowed || st[0].Allowed {
		t.Errorf("allowed in the status: %+v, want gate (allow list) and not echo", st)
	}
}

func TestPromptsAskOnceForAConversationAndSendTheReasonOfADenial(t *testing.T) {
	ts := newTestServer()
	var saved []string
	r := newRunner(t, tools.Config{Ask: true, Save: func(server, tool string) error {
		saved = append(saved, server+"/"+tool)
		return errors.New("read-only")
	}, Servers: []tools.Server{{Name: "t", Transport: ts.transport(t)}}})
	run := func(calls ...client.ToolCall) chan []client.ToolResult {
		out := make(chan []client.ToolResult, 1)
		go func() { out <- r.RunTools(context.Background(), calls, func(client.Event) {}) }()
		return out
	}
	res := run(call("1", "echo", `{"text":"a"}`), call("2", "fail", `{"text":"b"}`))
	p := <-r.Prompts()
	if p.Call.ID != "1" || p.Tool != "echo" || p.Server != "t" {
		t.Fatalf("first prompt = %+v", p)
	}
	p.Answer(tools.Answer{Decision: tools.AllowConversation})
	p = <-r.Prompts()
	p.Answer(tools.Answer{Decision: tools.Deny, Reason: "not today"})
	got := <-res
	if got[0].Content != "echo: a" || got[1].Content != "the user denied this call: not today" || !got[1].IsError {
		t.Errorf("results = %+v", got)
	}
	if again := <-run(call("3", "echo", `{"text":"c"}`)); again[0].Content != "echo: c" {
		t.Errorf("echo again = %+v, want it run without asking", again)
	}
	res = run(call("4", "gate", `{"text":"d"}`))
	p = <-r.Prompts()
	if err := p.Answer(tools.Answer{Decision: tools.AllowAlways}); err == nil || saved[0] != "t/gate" {
		t.Errorf("always: err %v, saved %v; want the save's error and t/gate", err, saved)
	}
	close(ts.release)
	if got := <-res; got[0].Content != "gate: d" {
		t.Errorf("gate = %+v, want it run after all", got)
	}
}

func TestStoppingCancelsRunningCallsAndPendingPrompts(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{Ask: true, Yes: []string{"hang"}, Servers: []tools.Server{{Name: "t", Transport: ts.transport(t)}}})
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan []client.ToolResult, 1)
	go func() {
		res <- r.RunTools(ctx, []client.ToolCall{call("1", "echo", `{}`)}, func(client.Event) {})
	}()
	p := <-r.Prompts()
	cancel()
	<-p.Done()
	if got := <-res; !got[0].IsError || !strings.Contains(got[0].Content, "stopped") {
		t.Errorf("the asked call = %+v, want stopped", got[0])
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { res <- r.RunTools(ctx, []client.ToolCall{call("2", "hang", `{}`)}, func(client.Event) {}) }()
	<-ts.entered // the call has reached the server
	cancel()
	if got := <-res; !strings.Contains(got[0].Content, "stopped") {
		t.Errorf("the running call = %+v, want stopped", got[0])
	}
	<-ts.hung // the server saw MCP's cancellation
}

func TestAYesThatNamesNoToolIsSaid(t *testing.T) {
	ts := newTestServer()
	r := newRunner(t, tools.Config{Yes: []string{"echo", "ecko"},
		Servers: []tools.Server{{Name: "t", Transport: ts.transport(t)}}})
	if errs := r.Wait(context.Background()); len(errs) != 0 {
		t.Fatal(errs)
	}
	errs := r.UnknownYes()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "--yes ecko: no MCP server offers") {
		t.Errorf("UnknownYes = %v, want one error, for ecko", errs)
	}
}
