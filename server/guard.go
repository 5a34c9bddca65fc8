package server

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// guard decides which requests the server answers at all, before any
// route: the defence of a server on loopback (a gateway holding an API key,
// say) against the web pages its operator visits.
//
//   - Host: a connection to a loopback address is answered only for a
//     loopback Host (localhost, 127.0.0.1, [::1], any port) or one of
//     hosts; with hosts set, so is every connection. A page that rebinds
//     its own name to 127.0.0.1 (DNS rebinding) sends its own name, and is
//     refused with 421.
//   - Origin: a request from a web page (an Origin header, or Sec-Fetch-Site
//     cross-site or same-site, which a no-cors GET such as an <img> carries
//     without an Origin) is answered only for an origin in origins, or any
//     with "*"; others are refused with 403. Those answered get CORS
//     headers, and their preflights are answered.
//
// Requests from programs (curl, SDKs, tok) carry neither Origin nor
// Sec-Fetch-Site and only need a Host that names the server.
type guard struct {
	origins []string // normalised: lower case, no trailing slash; "*" is any
	hosts   []string // lower case names, without port
}

func newGuard(origins, hosts []string) guard {
	var g guard
	for _, o := range origins {
		g.origins = append(g.origins, strings.TrimSuffix(strings.ToLower(o), "/"))
	}
	for _, h := range hosts {
		g.hosts = append(g.hosts, strings.ToLower(hostName(h)))
	}
	return g
}

// check returns the refusal of a request the server must not answer.
func (g guard) check(r *http.Request) *apiError {
	if e := g.checkHost(r); e != nil {
		return e
	}
	origin := r.Header.Get("Origin")
	switch site := r.Header.Get("Sec-Fetch-Site"); {
	case origin != "" && !g.allows(origin):
		return &apiError{http.StatusForbidden, "permission_error", "tok serve answers web pages only from the origins given with --cors, and " +
			quote(origin) + " is not one; to let its pages call this server, start tok serve with --cors " + quote(origin)}
	case origin == "" && (site == "cross-site" || site == "same-site") && !g.allows("*"):
		return &apiError{http.StatusForbidden, "permission_error", "a request from another site's page (Sec-Fetch-Site: " + site +
			") is refused: tok serve answers web pages only in CORS requests from the origins given with --cors"}
	}
	return nil
}

func (g guard) checkHost(r *http.Request) *apiError {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if len(g.hosts) == 0 && (local == nil || !isLoopback(hostName(local.String()))) {
		return nil // a non-loopback address the operator chose to serve: any name
	}
	name := strings.ToLower(hostName(r.Host))
	if r.Host == "" || isLoopback(name) || slices.Contains(g.hosts, name) {
		return nil
	}
	return &apiError{http.StatusMisdirectedRequest, "invalid_request_error", "tok serve answers Host localhost, 127.0.0.1 or [::1]" +
		g.alsoHosts() + ", not " + quote(r.Host) + " (a guard against DNS rebinding); to serve it by that name, start tok serve with --allow-host " + quote(name)}
}

func (g guard) alsoHosts() string {
	if len(g.hosts) == 0 {
		return ""
	}
	return " and those given with --allow-host"
}

// allows reports whether pages from origin may call the server.
func (g guard) allows(origin string) bool {
	return slices.Contains(g.origins, "*") || slices.Contains(g.origins, strings.TrimSuffix(strings.ToLower(origin), "/"))
}

// cors adds the CORS headers of an answer to an allowed origin.
func (g guard) cors(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !g.allows(origin) {
		return
	}
	h.Add("Vary", "Origin")
	if slices.Contains(g.origins, "*") {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "Retry-After, Request-Id, X-Request-Id, X-Vercel-AI-UI-Message-Stream")
}

// preflight answers an OPTIONS request; check has refused a disallowed
// origin already. The request headers a page asks for are allowed: an
// allowed origin is trusted, and SDKs send many.
func (g guard) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Allow", "GET, POST, OPTIONS")
	g.cors(h, r)
	if h.Get("Access-Control-Allow-Origin") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
			h.Set("Access-Control-Allow-Headers", asked)
		}
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}

// refuse answers a request the guards refused, in its endpoint's dialect.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *apiError) {
	d := s.dialectOf(r.URL.Path)
	if d == nil {
		s.logRefusal(r, e)
		writeTokError(w, e)
		return
	}
	rec := s.stats.start(Record{Method: r.Method, Path: r.URL.Path, Dialect: d.name, Started: time.Now()})
	s.logRefusal(r, e)
	s.reject(w, d, rec, e, Scenario{})
}

// dialectOf returns the dialect of the route at path, nil for the others.
func (s *Server) dialectOf(path string) *dialect {
	for _, rt := range s.routes() {
		_, p, _ := strings.Cut(rt.pattern, " ")
		if prefix, ok := strings.CutSuffix(p, "{action}"); path == p || ok && strings.HasPrefix(path, prefix) {
			return rt.dialect
		}
	}
	return nil
}

// logRefusal notes a refused request in the log, its untrusted parts
// quoted.
func (s *Server) logRefusal(r *http.Request, e *apiError) {
	s.log.Printf("refused %s %s from %s: %d %s", r.Method, quote(r.URL.Path), r.RemoteAddr, e.status, e.message)
}

// checkJSON refuses a POST whose body is not declared JSON: a form or a
// text/plain body is what a page can send to another origin without a
// preflight.
func checkJSON(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return nil
	}
	got := "the request has none"
	if ct != "" {
		got = "not " + quote(ct)
	}
	return &apiError{http.StatusUnsupportedMediaType, "invalid_request_error",
		"Content-Type must be application/json, " + got + " (curl: -H 'content-type: application/json')"}
}

// hostName is host:port's host, without brackets.
func hostName(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

// isLoopback reports whether name is localhost or a loopback address.
func isLoopback(name string) bool {
	if strings.TrimSuffix(name, ".") == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(name)
	return err == nil && ip.Unmap().IsLoopback()
}

// quote quotes untrusted text for a message or a log line: ASCII only,
// bounded.
func quote(s string) string { return strconv.QuoteToASCII(clip(s, 200)) }
