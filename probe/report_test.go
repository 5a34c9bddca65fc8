package probe

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/tokcli/tok/client"
)

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
	// What tok probe --json writes for one request: the result's keys,
	// then those every outcome has.
	t.Run("healthy-outcome.json", func(t *testing.T) {
		b, err := json.MarshalIndent(Single(healthyProbe()), "", "  ")
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
		probe func() *Result
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
func hostileProbe() *Result {
	res := healthyProbe()
	res.URL = "http://127.0.0.1:8080/" + strings.Repeat("very-long-path/", 12) + "\x1b[2J"
	res.Header.Set("Content-Type", "text/html\x1b]0;pwned\x07\x1b[31m")
	res.Header.Set("Cache-Control", "private\u009b2J")
	res.Err = &client.CutOffError{Tokens: 42, Err: &client.ServerError{Message: "upstream\r\nsaid \x1b[1mno\x7f"}}
	res.Terminal = false
	res.check(Options{})
	return res
}

func TestProbeReportFitsEightyColumnsAndPrintsNoControls(t *testing.T) {
	t.Parallel()
	cases := map[string]func() reporter{
		"hostile": func() reporter { return hostileProbe() },
		"summary": func() reporter { return summaryOf3() },
		"hostile summary": func() reporter {
			return Summarize([]*Result{hostileProbe(), rateLimitedProbe()}, time.Second)
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
	res := &Result{Checks: []Check{
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
	res := &Result{Frames: []Frame{
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
