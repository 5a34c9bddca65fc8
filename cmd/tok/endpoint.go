package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tokcli/tok/client"
)

// target is what answers: an endpoint (an LLM API, or a URL in tok's
// protocol), or the demo model when ep is zero; plus what the messages
// about it need.
type target struct {
	ep client.Endpoint
	// name is the config file's name for it, or "".
	name string
	// keyFrom says where the key came from, for a 401's advice: an
	// environment variable's name, or "key_cmd of endpoint NAME".
	keyFrom string
	// urlFrom names the setting the address came from, for the advice on
	// a connection error or a 404: "--url", "--base-url", an environment
	// variable, a config file's key; "" is the provider's own API.
	urlFrom string
	retries int
	// resumeTries is how often a broken tok-protocol stream is resumed.
	resumeTries int
}

// demo reports whether the built-in demo model answers.
func (t target) demo() bool { return t.ep.Provider == "" && t.ep.URL == "" }

// label is what the chat's header and the notes call the target.
func (t target) label() string {
	switch {
	case t.demo():
		return "demo model"
	case t.ep.Provider == "":
		return client.RedactURL(t.ep.URL)
	}
	s := string(t.ep.Provider) + " · " + t.model()
	if t.ep.BaseURL != "" {
		s += " at " + client.RedactURL(t.ep.BaseURL)
	}
	return s
}

func (t target) model() string {
	if t.ep.Model != "" {
		return t.ep.Model
	}
	return t.ep.Provider.DefaultModel()
}

// keyVars are the environment variables tok takes keys from, by provider.
var keyVars = map[client.Provider][]string{
	client.Anthropic: {"ANTHROPIC_API_KEY"},
	client.OpenAI:    {"OPENAI_API_KEY"},
	client.Gemini:    {"GEMINI_API_KEY", "GOOGLE_API_KEY"},
}

// resolve decides what answers, from the flags, then the config file,
// then the environment: flags override the file, and the file overrides
// the defaults. It returns the note to print on stderr once, if any.
func (o *rootOptions) resolve(ctx context.Context, flagSet func(string) bool) (note string, err error) {
	var fe fileEndpoint
	if o.EndpointName != "" || (o.URL == "" && o.Provider == "" && o.BaseURL == "") {
		fe, err = o.fileEndpoint()
		if err != nil {
			return "", err
		}
	}
	t := target{name: fe.Name, retries: o.Retries, resumeTries: o.ResumeTries}
	ep := &t.ep
	// The file, then the flags over it.
	if fe.Name != "" {
		if ep.Provider, err = fileProvider(fe); err != nil {
			return "", err
		}
		ep.URL, ep.BaseURL, ep.API, ep.Model = fe.URL, fe.BaseURL, fe.API, fe.Model
		switch {
		case fe.URL != "":
			t.urlFrom = fmt.Sprintf("the url of endpoint %q (tok config path)", fe.Name)
		case fe.BaseURL != "":
			t.urlFrom = fmt.Sprintf("the base_url of endpoint %q (tok config path)", fe.Name)
		}
		ep.System, ep.MaxTokens, ep.Temperature = fe.System, fe.MaxTokens, fe.Temperature
		ep.Thinking, _ = client.ParseThinking(fe.Thinking) // checked when the file was read
		if fe.Retries != nil && !flagSet("retries") {
			t.retries = *fe.Retries
		}
		if fe.ResumeTries != nil && !flagSet("resume-tries") {
			t.resumeTries = *fe.ResumeTries
		}
		for k, v := range fe.Headers {
			if ep.Header == nil {
				ep.Header = http.Header{}
			}
			ep.Header.Set(k, v)
		}
	}
	if err := o.applyFlags(&t, flagSet); err != nil {
		return "", err
	}
	if t.demo() {
		note = o.pickProvider(&t)
	}
	// An LLM API's failures before the first token are worth retrying;
	// a --url endpoint is retried only when asked, since it is often the
	// very server being tested.
	if ep.Provider == "" && !flagSet("retries") && (fe.Retries == nil || fe.Name == "") {
		t.retries = 0
	}
	if ep.Provider != "" {
		if err := o.findKey(ctx, &t, fe); err != nil {
			return "", err
		}
	} else if ep.URL != "" && fe.Name != "" && (fe.KeyCmd != "" || fe.KeyEnv != "") {
		if ep.Key, err = fe.key(ctx, o.IO.env); err != nil {
			return "", err
		}
		t.keyFrom = keySource(fe, "")
	}
	if err := ep.Check(); err != nil && !t.demo() {
		return "", usageError{err}
	}
	o.target = t
	return note, nil
}

