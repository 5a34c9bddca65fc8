package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

func TestTransportErrorsHideTheURLsSecrets(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, url string
		transport bool // a transport error, not an HTTP answer
	}{
		// net/http's TLS server answers 400 to plain HTTP; the HTTPError
		// names the URL.
		{"plain HTTP to a TLS port", "http://" + tlsSrv.Listener.Addr().String() + "/p?key=sk-hidden-0123456789&alt=sse", false},
		{"TLS to a plain port", "https://" + plain.Listener.Addr().String() + "/p?alt=sse&api-key=sk-hidden-0123456789", true},
		{"TLS with an unknown certificate", tlsSrv.URL + "/p?access_token=sk-hidden-0123456789", true},
		{"a token as the user", "https://sk-hidden-0123456789@" + plain.Listener.Addr().String() + "/p", true},
		{"nothing listening", "http://" + closed + "/p?auth=sk-hidden-0123456789", true},
	}
	for _, tt := range tests {
		_, err := client.New(client.Config{}).Stream(context.Background(), chatRequest(t, context.Background(), tt.url))
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if strings.Contains(err.Error(), "hidden") {
			t.Errorf("%s: the error shows the secret: %v", tt.name, err)
		}
		var ue *url.Error
		if tt.transport && !errors.As(err, &ue) {
			t.Errorf("%s: %T is no longer a *url.Error underneath", tt.name, err)
		}
	}
}

// echoKey is the credential the request carried, as the echo server found it.
func echoKey(r *http.Request) string {
	if k := r.URL.Query().Get("key"); k != "" {
		return k
	}
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// echoServer repeats the request's key back in each way a server may:
// in an error body, an error event, a JSON document, a header, the text.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := echoKey(r)
		w.Header().Set("X-Echo", "your key is "+key)
		switch r.URL.Path {
		case "/401":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"auth %s"}}`, key, key)
		case "/html":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<html><title>denied for %s</title></html>", key)
		case "/event":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"hi\"}\n\n")
			fmt.Fprintf(w, "data: {\"type\":\"error\",\"message\":\"key %s revoked\"}\n\n", key)
		case "/document":
			fmt.Fprintf(w, `{"detail":"key %s is not allowed"}`, strings.ReplaceAll(key, "/", `\/`))
		case "/frame":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "data: {\"type\":\"token\",\"content\":\"hi\"}\n\ndata: {\"type\":\"token\",\"content\": %s}\n\n", key)
		case "/text":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "data: {\"type\":\"token\",\"content\":\"the key is %s\"}\n\ndata: {\"type\":\"done\"}\n\n", key)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// transcript streams req and returns all it yielded as text: events, the
// error, and the -v output.
func transcript(t *testing.T, req *http.Request) string {
	t.Helper()
	var out bytes.Buffer
	s, err := client.New(client.Config{Debug: &out}).Stream(context.Background(), req)
	if err != nil {
		fmt.Fprintf(&out, "error: %v\n", err)
		return out.String()
	}
	for ev, err := range s.Events() {
		if err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			break
		}
		fmt.Fprintf(&out, "event %s %q %v\n", ev.Kind, ev.Text, ev.Err)
	}
	return out.String()
}

func TestEchoedKeysAreScrubbedFromWhatTheClientReturns(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	keys := []string{"k3y/", "abcd1234", "sk-secret-456", "sk-ant-api03-0123456789/abcdef+ghijklmnop"}
	for _, key := range keys {
		for _, path := range []string{"/401", "/html", "/event", "/document", "/frame"} {
			for _, how := range []string{"header", "bearer", "query"} {
				req := chatRequest(t, context.Background(), srv.URL+path)
				switch how {
				case "header":
					req.Header.Set("X-Api-Key", key)
				case "bearer":
					req.Header.Set("Authorization", "Bearer "+key)
				case "query":
					req.URL.RawQuery = "key=" + strings.ReplaceAll(key, "+", "%2B")
				}
				got := transcript(t, req)
				if strings.Contains(got, key) || !strings.Contains(got, "error:") && !strings.Contains(got, "event error") {
					t.Errorf("key %q by %s, %s: the key shows or no error came:\n%s", key, how, path, got)
				}
			}
		}
	}
}

func TestEchoedKeysInTextAreScrubbedWhenLongEnoughToTell(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	tests := []struct {
		key  string
		want string
	}{
		{"sk-ant-api03-0123456789abcdef", `"the key is [redacted]"`},
		{"ollama", `"the key is ollama"`}, // a placeholder key must not cut words out of answers
	}
	for _, tt := range tests {
		req := chatRequest(t, context.Background(), srv.URL+"/text")
		req.Header.Set("Authorization", "Bearer "+tt.key)
		if got := transcript(t, req); !strings.Contains(got, "event text "+tt.want) {
			t.Errorf("key %q: the text event is not %s:\n%s", tt.key, tt.want, got)
		}
	}
}
