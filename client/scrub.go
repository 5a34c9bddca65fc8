package client

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Scrub returns text with each secret replaced by [redacted], so a key
// that a server echoed back is not printed. Unlike [Redact] it shows none
// of the secret: the reader knows which key was sent, and server text
// travels on (tok serve passes an upstream's error to its own clients).
// The client already does this to every error, error event and -v header
// of a request's answer, with the request's own credentials (see
// [IsSecretName]); Scrub is for text the caller builds itself. A secret
// under four characters is left: it cannot be told from ordinary text.
func Scrub(text string, secret ...string) string {
	return newSecrets(secret).scrub(text)
}

// Length bounds of the secrets scrubbed. Shorter ones match ordinary
// words: a local server's placeholder key ("ollama", "EMPTY") would cut
// words out of answers. So errors and headers are scrubbed of every secret
// of minSecret bytes or more, and an answer's text only of those of
// minTextSecret or more, which no word matches (provider keys are 30+).
const (
	minSecret     = 4
	minTextSecret = 16
)

// secrets are the credentials one request carried, each in the forms a
// server may echo it: as sent, escaped in JSON, escaped in a URL.
//
// Invariants: every value is at least minSecret bytes; the list is sorted
// longest first, so a secret inside another is replaced after it.
type secrets []secret

type secret struct {
	find string // what to look for
	val  string // the credential itself
}

// scrubbed is what a secret found in a server's text becomes.
const scrubbed = "[redacted]"

// requestSecrets are the credentials req carries, as [requestCredentials] finds them.
func requestSecrets(req *http.Request) secrets { return newSecrets(requestCredentials(req)) }

// requestCredentials collects the credentials req carries: the values of
// the headers and query parameters [IsSecretName] matches (the token of
// an Authorization value, a Basic password, each cookie) and the URL's
// password, or its user name when it has no password.
func requestCredentials(req *http.Request) []string {
	var vals []string
	for name, vs := range req.Header {
		if IsSecretName(name) {
			for _, v := range vs {
				vals = append(vals, credentials(v)...)
			}
		}
	}
	for name, vs := range req.URL.Query() {
		if IsSecretName(name) {
			vals = append(vals, vs...)
		}
	}
	if u := req.URL.User; u != nil {
		p, ok := u.Password()
		if !ok {
			p = u.Username()
		}
		vals = append(vals, p)
	}
	return vals
}

// credentials splits a secret header's value into what may be echoed
// alone: "Bearer TOKEN" gives TOKEN, a Basic value also its password, a
// cookie list each value.
func credentials(v string) []string {
	out := []string{strings.TrimSpace(v)}
	if scheme, rest, ok := strings.Cut(v, " "); ok {
		rest = strings.TrimSpace(rest)
		out = append(out, rest)
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil && strings.EqualFold(scheme, "basic") {
			if _, pass, ok := strings.Cut(string(b), ":"); ok {
				out = append(out, pass)
			}
		}
	}
	for c := range strings.SplitSeq(v, ";") {
		if _, val, ok := strings.Cut(c, "="); ok {
			out = append(out, strings.Trim(strings.TrimSpace(val), `"`))
		}
	}
	return out
}

func newSecrets(vals []string) secrets {
	var s secrets
	for _, v := range vals {
		if len(v) < minSecret {
			continue
		}
		for _, f := range escapes(v) {
			if !slices.ContainsFunc(s, func(x secret) bool { return x.find == f }) {
				s = append(s, secret{find: f, val: v})
			}
		}
	}
	slices.SortStableFunc(s, func(a, b secret) int { return cmp.Compare(len(b.find), len(a.find)) })
	return s
}

// escapes returns v as sent and as JSON and URLs may escape it.
func escapes(v string) []string {
	out := []string{v}
	add := func(e string) {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if b, err := json.Marshal(v); err == nil {
		j := string(b[1 : len(b)-1])
		add(j)
		add(strings.ReplaceAll(j, "/", `\/`))
	}
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	return out
}

// scrub replaces every secret in text.
func (s secrets) scrub(text string) string { return s.replace(text, minSecret) }

// scrubText replaces the secrets long enough to be told from an answer's words.
func (s secrets) scrubText(text string) string { return s.replace(text, minTextSecret) }

func (s secrets) replace(text string, min int) string {
	for _, x := range s {
		if len(x.val) >= min && strings.Contains(text, x.find) {
			text = strings.ReplaceAll(text, x.find, scrubbed)
		}
	}
	return text
}

// scrubEvents scrubs the events a body yielded: an error event's words,
// and the long secrets out of text and tool results.
func (s secrets) scrubEvents(evs []Event) {
	if len(s) == 0 {
		return
	}
	for i := range evs {
		ev := &evs[i]
		if ev.Err != nil {
			e := *ev.Err
			e.Message, e.Type = s.scrub(e.Message), s.scrub(e.Type)
			ev.Err = &e
		}
		ev.Text = s.scrubText(ev.Text)
		ev.Tool.Result = s.scrubText(ev.Tool.Result)
	}
}

// scrubError scrubs the errors in err's tree that carry a server's words
// or a URL, in place, so that whoever finds one with errors.As prints
// clean text; whatever other text still shows a secret is wrapped in an
// error that scrubs its message.
func (s secrets) scrubError(err error) error {
	if err == nil || len(s) == 0 {
		return err
	}
	s.scrubTree(err)
	if msg := err.Error(); s.scrub(msg) != msg {
		return &scrubbedError{err: err, s: s}
	}
	return err
}

func (s secrets) scrubTree(err error) {
	switch e := err.(type) {
	case *HTTPError:
		e.Status, e.Message, e.Type, e.URL = s.scrub(e.Status), s.scrub(e.Message), s.scrub(e.Type), s.scrub(e.URL)
	case *ServerError:
		e.Message, e.Type = s.scrub(e.Message), s.scrub(e.Type)
	case *NotAStreamError:
		e.Excerpt = s.scrub(e.Excerpt)
		if e.JSON != nil {
			s.scrubTree(e.JSON)
		}
	case *frameError:
		e.data = s.scrub(e.data)
	case *url.Error:
		e.URL = s.scrub(RedactURL(e.URL))
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			s.scrubTree(inner)
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			if inner != nil {
				s.scrubTree(inner)
			}
		}
	}
}

// scrubbedError is an error whose text showed a secret after scrubTree.
type scrubbedError struct {
	err error
	s   secrets
}

func (e *scrubbedError) Error() string { return e.s.scrub(e.err.Error()) }
func (e *scrubbedError) Unwrap() error { return e.err }

// redactURLError redacts the URL that net/http puts in its errors
// (Post "https://host/p?key=…": …), whatever else the error is.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = RedactURL(ue.URL)
	}
	return err
}
