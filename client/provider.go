package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Provider names an LLM API tok talks to directly.
type Provider string

// The providers tok speaks to.
const (
	Anthropic Provider = "anthropic"
	OpenAI    Provider = "openai" // and any OpenAI-compatible server
	Gemini    Provider = "gemini"
)

// Providers lists them, for help and errors.
var Providers = []Provider{Anthropic, OpenAI, Gemini}

// The APIs of OpenAI's that tok speaks.
const (
	APIChat      = "chat"      // Chat Completions, POST /chat/completions
	APIResponses = "responses" // Responses, POST /responses
)

// providerInfo is what tok knows of each provider.
type providerInfo struct {
	baseURL string
	model   string
	keyEnv  string
}

var providers = map[Provider]providerInfo{
	Anthropic: {"https://api.anthropic.com", "claude-sonnet-4-5", "ANTHROPIC_API_KEY"},
	OpenAI:    {"https://api.openai.com/v1", "gpt-5-mini", "OPENAI_API_KEY"},
	Gemini:    {"https://generativelanguage.googleapis.com", "gemini-2.5-flash", "GEMINI_API_KEY"},
}

// ParseProvider reads a provider's name.
func ParseProvider(s string) (Provider, error) {
	p := Provider(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := providers[p]; !ok {
		return "", fmt.Errorf("unknown provider %q: tok speaks anthropic, openai and gemini", s)
	}
	return p, nil
}

// DefaultModel is the model asked for when none is named.
func (p Provider) DefaultModel() string { return providers[p].model }

// DefaultBaseURL is the provider's own API.
func (p Provider) DefaultBaseURL() string { return providers[p].baseURL }

// KeyEnv is the environment variable the provider's key is read from.
func (p Provider) KeyEnv() string { return providers[p].keyEnv }

// Thinking asks for reasoning: an effort (low, medium, high) or a token
// budget. The zero value leaves the model's default.
type Thinking struct {
	Off    bool
	Effort string
	Budget int
}

// ParseThinking reads off, low, medium, high, or a token budget.
func ParseThinking(s string) (Thinking, error) {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "":
		return Thinking{}, nil
	case "off", "none", "0":
		return Thinking{Off: true}, nil
	case "low", "medium", "high":
		return Thinking{Effort: s}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Thinking{}, fmt.Errorf("%q is not a level: give off, low, medium, high or a token budget such as 4096", s)
	}
	return Thinking{Budget: n}, nil
}

// on reports whether reasoning was asked for.
func (t Thinking) on() bool { return !t.Off && (t.Effort != "" || t.Budget > 0) }

// budget is the token budget for APIs that take one.
func (t Thinking) budget(low, medium, high int) int {
	switch t.Effort {
	case "low":
		return low
	case "medium":
		return medium
	case "high":
		return high
	}
	return t.Budget
}

// String is the flag's value back.
func (t Thinking) String() string {
	switch {
	case t.Off:
		return "off"
	case t.Effort != "":
		return t.Effort
	case t.Budget > 0:
		return strconv.Itoa(t.Budget)
	}
	return ""
}

// Endpoint is where and how an answer is asked for: an LLM API when
// Provider is set, else a URL that speaks tok's protocol (or any dialect
// tok detects).
type Endpoint struct {
	Provider Provider
	// API picks OpenAI's API: APIChat (the default) or APIResponses.
	API string
	// URL is the endpoint of tok's protocol; unused with a Provider.
	URL string
	// BaseURL is the API's root (an OpenAI-compatible server's …/v1);
	// empty is the provider's own.
	BaseURL string
	Model   string
	// Key is sent as the provider expects (x-api-key, a bearer token,
	// x-goog-api-key); empty sends none, as a local server wants.
	Key string
	// Header is added last, so it can replace any default.
	Header    http.Header
	System    string
	MaxTokens int      // 0: the provider's default (Anthropic needs one: 4096)
	Thinking  Thinking // reasoning, where the API has it
	// Temperature is sent when set.
	Temperature *float64
}

// DefaultMaxTokens is the max_tokens of an Anthropic request that names none.
const DefaultMaxTokens = 4096

// Thinking budgets of each effort, for the APIs that take a budget.
var (
	anthropicBudgets = [3]int{1024, 4096, 16384}
	geminiBudgets    = [3]int{1024, 8192, 24576}
)

