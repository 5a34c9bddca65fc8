package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

// fakeAI is a provider added from outside client: one table entry and
// its request builder, which posts tok's protocol to the base URL.
var fakeAI = client.ProviderSpec{
	Name: "fakeai", Title: "FakeAI",
	KeyEnv: []string{"FAKEAI_API_KEY"}, BaseURLEnv: "FAKEAI_BASE_URL",
	BaseURL: "https://api.fakeai.test", Model: "fake-1", KeyHeader: "Authorization",
	Path: func(client.Endpoint) string { return "/api/chat/stream" },
	Request: func(ctx context.Context, e client.Endpoint, msgs []client.Message) (*http.Request, error) {
		return e.PostJSON(ctx, client.ChatRequest{Messages: msgs, SystemPrompt: e.System}, nil)
	},
	FromURL: func(u string) (client.Endpoint, bool) {
		base, ok := strings.CutSuffix(u, "/api/chat/stream")
		return client.Endpoint{BaseURL: base}, ok && strings.Contains(base, "fakeai")
	},
}

// registerFake adds fakeAI to the table for the test's length.
func registerFake(t *testing.T) {
	t.Helper()
	if err := client.Register(fakeAI); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Unregister(fakeAI.Name) })
}

func TestAProviderRegisteredOutsideClientStreams(t *testing.T) {
	registerFake(t)
	rs := newRecordingServer(t)
	p, err := client.ParseProvider(" FakeAI ")
	if err != nil || p != "fakeai" {
		t.Fatalf("ParseProvider = %q, %v", p, err)
	}
	if !slices.Contains(client.Providers(), p) || p.DefaultModel() != "fake-1" || p.KeyEnv() != "FAKEAI_API_KEY" {
		t.Errorf("the table: providers %v, model %q, key variable %q", client.Providers(), p.DefaultModel(), p.KeyEnv())
	}
	ep := client.Endpoint{Provider: p, BaseURL: rs.URL, Key: "fake-key", Header: scenario("tokens=5,interval=0,first=0")}
	if got := ep.Target(); got != rs.URL+"/api/chat/stream" {
		t.Errorf("Target = %q", got)
	}
	got := read(t, ep, []client.Message{{Role: "user", Content: "hi"}})
	if got.text == "" || !got.done || got.dialect != client.DialectTok {
		t.Errorf("answer %+v; want text, done, tok's protocol", got)
	}
	if auth := rs.last(t).header.Get("Authorization"); auth != "Bearer fake-key" {
		t.Errorf("Authorization = %q, want the key as a bearer token", auth)
	}
	if e := client.EndpointFromURL("https://fakeai.example/api/chat/stream"); e.Provider != p || e.BaseURL != "https://fakeai.example" {
		t.Errorf("EndpointFromURL = %+v", e)
	}
	// It takes the one API, under the common checks.
	ep.API = client.APIResponses
	var fe *client.FieldError
	if err := ep.Check(); !errors.As(err, &fe) || err.Error() != "api responses is OpenAI's; fakeai has one API" {
		t.Errorf("Check with api responses = %v", err)
	}
}

func TestRegisterRefusesADuplicateOrAnIncompleteSpec(t *testing.T) {
	registerFake(t)
	if err := client.Register(fakeAI); !errors.Is(err, client.ErrProviderExists) {
		t.Errorf("a second fakeai: %v", err)
	}
	for _, s := range []client.ProviderSpec{{Name: "Upper", Path: fakeAI.Path, Request: fakeAI.Request}, {Name: "nopath", Request: fakeAI.Request}, {}} {
		if err := client.Register(s); err == nil {
			client.Unregister(s.Name)
			t.Errorf("Register(%q) took it", s.Name)
		}
	}
	client.Unregister(fakeAI.Name)
	if _, err := client.ParseProvider("fakeai"); err == nil || slices.Contains(client.Providers(), fakeAI.Name) {
		t.Errorf("fakeai is still there after Unregister: %v", client.Providers())
	}
}

func TestEndpointFromURLReadsTheAPIFromThePath(t *testing.T) {
	tests := map[string]client.Endpoint{
		"http://h/v1/messages":                                     {Provider: client.Anthropic, BaseURL: "http://h"},
		"http://h/v1/chat/completions?x=1":                         {Provider: client.OpenAI, BaseURL: "http://h/v1"},
		"http://h/v1/responses":                                    {Provider: client.OpenAI, API: client.APIResponses, BaseURL: "http://h/v1"},
		"http://h/v1beta/models/g-1:streamGenerateContent?alt=sse": {Provider: client.Gemini, BaseURL: "http://h", Model: "g-1"},
		"http://h/api/chat/stream":                                 {URL: "http://h/api/chat/stream"},
	}
	for u, want := range tests {
		got := client.EndpointFromURL(u)
		if got.Provider != want.Provider || got.API != want.API || got.BaseURL != want.BaseURL || got.Model != want.Model || got.URL != want.URL || got.Key != "" {
			t.Errorf("EndpointFromURL(%q) = %+v, want %+v", u, got, want)
		}
	}
}
