package main

import (
	"iter"
	"slices"
	"strings"
	"time"

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
	// modelFrom names the setting the model came from, for the advice
	// on a 404: "--model", a config file's key; "" is the provider's
	// default.
	modelFrom string
	retries   int
	// resumeTries is how often a broken tok-protocol stream is resumed.
	resumeTries int
	// interruptWait is how long the stop key waits for a WebSocket
	// server to acknowledge the interrupt.
	interruptWait time.Duration
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

func (t target) model() string { return t.ep.ModelName() }

// configNames lists names from the config file (its endpoints, its
// roles), sorted, for completion: none when there is no file to read.
func configNames(ios *ioStreams, names func(*fileConfig) iter.Seq[string]) []string {
	path, err := configPath(ios.env)
	if err != nil {
		return nil
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil
	}
	return slices.Sorted(names(cfg))
}

// providerNames lists the providers of client's table.
func providerNames() []string {
	var names []string
	for _, p := range client.Providers() {
		names = append(names, string(p))
	}
	return names
}

// providerList is the providers as a sentence lists them with conj
// ("anthropic, openai or gemini"), or joined by "|" when conj is "|".
func providerList(conj string) string { return sentence(providerNames(), conj) }

// keyVarList lists the providers' key variables: each one's usual one,
// or every one with all.
func keyVarList(all bool, conj string) string {
	var vars []string
	for _, p := range client.Providers() {
		spec, _ := p.Spec()
		if !all && len(spec.KeyEnv) > 1 {
			spec.KeyEnv = spec.KeyEnv[:1]
		}
		vars = append(vars, spec.KeyEnv...)
	}
	return sentence(vars, conj)
}

// baseURLVarList lists the variables that point providers elsewhere.
func baseURLVarList(conj string) string {
	var vars []string
	for _, p := range client.Providers() {
		if spec, _ := p.Spec(); spec.BaseURLEnv != "" {
			vars = append(vars, spec.BaseURLEnv)
		}
	}
	return sentence(vars, conj)
}

// sentence joins items with commas and conj before the last ("a, b or
// c"); with conj "|" or ",", with that alone ("a|b|c", "a, b, c").
func sentence(items []string, conj string) string {
	switch n := len(items); {
	case conj == "|":
		return strings.Join(items, "|")
	case conj == ",":
		return strings.Join(items, ", ")
	case n < 2:
		return strings.Join(items, "")
	default:
		return strings.Join(items[:n-1], ", ") + " " + conj + " " + items[n-1]
	}
}
