package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/tui"
)

// chatTarget is what the chat needs of target t: its header's label, how
// to ask it (through the client c returns), how to describe its errors,
// and how the history keeps it.
func (o *rootOptions) chatTarget(t target, c func() *client.Client) tui.Target {
	return tui.Target{
		Label: chatLabel(t),
		Open: func(ctx context.Context, msgs []client.Message) (*client.Stream, error) {
			return o.openOn(ctx, t, c, msgs)
		},
		Describe:        func(err error) string { return describe(t.failure(err)) },
		Reason:          t.retryReason,
		InterruptWait:   t.interruptWait,
		NewConversation: t.newConversation,
		Images:          t.ep.TakesImages(),
	}
}

// chatLabel is the chat header's name for t: the config file's name for
// it, if it has one, then what it is.
func chatLabel(t target) string {
	if t.name != "" {
		return t.name + " · " + t.label()
	}
	return t.label()
}

// newConversation describes a new conversation with t for the history,
// titled title.
func (t target) newConversation(title string) history.Conversation {
	return history.Conversation{Title: title, Endpoint: t.saved(), System: t.ep.System}
}

// endpointChoices lists the config file's endpoints for the chat's
// Ctrl+L, by name, each with what it is; with none, it says what to do.
func endpointChoices(env func(string) string) ([]tui.EndpointChoice, string) {
	path, err := configPath(env)
	if err != nil {
		return nil, "no config file to pick an endpoint from: " + err.Error()
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, "the config file's endpoints cannot be read: " + describe(err)
	}
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Sprintf("no endpoints to pick from: name some in %s as [endpoints.NAME] (see tok config show --example)", path)
	}
	var out []tui.EndpointChoice
	for _, name := range slices.Sorted(maps.Keys(cfg.Endpoints)) {
		out = append(out, tui.EndpointChoice{Name: name, Detail: cfg.Endpoints[name].target().label()})
	}
	return out, ""
}

// target is the endpoint as far as the file alone says, for a label.
func (fe fileEndpoint) target() target {
	p, _ := client.ParseProvider(fe.Provider) // checked when the file was read
	return target{ep: client.Endpoint{Provider: p, URL: fe.URL, BaseURL: fe.BaseURL, API: fe.API, Model: fe.Model}}
}

// chatEndpoints is the chat's Ctrl+L: it resolves the config file's
// endpoint picked, as -e NAME would, and makes its target, with a client
// of its own. Each endpoint is resolved once (a key_cmd runs once) and
// kept for the rest of the chat, so switching back reuses it; the first
// endpoint stays as the flags made it. close closes the clients it made.
type chatEndpoints struct {
	o       *rootOptions
	mu      sync.Mutex
	picked  map[string]tui.Target
	clients []*client.Client
}

// switchTo is the Target of the config file's endpoint name. Of the
// flags, only --system goes along (and --retries, --resume-tries and
// --interrupt-wait where the file's endpoint sets none): --url,
// --provider, --model, -H and the rest describe the first endpoint.
func (e *chatEndpoints) switchTo(ctx context.Context, name string) (tui.Target, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.o
	if name == o.target.name {
		return o.chatTarget(o.target, o.client), nil
	}
	if t, ok := e.picked[name]; ok {
		return t, nil
	}
	t, _, err := resolveEndpoint(ctx, o.IO.env, endpointQuery{name: name, system: o.System,
		retries: o.Retries, resumeTries: o.ResumeTries, interruptWait: o.InterruptWait,
		given: func(flag string) bool { return flag == "system" && o.System != "" }, resolveRules: rootRules})
	if err != nil {
		return tui.Target{}, err
	}
	c := o.newClient(t)
	e.clients = append(e.clients, c)
	if e.picked == nil {
		e.picked = map[string]tui.Target{}
	}
	e.picked[name] = o.chatTarget(t, func() *client.Client { return c })
	return e.picked[name], nil
}

// close closes the clients of the endpoints picked (their WebSockets).
func (e *chatEndpoints) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.clients {
		c.Close()
	}
}
