package client

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// secretHeaders are redacted in debug output.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "Api-Key", "X-Goog-Api-Key", "Cookie", "Set-Cookie"}

// Redact returns v shortened to a hint of what it was, for printing a
// secret header: "Bearer sk-a…(redacted)".
func Redact(v string) string {
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok {
		scheme, rest = "", v
	} else {
		scheme += " "
	}
	if len(rest) > 4 {
		rest = rest[:4]
	}
	return scheme + rest + "…(redacted)"
}

// secretParams are query parameters whose values are redacted (Gemini takes
// its key as ?key=).
var secretParams = []string{"key", "api_key", "apikey", "token", "access_token", "secret", "sig", "signature", "password"}

// RedactURL returns raw with a password and the values of secret-looking
// query parameters replaced, for error messages and debug output.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	changed := false
	for k := range q {
		if slices.Contains(secretParams, strings.ToLower(k)) {
			q.Set(k, "REDACTED")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func isSecret(name string) bool {
	return slices.Contains(secretHeaders, http.CanonicalHeaderKey(name))
}

func (c *Client) debugf(format string, args ...any) {
	if c.cfg.Debug != nil {
		fmt.Fprintf(c.cfg.Debug, format, args...)
	}
}

func (c *Client) debugHeaders(prefix string, h http.Header) {
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			if isSecret(k) {
				v = Redact(v)
			}
			c.debugf("%s %s: %s\n", prefix, k, v)
		}
	}
}

func (c *Client) debugRequest(req *http.Request) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("> %s %s\n", req.Method, RedactURL(req.URL.String()))
	c.debugHeaders(">", req.Header)
}

func (c *Client) debugResponse(resp *http.Response) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("< %s %s\n", resp.Proto, resp.Status)
	c.debugHeaders("<", resp.Header)
}

func (c *Client) debugTimings(t Timings) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("* dns %s, connect %s, tls %s, request written %s, headers %s, first byte %s, first text %s, end %s, %d events\n",
		ms(t.DNS), ms(t.Connect), ms(t.TLS), ms(t.WroteRequest), ms(t.Headers), ms(t.FirstByte), ms(t.FirstText), ms(t.End), t.Events)
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}
