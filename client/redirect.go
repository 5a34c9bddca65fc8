package client

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxRedirects is net/http's own limit, kept.
const maxRedirects = 10

// checkRedirect is the redirect policy of every request a [Client] sends:
// a credential goes only to the host it was given for. Once a redirect
// leads to another host, another port, or from https to http, every
// header [IsSecretName] matches is dropped (net/http drops only
// Authorization and Cookie, and would pass x-api-key on), and so are the
// Referer, which net/http fills with the previous URL, query included,
// and a query parameter that carries one of the request's secrets (a
// redirect that repeats the request's URI, as nginx's return 301
// https://other$request_uri does). As in net/http, they stay dropped for
// the rest of the chain, even back on the first host. With Config.Debug
// set, a line says what was dropped.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0].URL
	if !slices.ContainsFunc(append(via[1:len(via):len(via)], req), func(r *http.Request) bool { return !sameOrigin(first, r.URL) }) {
		return nil
	}
	var dropped []string
	for name := range req.Header {
		if IsSecretName(name) {
			dropped = append(dropped, name)
			req.Header.Del(name)
		}
	}
	req.Header.Del("Referer")
	var params []string
	req.URL.RawQuery, params = dropSecretParams(req.URL.RawQuery, requestCredentials(via[0]))
	dropped = append(dropped, params...)
	if len(dropped) > 0 {
		slices.Sort(dropped)
		c.debugf("* redirect to %s: %s not sent, as they were given for %s\n",
			RedactURL(req.URL.String()), strings.Join(dropped, ", "), first.Host)
	}
	return nil
}

// sameOrigin reports whether a credential given for from may go to to:
// the same host name and port, or the same host upgraded from http to
// https on the default ports.
func sameOrigin(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return false
	}
	if from.Scheme == to.Scheme {
		return port(from) == port(to)
	}
	return from.Scheme == "http" && to.Scheme == "https" && port(from) == "80" && port(to) == "443"
}

// port is u's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// dropSecretParams removes from a raw query the parameters whose value is
// one of creds, and returns their names.
func dropSecretParams(q string, creds []string) (string, []string) {
	if q == "" || len(creds) == 0 {
		return q, nil
	}
	var kept, names []string
	for p := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(p, "=")
		val, err := url.QueryUnescape(v)
		if err == nil && val != "" && slices.Contains(creds, val) {
			name, _ := url.QueryUnescape(k)
			names = append(names, name+"=")
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&"), names
}

// leftBehind returns the host of req, the request a [Client] sent, when
// resp came from another origin after a redirect, so that the redirect
// policy kept req's credentials back; "" when it had none or kept none.
func leftBehind(req *http.Request, resp *http.Response) string {
	if len(requestCredentials(req)) == 0 {
		return ""
	}
	for r := resp.Request; r != nil && r != req; r = r.Response.Request {
		if !sameOrigin(req.URL, r.URL) {
			return req.URL.Host
		}
		if r.Response == nil {
			break
		}
	}
	return ""
}