// fileEndpoint is the config file's endpoint named by -e, or its default.
func (o *rootOptions) fileEndpoint() (fileEndpoint, error) {
	path, err := configPath(o.IO.env)
	if err != nil && o.EndpointName == "" {
		return fileEndpoint{}, nil // no home, so no file to read
	}
	if err != nil {
		return fileEndpoint{}, err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return fileEndpoint{}, err
	}
	name := o.EndpointName
	if name == "" {
		name = cfg.Default
	}
	if name == "" {
		return fileEndpoint{}, nil
	}
	fe, err := cfg.endpoint(name)
	if err != nil {
		return fileEndpoint{}, usageError{err}
	}
	return fe, nil
}

func fileProvider(fe fileEndpoint) (client.Provider, error) {
	if fe.Provider == "" {
		return "", nil
	}
	return client.ParseProvider(fe.Provider)
}

// applyFlags sets what the command line gave over what the file said.
func (o *rootOptions) applyFlags(t *target, flagSet func(string) bool) error {
	ep := &t.ep
	switch {
	case o.URL != "" && (o.Provider != "" || o.BaseURL != ""):
		return usageErrorf("--url and --provider/--base-url name two endpoints: give one")
	case o.URL != "":
		ep.Provider, ep.URL, ep.BaseURL, ep.API = "", o.URL, "", ""
		t.urlFrom = "--url"
	case o.Provider != "":
		p, err := client.ParseProvider(o.Provider)
		if err != nil {
			return usageErrorf("--provider %q: tok speaks anthropic, openai and gemini", o.Provider)
		}
		if p != ep.Provider {
			ep.BaseURL, ep.Model, ep.API, t.urlFrom = "", "", "", ""
		}
		ep.Provider, ep.URL = p, ""
	}
	if o.BaseURL != "" {
		u, err := normalizeURL(o.BaseURL)
		if err != nil {
			return usageErrorf("--base-url %q is not a URL: write it as http://host:port/v1", o.BaseURL)
		}
		ep.BaseURL, ep.URL, t.urlFrom = u, "", "--base-url"
		if ep.Provider == "" {
			ep.Provider = client.OpenAI // any OpenAI-compatible server
		}
	}
	if o.API != "" {
		ep.API = o.API
		if ep.Provider == "" && ep.URL == "" {
			ep.Provider = client.OpenAI
		}
	}
	if o.Model != "" {
		ep.Model = o.Model
	}
	if flagSet("system") {
		ep.System = o.System
	}
	if flagSet("max-tokens") {
		ep.MaxTokens = o.MaxTokens
	}
	if flagSet("temperature") {
		temp := o.Temperature
		ep.Temperature = &temp
	}
	if flagSet("thinking") {
		th, err := client.ParseThinking(o.Thinking)
		if err != nil {
			return usageErrorf("--thinking %v", err)
		}
		ep.Thinking = th
	}
	for k, vs := range o.header {
		if ep.Header == nil {
			ep.Header = http.Header{}
		}
		ep.Header[k] = vs
	}
	if (o.Model != "" || flagSet("thinking") || flagSet("max-tokens") || flagSet("temperature")) && ep.Provider == "" && ep.URL == "" && !o.anyKey() {
		return usageErrorf("--model, --thinking, --max-tokens and --temperature need a provider: add --provider anthropic|openai|gemini, or set its API key")
	}
	return nil
}

