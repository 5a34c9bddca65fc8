package client

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// The report tests build results by hand with fixed timings, feed the
// events through the probe's own event, measure and check, so the
// figures and verdicts are the real ones and only the clock is fake.

const msec = time.Millisecond

// reached is a 2xx answer from tok serve's endpoint before any body.
func reached(header http.Header) *ProbeResult {
	return &ProbeResult{
		URL: "http://127.0.0.1:8080/api/chat/stream", Method: "POST",
		Status: 200, Proto: "HTTP/1.1", Header: header, Dialect: DialectTok,
		DNS: 400 * time.Microsecond, Connect: 200 * time.Microsecond,
		Headers: 1100 * time.Microsecond, FirstByte: 1300 * time.Microsecond,
	}
}

func sseHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// arrive feeds one text event of n body bytes at at.
func arrive(res *ProbeResult, at time.Duration, n int) {
	res.event(Event{Kind: KindText, Text: "tok", At: at})
	res.Reads = append(res.Reads, Read{At: at, Bytes: n})
	res.Bytes += int64(n)
	res.FrameCount++
}

// finish ends the stream at end, with usage, and judges it.
func finish(res *ProbeResult, end time.Duration, usage int) *ProbeResult {
	if usage > 0 {
		res.event(Event{Kind: KindUsage, Usage: Usage{OutputTokens: usage}})
	}
	if res.Err == nil {
		res.event(Event{Kind: KindDone})
		res.FrameCount += 2
	}
	res.Total = end
	res.measure()
	res.check(ProbeOptions{})
	return res
}

// healthyProbe is a steady stream: 42 tokens about 25 ms apart after a
// 302 ms wait for the first.
func healthyProbe() *ProbeResult {
	res := reached(sseHeader("Content-Type", "text/event-stream", "Cache-Control", "no-cache", "X-Accel-Buffering", "no"))
	at := 302 * msec
	for i := range 42 {
		arrive(res, at, 58)
		at += 25*msec + time.Duration(i*7%5-2)*msec // a little jitter
	}
	return finish(res, at, 42)
}

// bufferedProbe is a stream behind a proxy that releases 4 KiB at a time:
// 410 tokens made every 2 ms arrive as four lumps of 100 and the rest.
func bufferedProbe() *ProbeResult {
	res := reached(sseHeader("Content-Type", "text/event-stream; charset=utf-8"))
	for lump := range 4 {
		at := 20*msec + time.Duration(lump+1)*200*msec
		res.Reads = append(res.Reads, Read{At: at, Bytes: 4096})
		for i := range 100 {
			res.event(Event{Kind: KindText, Text: "tok", At: at + time.Duration(i)*5*time.Microsecond})
			res.FrameCount++
		}
	}
	for i := range 10 {
		arrive(res, 842*msec+time.Duration(i)*5*time.Microsecond, 41)
	}
	res.Bytes += 4 * 4096
	return finish(res, 843*msec, 0)
}

// cutOffProbe is a steady stream that a gateway cut at 29.9 s.
func cutOffProbe() *ProbeResult {
	res := reached(sseHeader("Content-Type", "text/event-stream", "Cache-Control", "no-cache"))
	res.Dialect = DialectOpenAIChat
	at := 480 * msec
	for ; at < 29900*msec; at += 100 * msec {
		arrive(res, at, 120)
	}
	res.Err = &CutOffError{Tokens: res.Tokens, Err: errConnectionClosed}
	return finish(res, 29900*msec, 0)
}

// rateLimitedProbe got a 429 and no stream.
func rateLimitedProbe() *ProbeResult {
	res := &ProbeResult{
		URL: "https://api.example.com/v1/chat/completions", Method: "POST", Status: 429,
		DNS: 2 * msec, Connect: 11 * msec, TLS: 24 * msec, Total: 96 * msec,
		Err: &HTTPError{StatusCode: 429, Status: "429 Too Many Requests", Message: "Rate limit reached for requests per min",
			RetryAfter: 20 * time.Second},
	}
	res.check(ProbeOptions{})
	return res
}

var probeCases = []struct {
	name  string
	probe func() *ProbeResult
}{
	{"healthy", healthyProbe},
	{"buffered", bufferedProbe},
	{"cut-off", cutOffProbe},
	{"rate-limited", rateLimitedProbe},
}

func summaryOf3() *ProbeSummary {
	return Summarize([]*ProbeResult{healthyProbe(), bufferedProbe(), rateLimitedProbe()}, 2500*msec)
}

