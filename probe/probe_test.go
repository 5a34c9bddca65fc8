package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// probe runs one probe of tok serve's tok protocol endpoint with knobs.
func probe(t *testing.T, url, knobs string, cfg client.Config, opts Options) *Result {
	t.Helper()
	ep := client.Endpoint{URL: url + "/api/chat/stream", Header: scenario(knobs)}
	req, err := ep.Request(context.Background(), []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), client.New(cfg), req, opts)
}

func scenario(s string) http.Header { return http.Header{"X-Tok-Scenario": {s}} }

func TestProbeVerdicts(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	tests := []struct {
		knobs  string
		cfg    client.Config
		check  string
		want   string
		failed bool
	}{
		{"tokens=40,interval=5,first=20", client.Config{}, "buffering", "PASS 40 tokens, no lumps", false},
		{"tokens=40,interval=5,first=20", client.Config{}, "end", `PASS "done"`, false},
		{"tokens=40,interval=5,first=20", client.Config{}, "after end", "PASS nothing, and the connection closed", false},
		{"tokens=400,interval=2,first=20,buffer=4096", client.Config{}, "buffering", "FAIL tokens arrive in 4 lumps of ~4.0 KiB", true},
		{"tokens=40,interval=5,first=20,drop-after=10", client.Config{}, "end", "FAIL cut off after 10 tokens", true},
		{"tokens=40,interval=5,first=20,error-after=10", client.Config{}, "end", "FAIL an error event after 10 tokens", true},
		{"tokens=40,interval=5,first=20,stall-after=10", client.Config{IdleTimeout: 300 * time.Millisecond}, "end", "FAIL no bytes for 300ms after 10 tokens", true},
		{"status=429", client.Config{}, "status", "FAIL 429 Too Many Requests", true},
		{"tokens=40,interval=5,first=20,heartbeat=20", client.Config{}, "heartbeats", "PASS", false},
	}
	for _, tt := range tests {
		res := probe(t, srv.URL, tt.knobs, tt.cfg, Options{})
		if got := checkOf(res, tt.check); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %s = %q, want %q\nall: %+v", tt.knobs, tt.check, got, tt.want, res.Checks)
		}
		if res.Failed() != tt.failed {
			t.Errorf("%s: failed = %v, want %v: %+v", tt.knobs, res.Failed(), tt.failed, res.Checks)
		}
	}
}

// TestProbeTTFTIsTheFirstTokensArrival checks that the first token is
// timed at its own arrival: not before the server can have sent it (300
// ms after the request; the start frame's first byte comes at once), and
// before the second token (100 ms after it). How close to the truth it
// lands is a benchmark's question: a busy machine delays the reader, or
// the headers it is measured from, by milliseconds.
func TestProbeTTFTIsTheFirstTokensArrival(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	res := probe(t, srv.URL, "tokens=5,interval=100,first=300", client.Config{}, Options{})
	// Truth: the server waits 300 ms after its headers; the loopback costs
	// the time to the headers.
	truth := 300*time.Millisecond + res.Headers
	if d := res.FirstToken - truth; res.FirstToken < 300*time.Millisecond || d >= 100*time.Millisecond {
		t.Errorf("first token %s, truth %s (headers %s): off by %s", res.FirstToken, truth, res.Headers, d)
	}
	if res.Tokens != 5 || res.OutputTokens != 5 || res.TokensFrom != "usage" {
		t.Errorf("tokens %d, output %d from %s", res.Tokens, res.OutputTokens, res.TokensFrom)
	}
}

// gatewayName is gatewayLimit's name, "" for none.
func gatewayName(d time.Duration) string {
	s, _ := gatewayLimit(d)
	return s
}

func TestProbeNamesTheNearestGatewayTimeout(t *testing.T) {
	for d, want := range map[time.Duration]string{
		29*time.Second + 100*time.Millisecond: "29 s",
		29*time.Second + 950*time.Millisecond: "30 s",
		60*time.Second + 400*time.Millisecond: "60 s",
		100 * time.Second:                     "100 s",
	} {
		if got := gatewayName(d); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
	if got := gatewayName(45 * time.Second); got != "" {
		t.Errorf("45s: %q, want none", got)
	}
}
