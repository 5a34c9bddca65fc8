package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
)

// endpointQuery is what a command was told about its endpoint: its flags'
// values (a command leaves out those it has no flag for), which flags were
// given, and the command's rules. The root command, tok probe and tok
// serve all resolve theirs with [resolveEndpoint].
type endpointQuery struct {
	name     string // -e NAME
	url      string // --url, or tok probe's URL
	provider string
	baseURL  string
	api      string
	model    string
	// transport is --transport; interruptWait --interrupt-wait, over
	// the config file's interrupt_wait only when given.
	transport     string
	interruptWait time.Duration
	keyEnv        string // tok serve's --key-env
	header        http.Header

	system       string
	maxTokens    int
	temperature  float64
	thinking     string
	retries      int
	resumeTries  int
	role         *fileRole // --role's, or nil (roles.go)
	given        func(flag string) bool
	resolveRules // how the command differs
}

// resolveRules are what the commands allow differently.
type resolveRules struct {
	// guess lets the provider whose key alone is set answer when nothing
	// names an endpoint, else the demo model (the root command).
	guess bool
	// urlNamesAPI reads a URL's path for the API it names, as tok probe
	// does; else a URL speaks tok's protocol.
	urlNamesAPI bool
	// noFile: the command has no -e and reads no config file (tok serve).
	noFile bool
	// unknownProvider follows `--provider "X": ` for a name the table
	// lacks; "" is client's words.
	unknownProvider string
	// keyHelp is the other way to give a key, for the error when none is set.
	keyHelp string
}

// resolver is one resolution under way.
type resolver struct {
	endpointQuery
	env func(string) string
	fe  fileEndpoint // the config file's endpoint, if any
	// fromURL: the address is a URL given whole, which gets no key from
	// the environment (a path that looks like an API's is no reason to
	// send its host one); only -H, --provider and -e send one.
	fromURL bool
}

// resolveEndpoint decides what answers, from the flags, then the config
// file, then the environment: flags override the file, and the file the
// environment and the defaults. It returns the note to print on stderr
// once, if any.
func resolveEndpoint(ctx context.Context, env func(string) string, q endpointQuery) (target, string, error) {
	r := &resolver{endpointQuery: q, env: env}
	if r.given == nil {
		r.given = func(string) bool { return false }
	}
	var err error
	if !r.noFile && (r.name != "" || (r.url == "" && r.provider == "" && r.baseURL == "")) {
		if r.fe, err = r.fileEndpoint(); err != nil {
			return target{}, "", err
		}
	}
	t := target{name: r.fe.Name, retries: r.retries, resumeTries: r.resumeTries, interruptWait: r.interruptWait}
	if err := r.applyFile(&t); err != nil {
		return target{}, "", err
	}
	if err := r.applyFlags(&t); err != nil {
		return target{}, "", err
	}
	r.applyRole(&t)
	var note, picked string
	if t.demo() && r.guess {
		picked, note = r.pickProvider(&t)
	}
	// An LLM API's failures before the first token are worth retrying;
	// a --url endpoint is retried only when asked, since it is often the
	// very server being tested.
	if t.ep.Provider == "" && !r.given("retries") && (r.fe.Retries == nil || r.fe.Name == "") {
		t.retries = 0
	}
	if err := r.checkTransport(t); err != nil {
		return target{}, "", err // said before asking for a key it would not help
	}
	if err := r.findKey(ctx, &t); err != nil {
		return target{}, "", err
	}
	if picked != "" { // said once the base URL is known
		note = fmt.Sprintf("%s is set, so %s answers; --provider, --url or -e picks another", picked, t.label())
	}
	if err := t.ep.Check(); err != nil && !t.demo() {
		return target{}, "", r.checkError(err)
	}
	return t, note, nil
}

// checkTransport reports a transport the endpoint cannot take (client's
// Endpoint.Check says which).
func (r *resolver) checkTransport(t target) error {
	var fe *client.FieldError
	err := t.ep.Check()
	switch {
	case !errors.As(err, &fe) || fe.Field != "transport" || t.demo():
		return nil
	case r.fromURL && r.urlNamesAPI && !r.given("transport"): // tok probe ws://…/v1/messages
		return usageErrorf("%s is a WebSocket's URL%s", client.RedactURL(r.url), fe.Reason)
	}
	return r.checkError(err)
}

