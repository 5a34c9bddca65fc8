package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokcli/tok/client"
)

func TestTheChatOffersTheConfigFilesEndpoints(t *testing.T) {
	t.Parallel()
	dir, _ := writeConfigFile(t, `
[endpoints.local]
provider = "openai"
base_url = "http://localhost:11434/v1"
model = "llama3.2"

[endpoints.claude]
provider = "anthropic"

[endpoints.gateway]
url = "https://user:secret@chat.example.com/stream"
`)
	got, none := endpointChoices(envOf(map[string]string{"XDG_CONFIG_HOME": dir}))
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Name+": "+c.Detail)
	}
	want := "claude: anthropic · " + client.Anthropic.DefaultModel() +
		"|gateway: https://user:xxxxx@chat.example.com/stream|local: openai · llama3.2 at http://localhost:11434/v1"
	if strings.Join(lines, "|") != want || none != "" {
		t.Errorf("choices = %q (%q)\nwant %q", lines, none, want)
	}

	empty, _ := writeConfigFile(t, "")
	got, none = endpointChoices(envOf(map[string]string{"XDG_CONFIG_HOME": empty}))
	if len(got) != 0 || !strings.Contains(none, "[endpoints.NAME]") || !strings.Contains(none, empty) {
		t.Errorf("with no endpoints: %v, %q; want none, and how to name some in the file", got, none)
	}
}

// tokServer answers every request with one token naming it, and counts
// them.
func tokServer(t *testing.T, name string) (url string, hits *atomic.Int32) {
	hits = &atomic.Int32{}
	srv := serve(t, func(s sse) {
		hits.Add(1)
		s.token("from " + name)
		s.send("data: [DONE]\n\n")
	})
	return srv.URL, hits
}

func TestCtrlLsSwitchAsksTheEndpointPickedWithAClientOfItsOwn(t *testing.T) {
	t.Parallel()
	urlA, hitsA := tokServer(t, "a")
	urlB, hitsB := tokServer(t, "b")
	dir, _ := writeConfigFile(t, fmt.Sprintf("default = \"a\"\n[endpoints.a]\nurl = %q\n[endpoints.b]\nurl = %q\n", urlA, urlB))
	ios, _, _ := testStreams("")
	ios.Getenv = envOf(map[string]string{"XDG_CONFIG_HOME": dir})
	var o *rootOptions
	cmd := newRootCmd(ios, func(_ context.Context, opts *rootOptions) error { o = opts; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	sw := &chatEndpoints{o: o}
	defer sw.close()
	ctx := t.Context()
	b, err := sw.switchTo(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Label, "b · "+urlB) {
		t.Errorf("label = %q, want b's name and address", b.Label)
	}
	s, err := b.Open(ctx, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(ev.Text)
	}
	if text.String() != "from b" {
		t.Errorf("the answer = %q, want b's", text.String())
	}
	if hitsA.Load() != 0 || hitsB.Load() != 1 {
		t.Errorf("requests: %d to a, %d to b; want the one to b", hitsA.Load(), hitsB.Load())
	}
	again, _ := sw.switchTo(ctx, "b")
	back, _ := sw.switchTo(ctx, "a")
	if len(sw.clients) != 1 || again.Label != b.Label || !strings.HasPrefix(back.Label, "a · ") {
		t.Errorf("switching again made %d clients (want 1); back to a is %q", len(sw.clients), back.Label)
	}
	if _, err := sw.switchTo(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("an unknown endpoint: %v; want an error naming it", err)
	}
}