// reporter is a result or a summary.
type reporter interface {
	Report(w io.Writer, color bool) error
}

func report(t *testing.T, r reporter, color bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Report(&b, color); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestProbeReport(t *testing.T) {
	t.Parallel()
	for _, tc := range probeCases {
		t.Run(tc.name, func(t *testing.T) {
			golden.RequireEqual(t, report(t, tc.probe(), false))
		})
	}
	t.Run("summary", func(t *testing.T) {
		golden.RequireEqual(t, report(t, summaryOf3(), false))
	})
	// The JSON's shape is a contract CI tools rely on: a diff here must be
	// one to probe.schema.json too.
	t.Run("healthy.json", func(t *testing.T) {
		b, err := json.MarshalIndent(healthyProbe(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.RequireEqual(t, append(b, '\n'))
	})
}

// timelineRow is the report's row of bars, between its margin and its end.
func timelineRow(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  tokens over time") && i+1 < len(lines) {
			return strings.TrimSpace(strings.TrimPrefix(lines[i+1], "  "))
		}
	}
	t.Fatalf("no timeline in\n%s", out)
	return ""
}

func TestProbeTimelineShowsLumpsAsBarsBetweenGaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		probe func() *ProbeResult
		lumps int
	}{
		{"steady stream is one band", healthyProbe, 1},
		{"steady stream to a cut-off is one band", cutOffProbe, 1},
		{"buffered stream is four lumps", bufferedProbe, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := timelineRow(t, report(t, tt.probe(), false))
			if got := len(strings.Fields(row)); got != tt.lumps {
				t.Errorf("timeline %q has %d runs of bars, want %d", row, got, tt.lumps)
			}
		})
	}
	t.Run("steady stream is flat", func(t *testing.T) {
		row := []rune(timelineRow(t, report(t, healthyProbe(), false)))
		// Past the ramp at each end, every column is the full bar.
		for i, r := range row[3 : len(row)-3] {
			if r != '█' {
				t.Errorf("column %d of %q is %q, want █", i+3, string(row), r)
			}
		}
	})
}

func TestProbeReportWithoutAnswerHasNoTimeline(t *testing.T) {
	t.Parallel()
	out := report(t, rateLimitedProbe(), false)
	for _, absent := range []string{"tokens over time", "first token", "gaps"} {
		if strings.Contains(out, absent) {
			t.Errorf("report of a 429 shows %q:\n%s", absent, out)
		}
	}
	if !strings.Contains(out, "FAIL  status         429 Too Many Requests: Rate limit") {
		t.Errorf("report of a 429 lacks the failed status check:\n%s", out)
	}
}

// hostileProbe carries escape sequences, line breaks and a long URL in
// everything the server or the user controls.
func hostileProbe() *ProbeResult {
	res := healthyProbe()
	res.URL = "http://127.0.0.1:8080/" + strings.Repeat("very-long-path/", 12) + "\x1b[2J"
	res.Header.Set("Content-Type", "text/html\x1b]0;pwned\x07\x1b[31m")
	res.Header.Set("Cache-Control", "private\u009b2J")
	res.Err = &CutOffError{Tokens: 42, Err: &ServerError{Message: "upstream\r\nsaid \x1b[1mno\x7f"}}
	res.Terminal = false
	res.check(ProbeOptions{})
	return res
}

func TestProbeReportFitsEightyColumnsAndPrintsNoControls(t *testing.T) {
	t.Parallel()
	cases := map[string]func() reporter{
		"hostile": func() reporter { return hostileProbe() },
		"summary": func() reporter { return summaryOf3() },
		"hostile summary": func() reporter {
			return Summarize([]*ProbeResult{hostileProbe(), rateLimitedProbe()}, time.Second)
		},
	}
	for _, tc := range probeCases {
		cases[tc.name] = func() reporter { return tc.probe() }
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			plain, colored := report(t, build(), false), report(t, build(), true)
			for i, line := range strings.Split(colored, "\n") {
				if w := ansi.StringWidth(line); w > reportWidth {
					t.Errorf("line %d is %d columns wide: %q", i+1, w, ansi.Strip(line))
				}
			}
			if i := strings.IndexFunc(plain, func(r rune) bool {
				return r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f))
			}); i >= 0 {
				t.Errorf("plain report holds control %q at %d:\n%s", plain[i], i, plain)
			}
			if got := ansi.Strip(colored); got != plain {
				t.Errorf("colour changed more than colour:\nplain:\n%s\ncolored, stripped:\n%s", plain, got)
			}
			if !strings.Contains(colored, "\x1b[") {
				t.Errorf("colored report has no colour")
			}
		})
	}
}