// anyKey reports whether some provider's key is in the environment.
func (o *rootOptions) anyKey() bool { return len(o.keysSet()) > 0 }

// keyVar is a provider whose key is set, and the variable that has it.
type keyVar struct {
	p   client.Provider
	env string
}

// keysSet lists the providers whose key is set.
func (o *rootOptions) keysSet() []keyVar {
	var out []keyVar
	for _, p := range client.Providers {
		for _, env := range keyVars[p] {
			if o.IO.env(env) != "" {
				out = append(out, keyVar{p, env})
				break
			}
		}
	}
	return out
}

// pickProvider chooses the provider whose key is the only one set, and
// returns the note that says so (or why the demo model answers).
func (o *rootOptions) pickProvider(t *target) string {
	set := o.keysSet()
	switch len(set) {
	case 0:
		return "no API key or --url given, so the built-in demo model answers (see tok --help)"
	case 1:
		t.ep.Provider = set[0].p
		return fmt.Sprintf("%s is set, so %s answers; --provider, --url or -e picks another", set[0].env, t.label())
	}
	var names []string
	for _, s := range set {
		names = append(names, s.env)
	}
	return fmt.Sprintf("%s are all set, so tok will not guess: pick one with --provider; the built-in demo model answers", strings.Join(names, " and "))
}

// findKey sets the provider's key and base URL: the config file's
// key_cmd or key_env, else the provider's variable; OPENAI_BASE_URL and
// ANTHROPIC_BASE_URL when no base URL was given. The provider's own API
// needs a key; another base URL (a local server) may not.
func (o *rootOptions) findKey(ctx context.Context, t *target, fe fileEndpoint) error {
	ep := &t.ep
	if ep.BaseURL == "" {
		env := map[client.Provider]string{client.OpenAI: "OPENAI_BASE_URL", client.Anthropic: "ANTHROPIC_BASE_URL"}[ep.Provider]
		if env != "" && o.IO.env(env) != "" {
			ep.BaseURL, t.urlFrom = o.IO.env(env), env
		}
	}
	if fe.Name != "" && (fe.KeyCmd != "" || fe.KeyEnv != "") {
		key, err := fe.key(ctx, o.IO.env)
		if err != nil {
			return err
		}
		ep.Key, t.keyFrom = key, keySource(fe, ep.Provider)
		if key == "" && fe.KeyEnv != "" && ep.BaseURL == "" {
			return usageErrorf("no API key for %s: set %s (endpoint %q names it as its key_env)", ep.Provider, fe.KeyEnv, fe.Name)
		}
		return nil
	}
	vars := keyVars[ep.Provider]
	t.keyFrom = vars[0]
	for _, env := range vars {
		if key := o.IO.env(env); key != "" {
			ep.Key, t.keyFrom = key, env
			break
		}
	}
	if ep.Key == "" && ep.BaseURL == "" && !hasAuthHeader(ep.Header) {
		return usageErrorf("no API key for %s: set %s, or name a key_env or key_cmd in the config file (tok config path)", ep.Provider, vars[0])
	}
	return nil
}

// keySource names where an endpoint's key comes from.
func keySource(fe fileEndpoint, p client.Provider) string {
	switch {
	case fe.KeyCmd != "":
		return fmt.Sprintf("the key_cmd of endpoint %q", fe.Name)
	case fe.KeyEnv != "":
		return fe.KeyEnv
	case p != "":
		return keyVars[p][0]
	}
	return ""
}

// hasAuthHeader reports whether -H or the config passes credentials itself.
func hasAuthHeader(h http.Header) bool {
	for _, k := range []string{"Authorization", "X-Api-Key", "X-Goog-Api-Key", "Api-Key"} {
		if h.Get(k) != "" {
			return true
		}
	}
	return false
}

// endpointNames lists the config file's endpoints, for completion.
func endpointNames(ios *ioStreams) []string {
	path, err := configPath(ios.env)
	if err != nil {
		return nil
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(cfg.Endpoints))
}
