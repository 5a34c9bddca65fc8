package main

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/tokcli/tok/client"
)

// check validates the endpoints in the file's order, then default, and
// sets each endpoint's Name.
func (c *fileConfig) check(src string, md toml.MetaData) error {
	var names []string
	for _, k := range md.Keys() {
		if len(k) >= 2 && k[0] == "endpoints" && !slices.Contains(names, k[1]) {
			names = append(names, k[1])
		}
	}
	for _, name := range names {
		e := c.Endpoints[name]
		e.Name, e.unsafe = name, c.unsafe
		if key, problem := e.check(); problem != "" {
			return &configError{Path: c.Path, Line: nearLine(src, append([]string{"endpoints", name}, key...)), Msg: problem}
		}
		c.Endpoints[name] = e
	}
	if _, ok := c.Endpoints[c.Default]; c.Default != "" && !ok {
		msg := fmt.Sprintf("default = %s names no endpoint; %s", tomlString(c.Default), c.known())
		return &configError{Path: c.Path, Line: keyLine(src, []string{"default"}), Msg: msg}
	}
	return nil
}

// known lists the endpoints for an error, or says how to add one.
func (c *fileConfig) known() string {
	if len(c.Endpoints) == 0 {
		return "there are none yet: add one as [endpoints.NAME] (tok config show --example prints a sample)"
	}
	return "it has: " + strings.Join(slices.Sorted(maps.Keys(c.Endpoints)), ", ")
}

// check returns what is wrong with e and the key it is about (nil for the
// endpoint as a whole), or "" when nothing is. It lower-cases provider and api.
func (e *fileEndpoint) check() (key []string, problem string) {
	t := "[" + joinKey([]string{"endpoints", e.Name}) + "]"
	in := func(k string) string { return k + " in " + t }
	switch {
	case e.Name == "":
		return nil, "an endpoint needs a name: [endpoints.NAME]"
	case e.Provider != "" && e.URL != "":
		return nil, t + " has both provider and url: keep provider for an LLM API, or url for a server speaking tok's protocol"
	case e.Provider == "" && e.URL == "":
		return nil, t + " has neither provider nor url: add provider = " + quotedProviders() + `, or url = "https://…"`
	case e.Provider != "":
		p, err := client.ParseProvider(e.Provider)
		if err != nil {
			return []string{"provider"}, fmt.Sprintf("provider = %s in %s is not one tok speaks: give %s", tomlString(e.Provider), t, providerList("or"))
		}
		e.Provider = string(p)
	case e.BaseURL != "": // a url endpoint
		return []string{"base_url"}, in("base_url") + " is for a provider's endpoint; url is already the whole address"
	}
	e.API = strings.ToLower(e.API)
	switch {
	case e.API != "" && e.Provider != string(client.OpenAI):
		return []string{"api"}, in("api") + ` is for provider "openai" only`
	case e.API != "" && e.API != client.APIChat && e.API != client.APIResponses:
		return []string{"api"}, fmt.Sprintf(`api = %s in %s: give "chat" or "responses"`, tomlString(e.API), t)
	}
	for k, v := range map[string]string{"url": e.URL, "base_url": e.BaseURL} { // one is "", as checked above
		u, err := url.Parse(v)
		if v == "" || err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https" || k == "url" && (u.Scheme == "ws" || u.Scheme == "wss")) {
			continue
		}
		if k == "url" {
			return []string{k}, fmt.Sprintf("%s = %s in %s must start with http://, https://, ws:// or wss://", k, tomlString(client.RedactURL(v)), t)
		}
		return []string{k}, fmt.Sprintf("%s = %s in %s must start with http:// or https://", k, tomlString(client.RedactURL(v)), t)
	}
	if key, problem := e.checkTransport(t); problem != "" {
		return key, problem
	}
	return e.checkKnobs(t)
}

// checkKnobs is check's second half: the key and the request's settings.
// t is the endpoint's table, [endpoints.NAME].
func (e *fileEndpoint) checkKnobs(t string) (key []string, problem string) {
	in := func(k string) string { return k + " in " + t }
	switch {
	case e.KeyEnv != "" && e.KeyCmd != "":
		return []string{"key_cmd"}, in("key_cmd") + " and key_env both say where the key is: keep one"
	case e.KeyEnv != "" && !envNameRE.MatchString(e.KeyEnv): // most likely the key itself: not to be printed
		return []string{"key_env"}, in("key_env") + " must name an environment variable, such as OPENAI_API_KEY; put the key in that variable, not in the file"
	case e.MaxTokens < 0:
		return []string{"max_tokens"}, fmt.Sprintf("%s is %d: give 0 (the provider's default) or more", in("max_tokens"), e.MaxTokens)
	case e.Retries != nil && (*e.Retries < 0 || *e.Retries > maxTries):
		return []string{"retries"}, fmt.Sprintf("%s is %d: give 0 (no retries) to %d", in("retries"), *e.Retries, maxTries)
	case e.ResumeTries != nil && (*e.ResumeTries < 0 || *e.ResumeTries > maxTries):
		return []string{"resume_tries"}, fmt.Sprintf("%s is %d: give 0 (never resume) to %d", in("resume_tries"), *e.ResumeTries, maxTries)
	}
	var fe *client.FieldError
	if _, err := client.ParseThinking(e.Thinking); errors.As(err, &fe) {
		return []string{"thinking"}, fieldMessage(fe, e.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		switch {
		case name == "" || strings.ContainsAny(name, " \t:\r\n"):
			return []string{"headers", name}, fmt.Sprintf("header name %q in %s has a space or colon", name, t)
		case strings.ContainsAny(e.Headers[name], "\r\n"):
			return []string{"headers", name}, fmt.Sprintf("header %q in %s has a line break in its value", name, t)
		}
	}
	return nil, ""
}

// checkTransport checks transport and interrupt_wait; the endpoint's
// API is checked for a WebSocket mode where it is resolved (client's
// Endpoint.Check, named by resolver.checkError).
func (e *fileEndpoint) checkTransport(t string) (key []string, problem string) {
	e.Transport = strings.ToLower(e.Transport)
	switch e.Transport {
	case "", client.TransportSSE, client.TransportWS:
	default:
		return []string{"transport"}, fmt.Sprintf(`transport = %s in %s: give "sse" or "ws"`, tomlString(e.Transport), t)
	}
	if e.InterruptWait == "" {
		return nil, ""
	}
	if d, ok := e.interruptWait(); !ok || d < 0 || d > maxInterruptWait {
		return []string{"interrupt_wait"}, fmt.Sprintf(`interrupt_wait = %s in %s: give a duration from "0s" to "%s", such as "500ms"`,
			tomlString(e.InterruptWait), t, maxInterruptWait)
	}
	return nil, ""
}

// interruptWait is interrupt_wait as a duration; false when unset or
// not a duration.
func (e fileEndpoint) interruptWait() (time.Duration, bool) {
	if e.InterruptWait == "" {
		return 0, false
	}
	d, err := time.ParseDuration(e.InterruptWait)
	return d, err == nil
}

// quotedProviders lists the providers as the file writes them:
// "anthropic", "openai" or "gemini".
func quotedProviders() string {
	var names []string
	for _, n := range providerNames() {
		names = append(names, tomlString(n))
	}
	return sentence(names, "or")
}