func TestProbeReportCutsPassesAndWrapsFailures(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60) + "END"
	res := &ProbeResult{Checks: []Check{
		{"content-type", Pass, "text/event-stream; " + long},
		{"buffering", Fail, "lumps: send X-Accel-Buffering: no, set proxy_buffering off (nginx) and flush after each event"},
		{"end", Fail, long},
	}}
	lines := strings.Split(report(t, res, false), "\n")
	want := []string{
		"  PASS  content-type   text/event-stream; word word word word word word word wo…",
		"  FAIL  buffering      lumps: send X-Accel-Buffering: no, set proxy_buffering",
		"                       off (nginx) and flush after each event",
		"  FAIL  end            word word word word word word word word word word word",
	}
	for i, w := range want {
		if lines[i+3] != w {
			t.Fatalf("line %d = %q, want %q\n%s", i+4, lines[i+3], w, strings.Join(lines, "\n"))
		}
	}
	if got := lines[9]; !strings.HasSuffix(got, "…") || strings.Contains(got, "END") || !strings.HasPrefix(got, strings.Repeat(" ", 23)+"word") {
		t.Errorf("a failure's fourth line = %q, want it indented and cut with …", got)
	}
	if got := lines[10]; got != "" {
		t.Errorf("a failure wraps past four lines: %q", got)
	}
	if out := report(t, hostileProbe(), false); !strings.Contains(out, "text/html: want text/event-stream") || strings.Contains(out, "pwned") {
		t.Errorf("content-type detail not stripped of its sequences:\n%s", out)
	}
}

func TestWriteFrames(t *testing.T) {
	t.Parallel()
	res := &ProbeResult{Frames: []ProbeFrame{
		{At: 302114 * time.Microsecond, Event: "delta", ID: "7", Data: `{"text":"Hi"}`},
		{At: 310020 * time.Microsecond, Comment: true},
		{At: 29900 * msec, Data: "line\x1b[2J\nnext"},
		{At: 5 * time.Microsecond, Event: "odd name", Data: ""},
	}}
	var b bytes.Buffer
	if err := res.WriteFrames(&b); err != nil {
		t.Fatal(err)
	}
	want := `  +302.114ms  event=delta id=7  data="{\"text\":\"Hi\"}"
  +310.020ms  : (comment)
+29900.000ms  data="line\x1b[2J\nnext"
    +0.005ms  event="odd name"  data=""
`
	if got := b.String(); got != want {
		t.Errorf("WriteFrames =\n%s\nwant\n%s", got, want)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	s := Summarize([]*ProbeResult{healthyProbe(), nil, bufferedProbe(), rateLimitedProbe()}, 2500*msec)
	if s.Requests != 3 || s.Errors != 1 || s.PerSecond != 1.2 {
		t.Errorf("requests %d, errors %d, %.2f/s; want 3, 1, 1.20/s", s.Requests, s.Errors, s.PerSecond)
	}
	if s.FirstToken.N != 2 || s.FirstToken.Min != 220*msec || s.FirstToken.Max != 302*msec || s.FirstToken.Mean != 261*msec {
		t.Errorf("first token %+v, want 2 values, 220ms to 302ms, mean 261ms", s.FirstToken)
	}
	if s.OutputTokens.P50 != 42 || s.OutputTokens.P90 != 410 {
		t.Errorf("output tokens %+v, want p50 42, p90 410", s.OutputTokens)
	}
	want := map[string]CheckTally{
		"status":    {"status", 2, 0, 1},
		"buffering": {"buffering", 1, 0, 1},
	}
	for _, c := range s.Checks {
		if w, ok := want[c.Name]; ok && c != w {
			t.Errorf("tally %+v, want %+v", c, w)
		}
	}
	if s.Checks[0].Name != "status" || !s.Failed() {
		t.Errorf("first tally %q, failed %v; want status, true", s.Checks[0].Name, s.Failed())
	}
	if ok := Summarize([]*ProbeResult{healthyProbe(), healthyProbe()}, time.Second); ok.Failed() || ok.Errors != 0 {
		t.Errorf("two healthy probes: failed %v, %d errors", ok.Failed(), ok.Errors)
	}
}

func TestSummarizeCountsCutOffsAndErrorEventsAsErrors(t *testing.T) {
	t.Parallel()
	errored := healthyProbe()
	errored.ServerError = &ServerError{Message: "overloaded"}
	errored.check(ProbeOptions{})
	s := Summarize([]*ProbeResult{cutOffProbe(), errored, healthyProbe()}, time.Second)
	if s.Errors != 2 {
		t.Errorf("errors = %d, want 2 (a cut-off and an error event)", s.Errors)
	}
}

// probeSchema compiles probe.schema.json, the file the JSON documents.
func probeSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("probe.schema.json", bytes.NewReader(ProbeSchema)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("probe.schema.json")
	if err != nil {
		t.Fatalf("probe.schema.json: %v", err)
	}
	return sch
}

// validJSON marshals v, checks it against the schema and decodes it.
func validJSON(t *testing.T, sch *jsonschema.Schema, v json.Marshaler) (map[string]any, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("JSON does not match probe.schema.json: %#v\n%s", err, b)
	}
	return doc, b
}

func TestProbeJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	sch := probeSchema(t)
	tests := []struct {
		name       string
		probe      func() *ProbeResult
		firstToken float64
		status     float64
		passed     bool
		err        bool
	}{
		{"healthy", healthyProbe, 302, 200, true, false},
		{"buffered", bufferedProbe, 220, 200, false, false},
		{"cut-off", cutOffProbe, 480, 200, false, true},
		{"rate-limited", rateLimitedProbe, 0, 429, false, true},
		{"hostile", hostileProbe, 302, 200, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := validJSON(t, sch, tt.probe())
			if doc["first_token_ms"] != tt.firstToken || doc["status"] != tt.status || doc["passed"] != tt.passed {
				t.Errorf("first_token_ms %v, status %v, passed %v; want %v, %v, %v",
					doc["first_token_ms"], doc["status"], doc["passed"], tt.firstToken, tt.status, tt.passed)
			}
			if (doc["error"] != nil) != tt.err {
				t.Errorf("error = %v, want one: %v", doc["error"], tt.err)
			}
		})
	}
}

func TestProbeSummaryJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	doc, _ := validJSON(t, probeSchema(t), summaryOf3())
	results, _ := doc["results"].([]any)
	ft, _ := doc["first_token_ms"].(map[string]any)
	if doc["requests"] != 3.0 || doc["errors"] != 1.0 || doc["passed"] != false || len(results) != 3 {
		t.Errorf("requests %v, errors %v, passed %v, %d results; want 3, 1, false, 3",
			doc["requests"], doc["errors"], doc["passed"], len(results))
	}
	if ft["n"] != 2.0 || ft["min"] != 220.0 || ft["max"] != 302.0 {
		t.Errorf("first_token_ms = %v, want n 2, min 220, max 302", ft)
	}
	empty, _ := validJSON(t, probeSchema(t), Summarize(nil, 0))
	if r, ok := empty["rate"].(map[string]any); !ok || r["n"] != 0.0 || r["p50"] != nil {
		t.Errorf("empty summary rate = %v, want n 0 and null figures", empty["rate"])
	}
}

func TestProbeSchemaRejectsWhatItShould(t *testing.T) {
	t.Parallel()
	sch := probeSchema(t)
	good, _ := validJSON(t, sch, healthyProbe())
	tests := []struct {
		name string
		edit func(doc map[string]any)
	}{
		{"missing passed", func(doc map[string]any) { delete(doc, "passed") }},
		{"unknown level", func(doc map[string]any) {
			doc["checks"] = []any{map[string]any{"name": "status", "level": "MAYBE", "detail": ""}}
		}},
		{"duration as text", func(doc map[string]any) { doc["first_token_ms"] = "302ms" }},
		{"unknown key", func(doc map[string]any) { doc["first_token"] = 302.0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]any{}
			for k, v := range good {
				doc[k] = v
			}
			tt.edit(doc)
			if err := sch.Validate(doc); err == nil {
				t.Errorf("schema accepted a result with %s", tt.name)
			}
		})
	}
}

func TestWrapWordsBreaksOnlyAtSpaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"a proxy held the response; send X-Accel-Buffering: no", 30, []string{"a proxy held the response;", "send X-Accel-Buffering: no"}},
		{"abcdefghij klm", 4, []string{"abcd", "efgh", "ij", "klm"}},
		{"日本語テキスト", 5, []string{"日本", "語テ", "キス", "ト"}},
		{"", 10, []string{""}},
	}
	for _, tt := range tests {
		if got := wrapWords(tt.in, tt.width); !slices.Equal(got, tt.want) {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
