package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// fakeAI is a provider that only this test knows: one entry in client's
// table and its request builder (tok's protocol at …/api/chat/stream),
// and nothing in cmd.
var fakeAI = client.ProviderSpec{
	Name: "fakeai", Title: "FakeAI",
	KeyEnv: []string{"FAKEAI_API_KEY", "FAKE_KEY"}, BaseURLEnv: "FAKEAI_BASE_URL",
	BaseURL: "https://api.fakeai.test", Model: "fake-1", KeyHeader: "Authorization",
	Path: func(client.Endpoint) string { return "/api/chat/stream" },
	Request: func(ctx context.Context, e client.Endpoint, msgs []client.Message) (*http.Request, error) {
		return e.PostJSON(ctx, client.ChatRequest{Messages: msgs, SystemPrompt: e.System}, nil)
	},
}

// TestAProviderAddedToTheTableNeedsNothingInCmd registers fakeai through
// client's API alone: --provider takes it, its variables are found, the
// help and completion list it, and the three commands resolve it alike.
func TestAProviderAddedToTheTableNeedsNothingInCmd(t *testing.T) {
	if err := client.Register(fakeAI); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Unregister(fakeAI.Name) })
	var mu sync.Mutex
	var auth []string
	inner := server.New(server.Config{})
	srv := tokServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	env := map[string]string{"FAKE_KEY": "fk-0123456789", "FAKEAI_BASE_URL": srv.URL}
	r := runTokEnv(t, env, "", "--provider", "fakeai", "-H", "X-Tok-Scenario: tokens=6,interval=0,first=0", "hi")
	if r.code != 0 || r.stdout == "" {
		t.Fatalf("tok --provider fakeai: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if len(auth) != 1 || auth[0] != "/api/chat/stream Bearer fk-0123456789" {
		t.Errorf("the server saw %q, want the key from FAKE_KEY at /api/chat/stream", auth)
	}
	// With its key the only one set, it answers unasked.
	o := &rootOptions{IO: &ioStreams{Getenv: envOf(env)}}
	if note, err := o.resolve(context.Background(), func(string) bool { return false }); err != nil || o.target.ep.Provider != "fakeai" ||
		!strings.HasPrefix(note, "FAKE_KEY is set, so fakeai · fake-1 at ") {
		t.Errorf("no flags: provider %q, note %q, err %v", o.target.ep.Provider, note, err)
	}
	if r := runTok(t, "", "--provider", "fakeai", "hi"); r.code != 2 || !strings.Contains(r.stderr, "no API key for fakeai: set FAKEAI_API_KEY") {
		t.Errorf("no key: exit %d, stderr %q", r.code, r.stderr)
	}
	help := runTok(t, "", "--help")
	if !strings.Contains(help.stdout, "--provider anthropic|openai|gemini|fakeai") || !strings.Contains(help.stdout, "GEMINI_API_KEY, FAKEAI_API_KEY") {
		t.Errorf("tok --help does not list fakeai:\n%s", help.stdout)
	}
	if c := runTok(t, "", "__complete", "--provider", ""); !strings.Contains(c.stdout, "fakeai\n") {
		t.Errorf("completion of --provider lacks fakeai:\n%s", c.stdout)
	}
	want := resolved{"fakeai", srv.URL, "fake-1", "fk-0123456789", "FAKE_KEY"}
	for name, resolve := range resolvers {
		if got, err := resolve(t, env, []string{"--provider", "fakeai"}); err != nil || got != want {
			t.Errorf("%s: resolved %+v, %v; want %+v", name, got, err, want)
		}
	}
}
