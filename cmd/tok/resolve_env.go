package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tokcli/tok/client"
)

// keyVar is a provider whose key is set, and the variable that has it.
type keyVar struct {
	p   client.Provider
	env string
}

// keysSet lists the providers whose key is set, in the table's order.
func keysSet(env func(string) string) []keyVar {
	var out []keyVar
	for _, p := range client.Providers() {
		spec, _ := p.Spec()
		if _, from := lookupKey(env, spec.KeyEnv); from != "" {
			out = append(out, keyVar{p, from})
		}
	}
	return out
}

// lookupKey is the first of vars that is set, and its name; "", "" when
// none is.
func lookupKey(env func(string) string, vars []string) (key, from string) {
	for _, v := range vars {
		if key := env(v); key != "" {
			return key, v
		}
	}
	return "", ""
}

// pickProvider chooses the provider whose key is the only one set, and
// returns its variable; else the note that says why the demo model
// answers.
func (r *resolver) pickProvider(t *target) (picked, note string) {
	set := keysSet(r.env)
	switch len(set) {
	case 0:
		return "", "no API key or --url given, so the built-in demo model answers (see tok --help)"
	case 1:
		t.ep.Provider = set[0].p
		return set[0].env, ""
	}
	var names []string
	for _, s := range set {
		names = append(names, s.env)
	}
	return "", fmt.Sprintf("%s are all set, so tok will not guess: pick one with --provider; the built-in demo model answers", strings.Join(names, " and "))
}

// findKey sets the endpoint's key, and a provider's base URL: its
// variable (OPENAI_BASE_URL…) when none was given. The key comes from
// --key-env, else the config file's key_cmd or key_env, else the
// provider's variables. The provider's own API needs a key; another base
// URL (a local server) may not. A URL given whole gets no key from the
// environment.
func (r *resolver) findKey(ctx context.Context, t *target) error {
	ep, fe := &t.ep, r.fe
	fileKey := fe.Name != "" && (fe.KeyCmd != "" || fe.KeyEnv != "")
	if ep.Provider == "" {
		if ep.URL != "" && fileKey {
			key, err := fe.key(ctx, r.env)
			ep.Key, t.keyFrom = key, keySource(fe, "")
			return err
		}
		return nil
	}
	spec, _ := ep.Provider.Spec()
	if ep.BaseURL == "" && spec.BaseURLEnv != "" && !r.fromURL {
		if u := r.env(spec.BaseURLEnv); u != "" {
			ep.BaseURL, t.urlFrom = u, spec.BaseURLEnv
		}
	}
	switch {
	case r.keyEnv != "":
		if ep.Key, t.keyFrom = r.env(r.keyEnv), r.keyEnv; ep.Key == "" {
			return usageErrorf("--key-env %s: %s is not set; set it to the upstream's key", r.keyEnv, r.keyEnv)
		}
		return nil
	case fileKey:
		key, err := fe.key(ctx, r.env)
		if err != nil {
			return err
		}
		ep.Key, t.keyFrom = key, keySource(fe, ep.Provider)
		if key == "" && fe.KeyEnv != "" && ep.BaseURL == "" {
			return usageErrorf("no API key for %s: set %s (endpoint %q names it as its key_env)", ep.Provider, fe.KeyEnv, fe.Name)
		}
		return nil
	case r.fromURL || len(spec.KeyEnv) == 0:
		return nil
	}
	if ep.Key, t.keyFrom = lookupKey(r.env, spec.KeyEnv); t.keyFrom == "" {
		t.keyFrom = spec.KeyEnv[0] // for the advice on a 401
	}
	if ep.Key == "" && ep.BaseURL == "" && !hasAuthHeader(ep.Header) {
		return usageErrorf("no API key for %s: set %s, or %s", ep.Provider, spec.KeyEnv[0], r.keyHelp)
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
	}
	return p.KeyEnv()
}

// hasAuthHeader reports whether -H or the config passes credentials
// itself: Authorization, Azure's Api-Key, or a provider's key header.
func hasAuthHeader(h http.Header) bool {
	names := []string{"Authorization", "Api-Key"}
	for _, p := range client.Providers() {
		if spec, _ := p.Spec(); spec.KeyHeader != "" {
			names = append(names, spec.KeyHeader)
		}
	}
	for _, k := range names {
		if h.Get(k) != "" {
			return true
		}
	}
	return false
}
