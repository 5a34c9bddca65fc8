package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// builtin is the table's first entries: the providers tok speaks out of
// the box. Their request bodies are in provider_bodies.go.
func builtin() []ProviderSpec {
	return []ProviderSpec{{
		Name: Anthropic, Title: "Anthropic",
		KeyEnv: []string{"ANTHROPIC_API_KEY"}, BaseURLEnv: "ANTHROPIC_BASE_URL",
		BaseURL: "https://api.anthropic.com", Model: "claude-sonnet-4-5", KeyHeader: "x-api-key",
		MaxTokens: DefaultMaxTokens, Prefill: true, Images: true,
		Path:    func(Endpoint) string { return "/v1/messages" },
		Request: anthropicPost, Check: anthropicCheck,
		FromURL: func(u string) (Endpoint, bool) { return cutBase(u, "/v1/messages") },
	}, {
		Name: OpenAI, Title: "OpenAI",
		KeyEnv: []string{"OPENAI_API_KEY"}, BaseURLEnv: "OPENAI_BASE_URL",
		BaseURL: "https://api.openai.com/v1", Model: "gpt-5-mini", KeyHeader: "Authorization",
		APIs: []string{APIChat, APIResponses}, WebSocketAPIs: []string{APIResponses}, Images: true,
		Path: openAIPath, Request: openAIPost, Check: openAICheck, FromURL: openAIFromURL,
	}, {
		Name: Gemini, Title: "Gemini",
		KeyEnv:  []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"},
		BaseURL: "https://generativelanguage.googleapis.com", Model: "gemini-2.5-flash", KeyHeader: "x-goog-api-key", Images: true,
		Path: geminiPath, Request: geminiPost, FromURL: geminiFromURL,
	}}
}

// Thinking budgets of each effort, for the APIs that take a budget.
var (
	anthropicBudgets = [3]int{1024, 4096, 16384}
	geminiBudgets    = [3]int{1024, 8192, 24576}
)

// cutBase is the endpoint whose base URL is u without the path suffix.
func cutBase(u, suffix string) (Endpoint, bool) {
	base, ok := strings.CutSuffix(u, suffix)
	return Endpoint{BaseURL: base}, ok
}

func anthropicPost(ctx context.Context, e Endpoint, msgs []Message) (*http.Request, error) {
	return e.PostJSON(ctx, e.anthropicBody(msgs), http.Header{"Anthropic-Version": {"2023-06-01"}})
}

func anthropicCheck(e Endpoint) error {
	if e.Thinking.Budget > 0 && e.Thinking.Budget < anthropicBudgets[0] {
		return &FieldError{"thinking", strconv.Itoa(e.Thinking.Budget), ": Anthropic's smallest budget is 1024 tokens"}
	}
	return nil
}

func openAIPath(e Endpoint) string {
	if e.API == APIResponses {
		return "/responses"
	}
	return "/chat/completions"
}

func openAIPost(ctx context.Context, e Endpoint, msgs []Message) (*http.Request, error) {
	if e.API == APIResponses {
		return e.PostJSON(ctx, e.responsesBody(msgs), nil)
	}
	return e.PostJSON(ctx, e.chatBody(msgs), nil)
}

func openAICheck(e Endpoint) error {
	if e.Thinking.Budget > 0 {
		return &FieldError{"thinking", strconv.Itoa(e.Thinking.Budget), ": OpenAI takes an effort, low, medium or high"}
	}
	return nil
}

func openAIFromURL(u string) (Endpoint, bool) {
	if e, ok := cutBase(u, "/chat/completions"); ok {
		return e, true
	}
	e, ok := cutBase(u, "/responses")
	e.API = APIResponses
	return e, ok
}

func geminiPath(e Endpoint) string {
	return "/v1beta/models/" + url.PathEscape(strings.TrimPrefix(e.ModelName(), "models/")) + ":streamGenerateContent?alt=sse"
}

func geminiPost(ctx context.Context, e Endpoint, msgs []Message) (*http.Request, error) {
	return e.PostJSON(ctx, e.geminiBody(msgs), nil)
}

func geminiFromURL(u string) (Endpoint, bool) {
	rest, ok := strings.CutSuffix(u, ":streamGenerateContent")
	base, model, found := strings.Cut(rest, "/models/")
	if !ok || !found {
		return Endpoint{}, false
	}
	return Endpoint{BaseURL: strings.TrimSuffix(base, "/v1beta"), Model: model}, true
}
