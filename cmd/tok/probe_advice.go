package main

import (
	"fmt"
	"net/http"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/probe"
)

// keyAdvice says what to do about a 401 or 403 answer to a probe, knowing
// where its key came from; "" for any other status. tok probe sends a key
// only where it was told to (-H, --provider, -e), so a bare URL to an API
// gets none, and the advice says how to pass one.
func (o *probeOptions) keyAdvice(status int) string {
	denied := status == http.StatusForbidden
	if status != http.StatusUnauthorized && !denied {
		return ""
	}
	switch {
	case o.ep.Key != "" && denied:
		return "the key from " + o.keyFrom + " may not use this model or API"
	case o.ep.Key != "":
		return "the key was refused: check " + o.keyFrom
	case hasAuthHeader(o.header) && denied:
		return "the credentials passed with -H are not allowed here"
	case hasAuthHeader(o.header):
		return "the credentials passed with -H were refused"
	case o.keyFrom != "":
		return "no key was sent: set " + o.keyFrom
	}
	return "no key was sent, and tok probe sends one only where you say: " + keyHint(o.ep.Provider)
}

// keyHint shows how to pass a provider's key to a URL: in its key header
// (client's table), from its usual variable.
func keyHint(p client.Provider) string {
	spec, ok := p.Spec()
	if !ok || spec.KeyHeader == "" || len(spec.KeyEnv) == 0 {
		return "pass it with -H, as in -H 'Authorization: Bearer $TOKEN'"
	}
	header := spec.KeyHeader + ": $" + spec.KeyEnv[0]
	if http.CanonicalHeaderKey(spec.KeyHeader) == "Authorization" {
		header = "Authorization: Bearer $" + spec.KeyEnv[0]
	}
	return fmt.Sprintf("pass it with -H '%s', or probe the API itself with --provider %s", header, p)
}

// adviseOnKey writes keyAdvice's line on stderr for the first result
// that was refused for its key, if any.
func (o *probeOptions) adviseOnKey(results ...*probe.Result) {
	for _, res := range results {
		if advice := o.keyAdvice(res.Status); advice != "" && !res.Reached() {
			fmt.Fprintf(o.IO.ErrOut, "tok: %s answered %d: %s\n", client.RedactURL(res.URL), res.Status, advice)
			return
		}
	}
}
