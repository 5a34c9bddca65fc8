package client

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Endpoint is where and how an answer is asked for: an LLM API when
// Provider is set, else a URL that speaks tok's protocol (or any dialect
// tok detects).
type Endpoint struct {
	Provider Provider
	// API picks the provider's API, for one that has several (OpenAI:
	// APIChat, the default, or APIResponses).
	API string
	// URL is the endpoint of tok's protocol; unused with a Provider.
	URL string
	// BaseURL is the API's root (an OpenAI-compatible server's …/v1);
	// empty is the provider's own.
	BaseURL string
	Model   string
	// Key is sent as the provider expects (its KeyHeader); empty sends
	// none, as a local server wants.
	Key string
	// Header is added last, so it can replace any default.
	Header    http.Header
	System    string
	MaxTokens int      // 0: the provider's default (Anthropic needs one: 4096)
	Thinking  Thinking // reasoning, where the API has it
	// Temperature is sent when set.
	Temperature *float64
	// Tools are offered to the model, in the API's shape; with none, the
	// conversation's tool turns are sent in words.
	Tools []ToolSpec
	// Transport is how answers come: "" or TransportSSE, a request per
	// answer; TransportWS, a WebSocket kept across the conversation's
	// turns (a ws:// or wss:// URL is one whatever it says, and an API
	// needs a WebSocket mode: [ProviderSpec.WebSocketAPIs]).
	Transport string
}

// DefaultMaxTokens is the max_tokens of an Anthropic request that names none.
const DefaultMaxTokens = 4096

// FieldError is a setting an endpoint cannot take. It names the setting
// as the config file does (api, thinking, max_tokens, temperature,
// provider) and no flag: a caller that knows where the value came from
// says so.
type FieldError struct {
	Field string
	// Value is the value as written back: a number, or a quoted string.
	Value string
	// Reason is what is wrong, to follow the name and value; it starts
	// with its own separator (" is negative", ": give chat or responses").
	Reason string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Value + e.Reason }

// Check reports settings the endpoint's API cannot take, as a
// [*FieldError] when one setting is to blame.
func (e Endpoint) Check() error {
	if e.Provider == "" && e.URL == "" {
		return fmt.Errorf("no provider and no URL")
	}
	var spec ProviderSpec
	if e.Provider != "" {
		var ok bool
		if spec, ok = e.Provider.Spec(); !ok {
			_, err := ParseProvider(string(e.Provider))
			return err
		}
	}
	if err := e.checkAPI(spec); err != nil {
		return err
	}
	if err := e.checkTransport(spec); err != nil {
		return err
	}
	if spec.Check != nil {
		if err := spec.Check(e); err != nil {
			return err
		}
	}
	switch {
	case e.MaxTokens < 0:
		return &FieldError{"max_tokens", strconv.Itoa(e.MaxTokens), " is negative"}
	case e.Temperature != nil && (*e.Temperature < 0 || *e.Temperature > 2):
		return &FieldError{"temperature", strconv.FormatFloat(*e.Temperature, 'g', -1, 64),
			" is out of range: give 0 to 2 (Anthropic takes 0 to 1)"}
	}
	return nil
}

// checkAPI checks e.API against the APIs of the providers: one of them
// (any, for a URL), and the endpoint's own provider's.
func (e Endpoint) checkAPI(spec ProviderSpec) error {
	if e.API == "" {
		return nil
	}
	var all []string
	owner := ""
	for _, p := range Providers() {
		s, _ := p.Spec()
		for _, api := range s.apis() {
			if api == e.API && owner == "" && len(s.APIs) > 0 {
				owner = s.Title
			}
			if !slices.Contains(all, api) {
				all = append(all, api)
			}
		}
	}
	apis := spec.apis()
	switch {
	case !slices.Contains(all, e.API):
		return &FieldError{"api", strconv.Quote(e.API), ": give " + list(all, "or")}
	case e.Provider == "" || slices.Contains(apis, e.API):
		return nil
	case len(apis) == 1:
		return &FieldError{"api", e.API, fmt.Sprintf(" is %s's; %s has one API", owner, e.Provider)}
	}
	return &FieldError{"api", e.API, fmt.Sprintf(" is %s's; %s has %s", owner, e.Provider, list(apis, "and"))}
}

