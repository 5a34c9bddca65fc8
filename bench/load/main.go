// Command load opens many concurrent streams against a tok serve and checks
// every byte of every answer. bench/load.sh runs it against a fresh server
// process and reports that process's memory.
//
//	go run ./bench/load -url http://127.0.0.1:8080 -n 500 -tokens 200
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the tok serve to load")
	n := flag.Int("n", 500, "concurrent streams")
	tokens := flag.Int("tokens", 200, "tokens per stream")
	interval := flag.Int("interval", 10, "milliseconds between tokens")
	flag.Parse()
	if err := run(*url, *n, *tokens, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type result struct {
	ttft, total time.Duration
	bytes       int
	err         error
}

func run(url string, n, tokens, interval int) error {
	want := strings.Join(cycle(demo.Tokens(demo.Text("hi", 1)), tokens), "")
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	c := client.New(client.Config{IdleTimeout: 30 * time.Second, Transport: tr})
	results := make([]result, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() { results[i] = stream(c, url, tokens, interval, want) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	return report(results, elapsed, len(want), interval*tokens)
}

func stream(c *client.Client, url string, tokens, interval int, want string) result {
	ctx := context.Background()
	body := `{"messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/chat/stream", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", fmt.Sprintf("tokens=%d,first=0,interval=%d", tokens, interval))
	s, err := c.Stream(ctx, req)
	if err != nil {
		return result{err: err}
	}
	var text strings.Builder
	for ev, err := range s.Events() {
		if err != nil {
			return result{err: err}
		}
		text.WriteString(ev.Text)
	}
	tm := s.Timings()
	if text.String() != want {
		return result{err: fmt.Errorf("text differs: %d bytes, want %d", text.Len(), len(want))}
	}
	return result{ttft: tm.FirstText, total: tm.End, bytes: text.Len()}
}

func report(results []result, elapsed time.Duration, want, ideal int) error {
	var ttft, total []time.Duration
	bad := 0
	for _, r := range results {
		if r.err != nil {
			if bad++; bad <= 3 {
				fmt.Fprintln(os.Stderr, "stream failed:", r.err)
			}
			continue
		}
		ttft, total = append(ttft, r.ttft), append(total, r.total)
	}
	slices.Sort(ttft)
	slices.Sort(total)
	fmt.Printf("streams: %d ok, %d failed; every ok stream's %d bytes checked\n", len(ttft), bad, want)
	fmt.Printf("wall time: %s (one stream alone would take ~%d ms)\n", elapsed.Round(time.Millisecond), ideal)
	if len(ttft) > 0 {
		fmt.Printf("time to first token: p50 %s, p99 %s\n", pct(ttft, 50), pct(ttft, 99))
		fmt.Printf("stream duration:     p50 %s, p99 %s\n", pct(total, 50), pct(total, 99))
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d streams failed", bad, len(results))
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	return d[min(len(d)-1, len(d)*p/100)].Round(time.Millisecond)
}

func cycle(toks []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = toks[i%len(toks)]
	}
	return out
}
