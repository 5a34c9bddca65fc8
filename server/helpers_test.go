package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
	"github.com/tokcli/tok/server"
)

// fast makes the scripted model answer without pauses.
const fast = "interval=0,first=0"

func startServer(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	s := server.New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// scenarioRequest is a JSON POST of body to url with the scenario and the
// header pairs (name, value, …).
func scenarioRequest(t *testing.T, ctx context.Context, url, scenario, body string, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", scenario)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// post sends a request with a scenario and returns the stream.
func post(t *testing.T, ctx context.Context, url, scenario, body string, header ...string) (*client.Stream, error) {
	t.Helper()
	req := scenarioRequest(t, ctx, url, scenario, body, header...)
	return client.New(client.Config{IdleTimeout: 10 * time.Second}).Stream(ctx, req)
}

const hi = `{"messages":[{"role":"user","content":"hi"}]}`

// answer is what a stream delivered.
type answer struct {
	text    string
	kinds   []client.Kind
	indexes int
	err     error
	errEv   *client.ServerError
}

func read(s *client.Stream) answer {
	var a answer
	for ev, err := range s.Events() {
		if err != nil {
			if a.errEv == nil || err != error(a.errEv) { // not the error event's own error
				a.err = err
			}
			break
		}
		a.kinds = append(a.kinds, ev.Kind)
		switch ev.Kind {
		case client.KindText:
			a.text += ev.Text
		case client.KindError:
			a.errEv = ev.Err
		}
	}
	return a
}

// demoText is the first n tokens of the demo answer to "hi".
func demoText(n int) string {
	return strings.Join(demo.Tokens(demo.Text("hi", 1))[:n], "")
}

// stats fetches /_stats, waiting until the last record has ended.
func stats(t *testing.T, base string) []server.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(base + "/_stats")
		if err != nil {
			t.Fatal(err)
		}
		var recs []server.Record
		err = json.NewDecoder(resp.Body).Decode(&recs)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 && recs[len(recs)-1].End != server.EndRunning {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last request never ended: %+v", recs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func last(t *testing.T, base string) server.Record {
	t.Helper()
	recs := stats(t, base)
	return recs[len(recs)-1]
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
