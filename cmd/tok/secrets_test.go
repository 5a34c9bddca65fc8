package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// echoedKey is the credential a request carried, wherever it was.
func echoedKey(r *http.Request) string {
	for _, h := range []string{"X-Auth-Token", "X-Api-Key"} {
		if k := r.Header.Get(h); k != "" {
			return k
		}
	}
	if k := r.URL.Query().Get("key"); k != "" {
		return k
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// echoHandler repeats the request's key back in every place a server
// may: a response header, an error body (401, or a 429 that tok
// retries), an error event after a token, each in tok's protocol and in
// OpenAI's shapes.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	key := echoedKey(r)
	w.Header().Set("X-Echo", "you sent "+key)
	status := map[string]int{"401": http.StatusUnauthorized, "429": http.StatusTooManyRequests}[r.Header.Get("X-Case")]
	if status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After-Ms", "1") // so the 429 is retried at once
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, key)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	if strings.HasSuffix(r.URL.Path, "/chat/completions") {
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part\"}}]}\n\n")
		fmt.Fprintf(w, "data: {\"error\":{\"message\":\"key %s revoked\",\"type\":\"server_error\"}}\n\n", key)
		return
	}
	fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"part\"}\n\n")
	fmt.Fprintf(w, "data: {\"type\":\"error\",\"message\":\"key %s revoked\"}\n\n", key)
}

func TestEchoedKeysNeverAppearInWhatTokPrints(t *testing.T) {
	srv := serveRaw(t, echoHandler)
	keys := []string{"Zq7x", "Zq7x9w2v", "sk-Zq7x-9w2v1", "sk-proj-Zq7x9w2v1u6t0s5r4q3p2o1n0m9l8k7j6i5h"}
	ways := map[string]func(key string) (env map[string]string, args []string){
		"Authorization": func(key string) (map[string]string, []string) {
			return nil, []string{"--url", srv.URL, "-H", "Authorization: Bearer " + key}
		},
		"X-Auth-Token": func(key string) (map[string]string, []string) {
			return nil, []string{"--url", srv.URL, "-H", "X-Auth-Token: " + key}
		},
		"?key=": func(key string) (map[string]string, []string) {
			return nil, []string{"--url", srv.URL + "/stream?alt=sse&key=" + key}
		},
		"OPENAI_API_KEY": func(key string) (map[string]string, []string) {
			return map[string]string{"OPENAI_API_KEY": key}, []string{"--provider", "openai", "--base-url", srv.URL + "/v1"}
		},
	}
	for way, argsOf := range ways {
		for _, key := range keys {
			for _, c := range []string{"401", "429", "event"} {
				for _, mode := range [][]string{nil, {"-v"}, {"--events"}, {"-v", "--events"}} {
					env, args := argsOf(key)
					args = append(append(args, mode...), "--retries", "1", "-H", "X-Case: "+c, "hi")
					r := runTokEnv(t, env, "", args...)
					if r.code != exitFailed || strings.Contains(r.stdout+r.stderr, key) {
						t.Errorf("%s %q, %s, %v: exit %d, or the key shows:\n%s%s", way, key, c, mode, r.code, r.stdout, r.stderr)
					}
				}
			}
		}
	}
}

func TestARedirectThatLeftTheKeyBehindSaysSo(t *testing.T) {
	got := make(chan string, 1)
	refuse := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusUnauthorized)
	})
	away := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, refuse.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	key := "sk-proj-Zq7x9w2v1u6t0s5r4q3p2o1n0m9l8k7j6i5h"
	r := runTokEnv(t, map[string]string{"OPENAI_API_KEY": key}, "", "--provider", "openai", "--base-url", away.URL+"/v1", "hi")
	want := "a redirect led here from " + strings.TrimPrefix(away.URL, "http://") + ", and tok sends credentials only to the host they were given for"
	if r.code != exitFailed || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "the key was refused") {
		t.Errorf("exit %d, stderr %q; want it to say %q", r.code, r.stderr, want)
	}
	if auth := <-got; auth != "" {
		t.Errorf("the other host got Authorization %q", auth)
	}
}