// Check reports settings the endpoint's API cannot take, in words that
// name the flag.
func (e Endpoint) Check() error {
	switch {
	case e.Provider == "" && e.URL == "":
		return fmt.Errorf("no provider and no URL")
	case e.Provider != "" && e.Provider != OpenAI && e.API != "" && e.API != APIChat:
		return fmt.Errorf("--api %s is OpenAI's; %s has one API", e.API, e.Provider)
	case e.API != "" && e.API != APIChat && e.API != APIResponses:
		return fmt.Errorf("--api %q: give chat or responses", e.API)
	case e.Provider == OpenAI && e.Thinking.Budget > 0:
		return fmt.Errorf("--thinking %d: OpenAI takes an effort, low, medium or high", e.Thinking.Budget)
	case e.Provider == Anthropic && e.Thinking.Budget > 0 && e.Thinking.Budget < 1024:
		return fmt.Errorf("--thinking %d: Anthropic's smallest budget is 1024 tokens", e.Thinking.Budget)
	case e.MaxTokens < 0:
		return fmt.Errorf("--max-tokens %d is negative", e.MaxTokens)
	case e.Temperature != nil && (*e.Temperature < 0 || *e.Temperature > 2):
		return fmt.Errorf("--temperature %g is out of range: give 0 to 2 (Anthropic takes 0 to 1)", *e.Temperature)
	}
	return nil
}

// Target is the address a request goes to, with no secrets in it.
func (e Endpoint) Target() string {
	if e.Provider == "" {
		return RedactURL(e.URL)
	}
	base := strings.TrimRight(e.baseURL(), "/")
	switch {
	case e.Provider == Anthropic:
		return base + "/v1/messages"
	case e.Provider == Gemini:
		return base + "/v1beta/models/" + url.PathEscape(strings.TrimPrefix(e.model(), "models/")) + ":streamGenerateContent?alt=sse"
	case e.API == APIResponses:
		return base + "/responses"
	}
	return base + "/chat/completions"
}

func (e Endpoint) baseURL() string {
	if e.BaseURL != "" {
		return e.BaseURL
	}
	return e.Provider.DefaultBaseURL()
}

func (e Endpoint) model() string {
	if e.Model != "" {
		return e.Model
	}
	return e.Provider.DefaultModel()
}

// Request returns the streaming request for the conversation msgs, in the
// endpoint's API's own shape.
func (e Endpoint) Request(ctx context.Context, msgs []Message) (*http.Request, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	msgs = tidy(msgs)
	header := http.Header{}
	var body any
	switch {
	case e.Provider == "":
		return NewChatRequest(ctx, e.URL, ChatRequest{Messages: msgs, SystemPrompt: e.System}, e.tokHeader())
	case e.Provider == Anthropic:
		header.Set("anthropic-version", "2023-06-01")
		if e.Key != "" {
			header.Set("x-api-key", e.Key)
		}
		body = e.anthropicBody(msgs)
	case e.Provider == Gemini:
		if e.Key != "" {
			header.Set("x-goog-api-key", e.Key)
		}
		body = e.geminiBody(msgs)
	default:
		if e.Key != "" {
			header.Set("Authorization", "Bearer "+e.Key)
		}
		if e.API == APIResponses {
			body = e.responsesBody(msgs)
		} else {
			body = e.chatBody(msgs)
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Target(), bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", UserAgent)
	applyHeader(req, merge(header, e.Header))
	return req, nil
}

// tokHeader is the headers of a request in tok's protocol: the key as a
// bearer token, then the endpoint's own.
func (e Endpoint) tokHeader() http.Header {
	header := http.Header{}
	if e.Key != "" {
		header.Set("Authorization", "Bearer "+e.Key)
	}
	return merge(header, e.Header)
}

// merge is a with b's values replacing its own.
func merge(a, b http.Header) http.Header {
	for k, vs := range b {
		a[http.CanonicalHeaderKey(k)] = vs
	}
	return a
}

// tidy makes a conversation every API takes: no empty turns, and turns
// of the same role in a row joined into one.
func tidy(msgs []Message) []Message {
	var out []Message
	for _, m := range msgs {
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Role == m.Role {
			out[n-1].Content += "\n\n" + m.Content
			continue
		}
		out = append(out, m)
	}
	return out
}
