package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Provider names an LLM API tok talks to directly.
type Provider string

// The providers tok speaks to out of the box.
const (
	Anthropic Provider = "anthropic"
	OpenAI    Provider = "openai" // and any OpenAI-compatible server
	Gemini    Provider = "gemini"
)

// The APIs of OpenAI's that tok speaks.
const (
	APIChat      = "chat"      // Chat Completions, POST /chat/completions
	APIResponses = "responses" // Responses, POST /responses
)

// ProviderSpec is everything tok knows of one LLM API, in one place: the
// providers are a table of them ([Register] adds one, as database/sql's
// drivers register themselves), and every other part of tok reads the
// table. A spec describes where a caller finds the key and the base URL
// (the environment variables' names); it reads no environment itself.
type ProviderSpec struct {
	Name  Provider // lower case, as --provider takes it
	Title string   // as a sentence names it: "OpenAI"
	// KeyEnv are the environment variables that may hold its key, the
	// usual one first.
	KeyEnv []string
	// BaseURLEnv is the variable that points it at another server, or "".
	BaseURLEnv string
	BaseURL    string // its own API's root
	Model      string // the model asked for when none is named
	// KeyHeader carries the key: "Authorization" as a bearer token, or a
	// header of its own (x-api-key).
	KeyHeader string
	// MaxTokens is the token limit tok asks for when none is named, for
	// an API that needs one (Anthropic's max_tokens); 0 leaves the API's.
	MaxTokens int
	// Prefill: the API continues a final assistant turn where it stops,
	// so a gateway can resume an answer it holds the start of.
	Prefill bool
	// Images: the API reads images in a user's turn ([Message.Images]).
	Images bool
	// APIs are the APIs it has, the default first; nil is one, which an
	// Endpoint's API may call APIChat.
	APIs []string
	// WebSocketAPIs are those of its APIs it also speaks over a
	// WebSocket kept across a conversation (OpenAI's Responses API's
	// WebSocket mode: a response.create message per turn, chained by
	// previous_response_id); an Endpoint asks for it with TransportWS.
	WebSocketAPIs []string
	// Path is the path of e's streaming request, after the base URL.
	Path func(e Endpoint) string
	// Request builds the streaming request for the conversation msgs, in
	// the API's own shape; [Endpoint.PostJSON] does the common part. msgs
	// are tidy and e passed [Endpoint.Check].
	Request func(ctx context.Context, e Endpoint, msgs []Message) (*http.Request, error)
	// Check reports what e asks that the API cannot take, as a
	// [*FieldError]; nil takes anything the common checks pass.
	Check func(e Endpoint) error
	// FromURL reads the endpoint whose request goes to the URL u (no query),
	// the inverse of Path; false when u is not this API's. nil: never.
	FromURL func(u string) (Endpoint, bool)
}

// registry is the table of providers, in the order they were registered.
var registry = struct {
	sync.RWMutex
	order []Provider
	specs map[Provider]ProviderSpec
}{specs: map[Provider]ProviderSpec{}}

func init() {
	for _, s := range builtin() {
		registry.order = append(registry.order, s.Name)
		registry.specs[s.Name] = s
	}
}

// ErrProviderExists is a second [Register] of a name.
var ErrProviderExists = errors.New("a provider of that name is registered")

// Register adds a provider to the table. Its Name must be lower case, and
// it needs a Path and a Request.
func Register(s ProviderSpec) error {
	switch {
	case s.Name == "" || string(s.Name) != strings.ToLower(strings.TrimSpace(string(s.Name))):
		return fmt.Errorf("register provider %q: the name must be lower case, with no spaces around it", s.Name)
	case s.Path == nil || s.Request == nil:
		return fmt.Errorf("register provider %q: it needs a Path and a Request", s.Name)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.specs[s.Name]; ok {
		return fmt.Errorf("register provider %q: %w", s.Name, ErrProviderExists)
	}
	s.KeyEnv, s.APIs, s.WebSocketAPIs = slices.Clone(s.KeyEnv), slices.Clone(s.APIs), slices.Clone(s.WebSocketAPIs)
	registry.order = append(registry.order, s.Name)
	registry.specs[s.Name] = s
	return nil
}

// Unregister removes a provider from the table: for a test that
// registered one of its own.
func Unregister(p Provider) {
	registry.Lock()
	defer registry.Unlock()
	delete(registry.specs, p)
	registry.order = slices.DeleteFunc(registry.order, func(q Provider) bool { return q == p })
}

// Providers lists the table's providers, in the order they were registered.
func Providers() []Provider {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.order)
}

// Spec is the provider's entry in the table; false when it has none.
func (p Provider) Spec() (ProviderSpec, bool) {
	registry.RLock()
	defer registry.RUnlock()
	s, ok := registry.specs[p]
	if ok {
		s.KeyEnv, s.APIs, s.WebSocketAPIs = slices.Clone(s.KeyEnv), slices.Clone(s.APIs), slices.Clone(s.WebSocketAPIs)
	}
	return s, ok
}

// ParseProvider reads a provider's name; an unknown one is a [*FieldError].
func ParseProvider(s string) (Provider, error) {
	p := Provider(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := p.Spec(); !ok {
		return "", &FieldError{Field: "provider", Value: strconv.Quote(s), Reason: ": tok speaks " + list(Providers(), "and")}
	}
	return p, nil
}

// DefaultModel is the model asked for when none is named.
func (p Provider) DefaultModel() string { s, _ := p.Spec(); return s.Model }

// DefaultBaseURL is the provider's own API.
func (p Provider) DefaultBaseURL() string { s, _ := p.Spec(); return s.BaseURL }

// KeyEnv is the usual environment variable of the provider's key.
func (p Provider) KeyEnv() string {
	if s, _ := p.Spec(); len(s.KeyEnv) > 0 {
		return s.KeyEnv[0]
	}
	return ""
}

// apis are the APIs the spec has, the default first.
func (s ProviderSpec) apis() []string {
	if len(s.APIs) == 0 {
		return []string{APIChat}
	}
	return s.APIs
}

// EndpointFromURL reads the endpoint a request to raw goes to: a
// provider's API when the path is one's (…/v1/messages,
// …/chat/completions, …/responses, …:streamGenerateContent), else raw as
// a URL of tok's protocol. It sets no key: a path that looks like an
// API's is no reason to send the host one.
func EndpointFromURL(raw string) Endpoint {
	path, _, _ := strings.Cut(raw, "?")
	for _, p := range Providers() {
		if s, ok := p.Spec(); ok && s.FromURL != nil {
			if e, ok := s.FromURL(path); ok {
				e.Provider = p
				if isWebSocketURL(raw) {
					e.Transport = TransportWS // the API's WebSocket mode, if it has one (Check says)
				}
				return e
			}
		}
	}
	return Endpoint{URL: raw}
}

// list joins names as a sentence does: "a, b and c".
func list[S ~string](names []S, conj string) string {
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			b.WriteString(" " + conj + " ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}