// fileEndpoint is the config file's endpoint named by -e, or its default.
func (r *resolver) fileEndpoint() (fileEndpoint, error) {
	path, err := configPath(r.env)
	if err != nil && r.name == "" {
		return fileEndpoint{}, nil // no home, so no file to read
	}
	if err != nil {
		return fileEndpoint{}, err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return fileEndpoint{}, err
	}
	name := r.name
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

// applyFile sets what the config file's endpoint says.
func (r *resolver) applyFile(t *target) error {
	fe, ep := r.fe, &t.ep
	if fe.Name == "" {
		return nil
	}
	if fe.Provider != "" {
		p, err := client.ParseProvider(fe.Provider) // checked when the file was read
		if err != nil {
			return err
		}
		ep.Provider = p
	}
	ep.URL, ep.BaseURL, ep.API, ep.Model = fe.URL, fe.BaseURL, fe.API, fe.Model
	switch {
	case fe.URL != "":
		t.urlFrom = fmt.Sprintf("the url of endpoint %q (tok config path)", fe.Name)
	case fe.BaseURL != "":
		t.urlFrom = fmt.Sprintf("the base_url of endpoint %q (tok config path)", fe.Name)
	}
	if fe.Model != "" {
		t.modelFrom = fmt.Sprintf("the model of endpoint %q (tok config path)", fe.Name)
	}
	ep.System, ep.MaxTokens, ep.Temperature = fe.System, fe.MaxTokens, fe.Temperature
	ep.Thinking, _ = client.ParseThinking(fe.Thinking) // checked when the file was read
	if fe.Retries != nil && !r.given("retries") {
		t.retries = *fe.Retries
	}
	if fe.ResumeTries != nil && !r.given("resume-tries") {
		t.resumeTries = *fe.ResumeTries
	}
	ep.Transport = fe.Transport
	if d, ok := fe.interruptWait(); ok && !r.given("interrupt-wait") {
		t.interruptWait = d
	}
	for k, v := range fe.Headers {
		if ep.Header == nil {
			ep.Header = http.Header{}
		}
		ep.Header.Set(k, v)
	}
	return nil
}

// checkError names where the setting client refused came from: the flag,
// or the config file's endpoint when no flag replaced its value.
func (r *resolver) checkError(err error) error {
	var fe *client.FieldError
	if !errors.As(err, &fe) {
		return usageError{err}
	}
	if r.fe.Name != "" && !r.given(flagName(fe.Field)) {
		return usageError{errors.New(fieldMessage(fe, r.fe.Name))}
	}
	return usageError{errors.New(fieldMessage(fe, ""))}
}

// fieldMessage says what is wrong with a setting client refused: as the
// flag, or as the key of the config file's endpoint.
func fieldMessage(fe *client.FieldError, endpoint string) string {
	if endpoint == "" {
		return "--" + flagName(fe.Field) + " " + fe.Value + fe.Reason
	}
	return describeKey([]string{"endpoints", endpoint, fe.Field}) + ": " + fe.Value + fe.Reason
}

// flagName is the flag of a config key: max_tokens is --max-tokens.
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// applyFlags sets what the command line gave over what the file said.
func (r *resolver) applyFlags(t *target) error {
	ep := &t.ep
	switch {
	case r.url != "" && (r.provider != "" || r.baseURL != ""):
		return usageErrorf("--url and --provider/--base-url name two endpoints: give one")
	case r.url != "" && r.urlNamesAPI:
		*ep = client.EndpointFromURL(r.url)
		t.urlFrom, r.fromURL = "", true
	case r.url != "":
		ep.Provider, ep.URL, ep.BaseURL, ep.API, ep.Transport = "", r.url, "", "", ""
		t.urlFrom, r.fromURL = "--url", true
	case r.provider != "":
		p, err := client.ParseProvider(r.provider)
		if err != nil && r.unknownProvider != "" {
			return usageErrorf("--provider %q: %s", r.provider, r.unknownProvider)
		} else if err != nil {
			return r.checkError(err)
		}
		if p != ep.Provider {
			ep.BaseURL, ep.Model, ep.API, ep.Transport, t.urlFrom, t.modelFrom = "", "", "", "", "", ""
		}
		ep.Provider, ep.URL = p, ""
	}
	if r.baseURL != "" {
		u, err := normalizeURL(r.baseURL, false)
		if err != nil {
			return usageErrorf("--base-url %q is not a URL: write it as http://host:port/v1", r.baseURL)
		}
		ep.BaseURL, ep.URL, t.urlFrom = u, "", "--base-url"
		if ep.Provider == "" {
			ep.Provider = client.OpenAI // any OpenAI-compatible server
		}
	}
	if r.api != "" && !(r.fromURL && r.urlNamesAPI) { // such a URL names its API itself
		ep.API = r.api
		if ep.Provider == "" && ep.URL == "" {
			ep.Provider = client.OpenAI
		}
	}
	if r.model != "" {
		ep.Model, t.modelFrom = r.model, "--model"
	}
	if r.transport != "" {
		if ep.Provider == "" && ep.URL == "" {
			return usageErrorf("--transport %s needs an endpoint: --provider openai --api responses for OpenAI's WebSocket mode, or a ws:// --url", r.transport)
		}
		ep.Transport = strings.ToLower(r.transport)
	}
	if err := r.applyKnobs(ep); err != nil {
		return err
	}
	if r.guess && (r.model != "" || r.given("thinking") || r.given("max-tokens") || r.given("temperature")) && ep.Provider == "" && ep.URL == "" && len(keysSet(r.env)) == 0 {
		return usageErrorf("--model, --thinking, --max-tokens and --temperature need a provider: add --provider %s, or set its API key", providerList("|"))
	}
	return nil
}

// applyKnobs sets the request's settings the flags gave, and -H.
func (r *resolver) applyKnobs(ep *client.Endpoint) error {
	if r.given("system") {
		ep.System = r.system
	}
	if r.given("max-tokens") {
		ep.MaxTokens = r.maxTokens
	}
	if r.given("temperature") {
		temp := r.temperature
		ep.Temperature = &temp
	}
	if r.given("thinking") {
		th, err := client.ParseThinking(r.thinking)
		if err != nil {
			return r.checkError(err)
		}
		ep.Thinking = th
	}
	for k, vs := range r.header {
		if ep.Header == nil {
			ep.Header = http.Header{}
		}
		ep.Header[k] = vs
	}
	return nil
}
