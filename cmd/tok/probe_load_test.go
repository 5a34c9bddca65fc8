package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokcli/tok/server"
)

func TestProbeLoadFlagsRefuseContradictions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "5", "-c", "1,2"}, "--rate sweeps rates under one ceiling"},
		{[]string{"--arrival", "gamma"}, "add --rate"},
		{[]string{"--rate", "5", "--burstiness", "2"}, "add --arrival gamma"},
		{[]string{"--rate", "5", "--arrival", "bursty"}, `--arrival "bursty"`},
		{[]string{"-c", "0"}, "1 or more"},
		{[]string{"-c", "1,x"}, "1 or more"},
		{[]string{"--rate", "-2"}, "above 0"},
		{[]string{"-n", "5", "--cancel-rate", "2"}, "--cancel-rate 2"},
		{[]string{"-n", "5", "--min-good", "0.5"}, "add --slo"},
		{[]string{"-n", "5", "--slo", "ttft=800"}, "with its unit"},
		{[]string{"-n", "5", "--json", "--csv", "-"}, "all write to stdout"},
		{[]string{"-n", "5", "--stats", "localhost"}, "is not a URL"},
		{[]string{"-n", "5", "--frames"}, "--frames prints one request's frames"},
		{[]string{"--duration", "1s", "--step-duration", "2s"}, "give one"},
	}
	for _, tt := range tests {
		r := runTok(t, "", append([]string{"probe", "http://127.0.0.1:1/x"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// TestProbeSweepNamesTheCapacity sweeps a tok serve of capacity 2 whose
// full batch keeps the targets: 1 and 2 meet them, 4 and 8 queue past
// the ttft target, and the sweep stops there; the reports are written.
func TestProbeSweepNamesTheCapacity(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{Capacity: 2}))
	defer srv.Close()
	dir := t.TempDir()
	html, csvFile := filepath.Join(dir, "report.html"), filepath.Join(dir, "requests.csv")
	r := runTok(t, "", "probe", srv.URL+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=20,interval=10,first=50",
		"-c", "1,2,4,8,16", "-n", "4", "--slo", "ttft=250ms,itl=30ms", "--html", html, "--csv", csvFile)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"capacity: 2 concurrent streams meet ttft ≤ 250ms and itl ≤ 30ms for 90% of",
		"(4 do not: ttft p90",
		"stopped after 8 concurrent streams: two steps in a row missed the targets",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "step 5") {
		t.Errorf("the sweep ran a fifth step after two misses:\n%s", r.stdout)
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), "<svg") {
		t.Errorf("--html: %v", err)
	}
	rows, err := os.ReadFile(csvFile)
	if n := strings.Count(string(rows), "\n"); err != nil || n != 1+4*4 {
		t.Errorf("--csv: %d lines, want a header and 16 requests: %v", n, err)
	}
}

func TestProbeBaseURLProbesChatCompletions(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	r := runTok(t, "", "probe", "--base-url", srv.URL+"/v1", "-m", "tok-demo", "-H", "Authorization: Bearer k",
		"-H", "X-Tok-Scenario: tokens=12,interval=3,first=5")
	if r.code != 0 || !strings.Contains(r.stdout, "/v1/chat/completions") || !strings.Contains(r.stdout, "PASS  dialect        openai-chat") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runTok(t, "", "probe", srv.URL+"/v1/chat/completions", "--base-url", srv.URL+"/v1"); r.code != 2 {
		t.Errorf("a URL and --base-url: exit %d, want 2: %s", r.code, r.stderr)
	}
}

// TestProbeCompareExitCodes compares a run's JSON with itself made 30%
// and 5% slower to first token.
func TestProbeCompareExitCodes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{}))
	defer srv.Close()
	r := runTok(t, "", "probe", srv.URL+"/api/chat/stream", "-n", "4", "-c", "2", "--json", "-H", "X-Tok-Scenario: tokens=5,interval=2,first=100")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	dir := t.TempDir()
	write := func(name string, scale float64) string {
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		ttft := doc["steps"].([]any)[0].(map[string]any)["ttft_ms"].(map[string]any)
		ttft["p90"] = ttft["p90"].(float64) * scale
		b, _ := json.Marshal(doc)
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o644)
		return path
	}
	base, worse, same := write("base.json", 1), write("worse.json", 1.3), write("same.json", 1.05)
	if r := runTok(t, "", "probe", "compare", base, worse); r.code != 1 || !strings.Contains(r.stdout, "ttft p90") || !strings.Contains(r.stdout, "+30.0%") {
		t.Errorf("30%% worse: exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runTok(t, "", "probe", "compare", base, same); r.code != 0 || !strings.Contains(r.stdout, "no regression beyond 10%") {
		t.Errorf("5%% worse: exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runTok(t, "", "probe", "compare", base, same, "--tolerance", "3%"); r.code != 1 {
		t.Errorf("5%% worse with --tolerance 3%%: exit %d, want 1", r.code)
	}
	if r := runTok(t, "", "probe", "compare", base, filepath.Join(dir, "missing.json")); r.code != 2 {
		t.Errorf("a missing file: exit %d, want 2", r.code)
	}
}

func TestServeRefusesCapacityWhereItCannotApply(t *testing.T) {
	t.Parallel()
	if r := runTok(t, "", "serve", "--capacity", "-1"); r.code != 2 {
		t.Errorf("--capacity -1: exit %d, want 2: %s", r.code, r.stderr)
	}
	r := runTokEnv(t, map[string]string{"OPENAI_API_KEY": "k"}, "", "serve", "--provider", "openai", "--pause", "2s")
	if r.code != 2 || !strings.Contains(r.stderr, "--capacity and --pause shape the demo model") {
		t.Errorf("--provider with --pause: exit %d, %s", r.code, r.stderr)
	}
}
