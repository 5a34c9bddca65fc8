package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tokcli/tok/client"
)

// recorder is a handler that notes what each request brought: its URL
// and headers, written out, and answers with a finished stream.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	r.Header.Write(&b)
	rec.mu.Lock()
	rec.seen = append(rec.seen, b.String())
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: {\"type\":\"done\"}\n\n")
}

// recording is a server that records its requests.
type recording struct {
	*httptest.Server
	*recorder
}

func newRecorder(t *testing.T) recording {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return recording{srv, rec}
}

func (r *recorder) requests() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.seen, "\n")
}

// redirector answers every request with a redirect of the given status to
// to(r), keeping the request's path and query as nginx's $request_uri.
func redirector(t *testing.T, status int, to func(r *http.Request) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to(r), status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// credentialed is a chat request to url carrying a credential in every
// header that holds one, and a non-secret header.
func credentialed(t *testing.T, url string) *http.Request {
	t.Helper()
	req := chatRequest(t, context.Background(), url)
	for _, h := range []string{"x-api-key", "x-goog-api-key", "api-key", "X-Auth-Token", "Private-Token", "X-Session-Token"} {
		req.Header.Set(h, "sk-"+strings.ToLower(h)+"-0123456789")
	}
	req.Header.Set("Authorization", "Bearer sk-bearer-0123456789")
	req.Header.Set("Cookie", "session=sk-cookie-0123456789")
	req.Header.Set("X-Team", "infra")
	return req
}

func TestRedirectToAnotherHostCarriesNoCredential(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			other := newRecorder(t)
			first := redirector(t, status, func(r *http.Request) string { return other.URL + r.URL.RequestURI() })
			var debug bytes.Buffer
			s, err := client.New(client.Config{Debug: &debug}).Stream(context.Background(), credentialed(t, first.URL+"/v1/stream?key=sk-query-0123456789&alt=sse"))
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			for range s.Events() {
			}
			got := other.requests()
			if strings.Contains(got, "sk-") || strings.Contains(got, "Referer") {
				t.Errorf("the other host got a credential:\n%s", got)
			}
			if !strings.Contains(got, "X-Team: infra") || !strings.Contains(got, "alt=sse") {
				t.Errorf("the other host did not get the rest of the request:\n%s", got)
			}
			if !strings.Contains(debug.String(), "Api-Key, Authorization, Cookie, Private-Token, X-Api-Key, X-Auth-Token, X-Goog-Api-Key, X-Session-Token, key= not sent") {
				t.Errorf("-v does not say what was dropped:\n%s", debug.String())
			}
		})
	}
}

func TestRedirectOnTheSameHostKeepsCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new?"+r.URL.RawQuery, http.StatusPermanentRedirect)
			return
		}
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"type\":\"done\"}\n\n")
	}))
	defer srv.Close()
	s, err := client.New(client.Config{}).Stream(context.Background(), credentialed(t, srv.URL+"/old"))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	for range s.Events() {
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Get("X-Api-Key") != "sk-x-api-key-0123456789" || got.Get("Authorization") != "Bearer sk-bearer-0123456789" {
		t.Errorf("a same-host redirect lost the credentials: %v", got)
	}
}

func TestRedirectBackToTheFirstHostStaysStripped(t *testing.T) {
	t.Parallel()
	// As net/http does for Authorization: a host the key was not given
	// for chose the way back, so nothing dropped comes back.
	rec := &recorder{}
	mux := http.NewServeMux()
	home := httptest.NewUnstartedServer(mux)
	away := redirector(t, http.StatusFound, func(r *http.Request) string { return home.URL + "/back" })
	mux.Handle("/back", rec)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, away.URL+"/away", http.StatusFound) })
	home.Start()
	defer home.Close()
	s, err := client.New(client.Config{}).Stream(context.Background(), credentialed(t, home.URL+"/start"))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	for range s.Events() {
	}
	if got := rec.requests(); strings.Contains(got, "sk-") || !strings.Contains(got, "/back") {
		t.Errorf("the first host, back at the end of the chain, got:\n%s", got)
	}
}

func TestRedirectsStopAfterTen(t *testing.T) {
	t.Parallel()
	loop := redirector(t, http.StatusFound, func(r *http.Request) string { return "/again" })
	_, err := client.New(client.Config{}).Stream(context.Background(), chatRequest(t, context.Background(), loop.URL+"?key=sk-loop-0123456789"))
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || strings.Contains(err.Error(), "sk-loop") {
		t.Errorf("Stream on a redirect loop = %v, want net/http's limit of 10, no key", err)
	}
}

func TestAnErrorAfterARedirectSaysTheCredentialsWereLeftBehind(t *testing.T) {
	t.Parallel()
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/here", http.StatusTemporaryRedirect)
			return
		}
		http.Error(w, `{"error":{"message":"no key"}}`, http.StatusUnauthorized)
	}))
	defer refuse.Close()
	away := redirector(t, http.StatusTemporaryRedirect, func(r *http.Request) string { return refuse.URL + "/here" })
	tests := []struct {
		name, url string
		keyed     bool
		want      string
	}{
		{"to another host", away.URL, true, strings.TrimPrefix(away.URL, "http://")},
		{"on the same host", refuse.URL + "/moved", true, ""},
		{"with no credentials", away.URL, false, ""},
		{"no redirect", refuse.URL + "/here", true, ""},
	}
	for _, tt := range tests {
		req := chatRequest(t, context.Background(), tt.url)
		if tt.keyed {
			req = credentialed(t, tt.url)
		}
		_, err := client.New(client.Config{}).Stream(context.Background(), req)
		var he *client.HTTPError
		if !errors.As(err, &he) || he.StatusCode != 401 || he.CredentialsLeftAt != tt.want {
			t.Errorf("%s: %#v, want a 401 with CredentialsLeftAt %q", tt.name, err, tt.want)
		}
	}
}
