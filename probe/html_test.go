package probe

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestHTMLReportStandsAlone(t *testing.T) {
	t.Parallel()
	for name, out := range map[string]*Outcome{"sweep": sweepOutcome(1), "one request": Single(healthyProbe())} {
		var b bytes.Buffer
		if err := out.WriteHTML(&b); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if b.Len() > 1<<20 || !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "</html>") {
			t.Errorf("%s: %d bytes, not a whole page under 1 MB", name, b.Len())
		}
		// Nothing is fetched: no script, no source or link, no URL in the style.
		if m := regexp.MustCompile(`(?i)<script|<link|<img|<iframe|\bsrc=|href=|url\(|@import`).FindString(page); m != "" {
			t.Errorf("%s: the page would fetch something: %q", name, m)
		}
		if strings.ContainsAny(page, "\x1b\u009b") {
			t.Errorf("%s: the page holds the server's terminal controls", name)
		}
	}
	var b bytes.Buffer
	sweepOutcome(1).WriteHTML(&b)
	page := b.String()
	for _, want := range []string{"capacity: 2 concurrent streams meet", "time to first token", "<svg", "a slow request (p99 e2e)", "&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the sweep's page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n < 7 {
		t.Errorf("the sweep's page has %d charts, want the latencies, throughput, scatter and timelines", n)
	}
}

func TestLinesAreOnePerRequest(t *testing.T) {
	t.Parallel()
	out := sweepOutcome(1)
	var j, c bytes.Buffer
	if err := out.WriteJSONL(&j); err != nil {
		t.Fatal(err)
	}
	if err := out.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(j.String()), "\n")
	if len(lines) != 30 {
		t.Fatalf("%d JSON lines for 30 requests", len(lines))
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[29]), &last); err != nil || last["step"] != 2.0 || last["good"] != false {
		t.Errorf("the last line: step %v, good %v, %v", last["step"], last["good"], err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil || len(rows) != 31 || len(rows[0]) != len(csvColumns) || rows[30][1] != "4" {
		t.Errorf("%d CSV rows (want a header and 30), %v", len(rows), err)
	}
}