// Target is the address a request goes to, with no secrets in it.
func (e Endpoint) Target() string {
	if e.Provider == "" {
		return RedactURL(e.URL)
	}
	spec, ok := e.Provider.Spec()
	if !ok {
		return ""
	}
	return strings.TrimRight(e.baseURL(), "/") + spec.Path(e)
}

func (e Endpoint) baseURL() string {
	if e.BaseURL != "" {
		return e.BaseURL
	}
	return e.Provider.DefaultBaseURL()
}

// ModelName is the model asked for: Model, or the provider's default.
func (e Endpoint) ModelName() string {
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
	msgs = e.conversation(msgs)
	if err := e.checkImages(msgs); err != nil {
		return nil, err
	}
	if e.webSocket() {
		if len(msgs) == 0 {
			return nil, fmt.Errorf("no question to ask")
		}
		first, err := e.firstMessage(msgs, false, "")
		if err != nil {
			return nil, err
		}
		return e.upgradeRequest(ctx, first)
	}
	if e.Provider == "" {
		return NewChatRequest(ctx, e.URL, ChatRequest{Messages: msgs, SystemPrompt: e.System}, e.tokHeader())
	}
	spec, _ := e.Provider.Spec() // Check found it
	return spec.Request(ctx, e, msgs)
}

// PostJSON is the part of a provider's request every API shares: a POST
// of body as JSON to e.Target(), asking for an event stream, with the key
// in the provider's KeyHeader, then header, then e.Header over them.
func (e Endpoint) PostJSON(ctx context.Context, body any, header http.Header) (*http.Request, error) {
	return postJSON(ctx, e.Target(), body, merge(merge(e.keyHeader(), header), e.Header))
}

// keyHeader carries the key as the provider expects it: a bearer token,
// or a header of its own.
func (e Endpoint) keyHeader() http.Header {
	h := http.Header{}
	if spec, _ := e.Provider.Spec(); e.Key != "" && spec.KeyHeader != "" {
		if http.CanonicalHeaderKey(spec.KeyHeader) == "Authorization" {
			h.Set("Authorization", "Bearer "+e.Key)
		} else {
			h.Set(spec.KeyHeader, e.Key)
		}
	}
	return h
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
// of the same role in a row joined into one (their tool calls and
// results too).
func tidy(msgs []Message) []Message {
	var out []Message
	for _, m := range msgs {
		if strings.TrimSpace(m.Content) == "" && !m.hasTools() && len(m.Images) == 0 {
			continue
		}
		n := len(out)
		if n == 0 || out[n-1].Role != m.Role {
			m.ToolCalls, m.ToolResults, m.Images = slices.Clone(m.ToolCalls), slices.Clone(m.ToolResults), slices.Clone(m.Images)
			out = append(out, m)
			continue
		}
		last := &out[n-1]
		switch {
		case strings.TrimSpace(m.Content) == "":
		case strings.TrimSpace(last.Content) == "":
			last.Content = m.Content
		default:
			last.Content += "\n\n" + m.Content
		}
		last.ToolCalls = append(last.ToolCalls, m.ToolCalls...)
		last.ToolResults = append(last.ToolResults, m.ToolResults...)
		last.Images = append(last.Images, m.Images...)
	}
	return out
}

// conversation is msgs as e's request carries them: tidy, with the tool
// turns in words unless the request offers tools.
func (e Endpoint) conversation(msgs []Message) []Message {
	if e.Provider == "" || len(e.Tools) == 0 {
		msgs = toolsAsText(msgs)
	}
	return tidy(msgs)
}
